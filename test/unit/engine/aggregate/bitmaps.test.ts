import { beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Bitmap, flushPending, initBitmaps, liveBitmaps, pendingValues, setPendingBudget } from "../../../../engine/aggregate/bitmaps.ts";
import { EngineError } from "../../../../engine/core/errors.ts";

const SEED = Number(process.env.SEED ?? 4242);
console.log(`bitmaps tests: SEED=${SEED}`);

beforeAll(async () => {
  await initBitmaps();
});

const sorted = (s: Iterable<number>) => Array.from(s).sort((a, b) => a - b);
// Ids clustered around a few container boundaries (array, bitset and run containers all appear).
const idArb = fc.oneof(
  fc.integer({ min: 0, max: 200 }),
  fc.integer({ min: 65_000, max: 70_000 }),
  fc.integer({ min: 0, max: 0xffff_ffff }),
);
const idsArb = fc.oneof(fc.array(idArb, { maxLength: 300 }), fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 4500, maxLength: 9000 }));

describe("Bitmap", () => {
  test("set algebra, sizes and exports equal the same computed with JS Sets (property)", () => {
    const before = liveBitmaps();
    fc.assert(
      fc.property(idsArb, idsArb, fc.integer({ min: 0, max: 50 }), (xs, ys, limit) => {
        const a = Bitmap.of(Uint32Array.from(xs)), b = Bitmap.of(Uint32Array.from(ys));
        const sa = new Set(xs), sb = new Set(ys);
        const and = Bitmap.and(a, b), or = Bitmap.or(a, b), andNot = Bitmap.andNot(a, b);
        const inAnd = a.clone().andInPlace(b), inOr = a.clone().orInPlace(b), inNot = a.clone().andNotInPlace(b);
        const many = Bitmap.orMany([a, b, and]);
        const from = xs.length > 0 ? xs[0]! : 0;
        const got = {
          a: Array.from(a.toUint32Array()), size: a.size, empty: a.isEmpty,
          and: Array.from(and.toUint32Array()), or: Array.from(or.toUint32Array()), andNot: Array.from(andNot.toUint32Array()),
          inPlace: [inAnd, inOr, inNot].map((x) => Array.from(x.toUint32Array())),
          sizes: [a.andSize(b), a.orSize(b), a.andNotSize(b)], many: many.size, intersects: a.intersects(b),
          head: Array.from(a.toUint32Array(limit)), fromHead: Array.from(a.toUint32Array(limit, from)),
          has: ys.slice(0, 20).map((y) => a.has(y)),
        };
        const and$ = sorted([...sa].filter((x) => sb.has(x))), or$ = sorted(new Set([...sa, ...sb]));
        const not$ = sorted([...sa].filter((x) => !sb.has(x)));
        const want = {
          a: sorted(sa), size: sa.size, empty: sa.size === 0, and: and$, or: or$, andNot: not$, inPlace: [and$, or$, not$],
          sizes: [and$.length, or$.length, not$.length], many: or$.length, intersects: and$.length > 0,
          head: sorted(sa).slice(0, limit), fromHead: sorted(sa).filter((x) => x >= from).slice(0, limit),
          has: ys.slice(0, 20).map((y) => sa.has(y)),
        };
        for (const x of [a, b, and, or, andNot, inAnd, inOr, inNot, many]) x.dispose();
        expect(got).toEqual(want);
      }),
      { seed: SEED, numRuns: 150 },
    );
    expect(liveBitmaps()).toEqual(before);
  });

  test("buffered adds interleaved with reads, budget merges and disposal equal a Set model (property)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), target: fc.nat(3), ids: fc.array(idArb, { maxLength: 40 }) }),
      fc.record({ kind: fc.constant("bulk" as const), target: fc.nat(3), ids: fc.array(fc.integer({ min: 0, max: 300_000 }), { minLength: 0, maxLength: 20_000 }) }),
      fc.record({ kind: fc.constant("read" as const), target: fc.nat(3), ids: fc.constant([] as number[]) }),
      fc.record({ kind: fc.constant("or" as const), target: fc.nat(3), ids: fc.constant([] as number[]) }),
      fc.record({ kind: fc.constant("replace" as const), target: fc.nat(3), ids: fc.array(idArb, { maxLength: 10 }) }),
    );
    const before = liveBitmaps();
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 200 }), (ops, budget) => {
        setPendingBudget(budget);
        const bitmaps = [0, 1, 2, 3].map(() => Bitmap.empty());
        const model = [0, 1, 2, 3].map(() => new Set<number>());
        const reads: [number[], number[]][] = [];
        for (const o of ops) {
          const b = bitmaps[o.target]!, m = model[o.target]!;
          if (o.kind === "add") for (const id of o.ids) (b.add(id), m.add(id));
          else if (o.kind === "bulk") (b.addMany(Uint32Array.from(o.ids)), o.ids.forEach((id) => m.add(id)));
          else if (o.kind === "read") reads.push([Array.from(b.toUint32Array(30)), sorted(m).slice(0, 30)]);
          else if (o.kind === "or") {
            const other = (o.target + 1) % 4;
            b.orInPlace(bitmaps[other]!);
            for (const id of model[other]!) m.add(id);
          } else {
            b.dispose(); // with adds still pending
            bitmaps[o.target] = Bitmap.of(Uint32Array.from(o.ids));
            model[o.target] = new Set(o.ids);
          }
        }
        const got = bitmaps.map((b) => [b.size, Array.from(b.toUint32Array(50))]);
        bitmaps[0]!.add(1); // disposed with a pending add: the accounting must drop it
        for (const b of bitmaps) b.dispose();
        expect({ got, reads: reads.map((r) => r[0]), pending: pendingValues() })
          .toEqual({ got: model.map((m) => [m.size, sorted(m).slice(0, 50)]), reads: reads.map((r) => r[1]), pending: 0 });
      }),
      { seed: SEED, numRuns: 150 },
    );
    setPendingBudget(16 << 20);
    flushPending();
    expect(liveBitmaps()).toEqual(before);
  });

  test("add, remove, range, clear and serialize round trip", () => {
    const b = Bitmap.range(10, 20);
    b.add(1_000_000);
    b.remove(15);
    b.addMany(Uint32Array.from([7, 3, 5, 3]), 1, 4); // an unsorted slice: 3, 5, 3
    const bytes = b.serialize();
    const c = Bitmap.deserialize(bytes);
    const got = { b: Array.from(b.toUint32Array()), c: Array.from(c.toUint32Array()), equal: c.equals(b), byteSize: b.byteSize > 0 };
    c.clear();
    const cleared = c.size;
    b.dispose();
    c.dispose();
    expect({ ...got, cleared }).toEqual({
      b: [3, 5, 10, 11, 12, 13, 14, 16, 17, 18, 19, 1_000_000], c: [3, 5, 10, 11, 12, 13, 14, 16, 17, 18, 19, 1_000_000],
      equal: true, byteSize: true, cleared: 0,
    });
  });

  test("the portable format is the one Java and Go read: a known encoding", () => {
    // Serial cookie 12346 (no run containers), 1 container, key 0, cardinality 3, offsets, values 1, 2, 3.
    const b = Bitmap.of(Uint32Array.from([1, 2, 3]));
    const bytes = Array.from(b.serialize());
    b.dispose();
    expect(bytes).toEqual([58, 48, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 16, 0, 0, 0, 1, 0, 2, 0, 3, 0]);
  });

  test("corrupt bytes fail with data_corrupt and leak nothing", () => {
    const before = liveBitmaps();
    const outcomes = [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), new Uint8Array([58, 48, 0, 0, 1, 0, 0, 0, 0, 0, 200, 0])].map((bytes) => {
      try {
        Bitmap.deserialize(bytes);
        return "ok";
      } catch (e) {
        return (e as EngineError).code;
      }
    });
    expect({ outcomes, live: liveBitmaps() - before }).toEqual({ outcomes: ["data_corrupt", "data_corrupt"], live: 0 });
  });

  test("dispose is idempotent, frees at once, and any later use fails an assertion", () => {
    const before = liveBitmaps();
    const a = Bitmap.of(Uint32Array.from([1, 2]));
    const other = Bitmap.empty();
    a.dispose();
    a.dispose();
    const uses: (() => unknown)[] = [() => a.size, () => a.has(1), () => a.add(3), () => other.orInPlace(a), () => Bitmap.and(other, a), () => a.serialize()];
    const errors = uses.map((f) => {
      try {
        f();
        return "no error";
      } catch (e) {
        return (e as Error).message;
      }
    });
    other.dispose();
    expect({ errors, disposed: a.disposed, live: liveBitmaps() - before }).toEqual({
      errors: Array(6).fill("assertion failed: bitmap used after dispose()"), disposed: true, live: 0,
    });
  });
});
