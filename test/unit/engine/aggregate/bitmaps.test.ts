import { beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { roaringLibraryInitialize } from "roaring-wasm";
import { Bitmap } from "../../../../engine/aggregate/bitmaps.ts";
import { containerArb, expand, idSetArb, rng, shuffled, sortedDifference, sortedIntersection, sortedUnion, wasmOf } from "./roaring-oracle.ts";

const SEED = Number(process.env.SEED ?? 4242);
console.log(`bitmaps tests: SEED=${SEED}`);

beforeAll(async () => {
  await roaringLibraryInitialize();
});

const list = (b: Bitmap) => Array.from(b.toUint32Array());
/** What roaring-wasm writes for the same set (no run optimization: the format we write). */
const wasmBytes = (ids: ArrayLike<number>) => Array.from(wasmOf(Uint32Array.from(ids)).serialize("portable"));

describe("Bitmap against JS Sets and roaring-wasm", () => {
  test("set algebra, counts and reads (property)", () => {
    fc.assert(
      fc.property(idSetArb, idSetArb, idSetArb, fc.integer(), fc.integer({ min: 0, max: 70 }), (xSpec, ySpec, zSpec, seed, limit) => {
        const xs = expand(xSpec), ys = expand(ySpec), zs = expand(zSpec);
        const a = Bitmap.of(shuffled(xs, seed)), b = Bitmap.of(ys), c = Bitmap.of(zs);
        const wa = wasmOf(xs), wb = wasmOf(ys);
        const and = Bitmap.and(a, b), or = Bitmap.or(a, b), andNot = Bitmap.andNot(a, b), notAnd = Bitmap.andNot(b, a);
        const rand = rng(seed);
        const probes = [...Array.from({ length: 20 }, () => ys[Math.floor(rand() * ys.length)] ?? 0), ...Array.from({ length: 20 }, () => (xs[Math.floor(rand() * xs.length)] ?? 0) + 1)];
        const from = xs.length > 0 ? xs[Math.floor(rand() * xs.length)]! + (seed & 1) : 7;
        const got = {
          a: list(a), size: a.size, empty: a.isEmpty, max: a.max,
          results: [and, or, andNot, notAnd].map(list),
          inPlace: [a.clone().andInPlace(b), a.clone().orInPlace(b), a.clone().andNotInPlace(b), b.clone().andNotInPlace(a), b.clone().orInPlace(a)].map(list),
          sizes: [a.andSize(b), a.orSize(b), a.andNotSize(b), b.andNotSize(a)],
          intersects: a.intersects(b), equals: [a.equals(b), a.equals(a.clone()), and.equals(Bitmap.and(b, a))],
          many: list(Bitmap.orMany([a, b, and])), orMany3: list(Bitmap.orMany([a, b, c])),
          kWay: [Bitmap.andManySize([a, b, c]), Bitmap.orManySize([a, b, c]), Bitmap.andManySize([c, a, b, a]), Bitmap.orManySize([c]), Bitmap.andManySize([])],
          has: probes.map((id) => a.has(id)),
          head: Array.from(a.toUint32Array(limit)), fromHead: Array.from(a.toUint32Array(limit, from)),
          bytes: [a, and, or, andNot].map((x) => Array.from(x.serialize())),
        };
        const and$ = sortedIntersection(xs, ys), or$ = sortedUnion(xs, ys), not$ = sortedDifference(xs, ys), notAnd$ = sortedDifference(ys, xs);
        const sx = new Set(xs);
        const want = {
          a: Array.from(xs), size: xs.length, empty: xs.length === 0, max: xs.length === 0 ? -1 : xs[xs.length - 1]!,
          results: [and$, or$, not$, notAnd$],
          inPlace: [and$, or$, not$, notAnd$, or$],
          sizes: [wa.andCardinality(wb), wa.orCardinality(wb), wa.andNotCardinality(wb), wb.andNotCardinality(wa)],
          intersects: wa.intersects(wb), equals: [wa.isEqual(wb), true, true],
          many: or$, orMany3: sortedUnion(Uint32Array.from(or$), zs),
          kWay: [sortedIntersection(Uint32Array.from(and$), zs).length, sortedUnion(Uint32Array.from(or$), zs).length, sortedIntersection(Uint32Array.from(and$), zs).length, zs.length, 0],
          has: probes.map((id) => sx.has(id)),
          head: Array.from(xs).slice(0, limit), fromHead: Array.from(xs).filter((x) => x >= from).slice(0, limit),
          bytes: [Array.from(xs), and$, or$, not$].map(wasmBytes),
        };
        wa.dispose();
        wb.dispose();
        expect(got).toEqual(want);
      }),
      { seed: SEED, numRuns: 50 },
    );
  }, 60_000);

  test("adds, removes, in-place operations and trims interleaved keep sets, sizes and container kinds right (stateful property)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("addMany" as const), target: fc.nat(2), spec: containerArb, sorted: fc.boolean() }),
      fc.record({ kind: fc.constant("removeMany" as const), target: fc.nat(2), spec: containerArb, sorted: fc.boolean() }),
      fc.record({ kind: fc.constant("add" as const), target: fc.nat(2), ids: fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 20 }) }),
      fc.record({ kind: fc.constant("remove" as const), target: fc.nat(2), ids: fc.array(fc.nat(40), { maxLength: 20 }) }),
      fc.record({ kind: fc.constantFrom("and" as const, "or" as const, "andNot" as const), target: fc.nat(2), other: fc.nat(2) }),
      fc.record({ kind: fc.constantFrom("clear" as const, "replace" as const), target: fc.nat(2), spec: idSetArb }),
      fc.record({ kind: fc.constant("trim" as const), target: fc.nat(2) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), fc.integer(), (ops, seed) => {
        const bitmaps = [0, 1, 2].map(() => Bitmap.empty());
        const model = [0, 1, 2].map(() => new Set<number>());
        const sizes: [number, number][] = [];
        for (const o of ops) {
          const b = bitmaps[o.target]!, m = model[o.target]!;
          if (o.kind === "addMany" || o.kind === "removeMany") {
            const ids = expand([o.spec]), input = o.sorted ? ids : shuffled(ids, seed);
            if (o.kind === "addMany") (b.addMany(input), ids.forEach((id) => m.add(id)));
            else (b.removeMany(input), ids.forEach((id) => m.delete(id)));
          } else if (o.kind === "add") {
            for (const id of o.ids) (b.add(id), m.add(id));
          } else if (o.kind === "remove") {
            // Existing ids: the k-th smallest of the set, and one past it.
            const present = Array.from(m).sort((x, y) => x - y);
            for (const k of o.ids) {
              const id = present.length === 0 ? k : present[k % present.length]! + (k & 1);
              b.remove(id);
              m.delete(id);
            }
          } else if (o.kind === "trim") {
            b.trim();
          } else if ("other" in o) {
            const other = bitmaps[o.other]!, om = model[o.other]!;
            if (o.kind === "and") (b.andInPlace(other), (model[o.target] = new Set([...m].filter((x) => om.has(x)))));
            else if (o.kind === "or") (b.orInPlace(other), om.forEach((x) => m.add(x)));
            else (b.andNotInPlace(other), (model[o.target] = new Set([...m].filter((x) => !om.has(x)))));
          } else {
            const ids = o.kind === "clear" ? new Uint32Array(0) : expand(o.spec);
            if (o.kind === "clear") b.clear();
            else bitmaps[o.target] = Bitmap.of(ids);
            model[o.target] = new Set(ids);
          }
          sizes.push([bitmaps[o.target]!.size, model[o.target]!.size]);
        }
        const sortedModel = model.map((m) => Array.from(m).sort((x, y) => x - y));
        // Serialized bytes equal roaring-wasm's: same containers, same kinds (array iff <= 4096 values).
        const got = { sizes: sizes.map((s) => s[0]), sets: bitmaps.map(list), bytes: bitmaps.map((b) => Array.from(b.serialize())) };
        expect(got).toEqual({ sizes: sizes.map((s) => s[1]), sets: sortedModel, bytes: sortedModel.map(wasmBytes) });
      }),
      { seed: SEED, numRuns: 80 },
    );
  }, 60_000);

  test("one container grows value by value past 2048 and 4096 and shrinks back; many containers grow interleaved (pool moves)", () => {
    const rand = rng(SEED);
    const order = Array.from({ length: 5000 }, (_, i) => i * 13 + 7).sort(() => rand() - 0.5);
    const b = Bitmap.empty(), seen: number[] = [];
    const near = (n: number) => (n >= 2047 && n <= 2050) || (n >= 4095 && n <= 4098);
    const checkpoints: unknown[] = [];
    const check = () => {
      const ids = seen.slice().sort((x, y) => x - y);
      checkpoints.push([b.size === ids.length, Array.from(b.serialize()).join() === wasmBytes(ids).join()]);
    };
    for (const id of order) {
      b.add(id);
      seen.push(id);
      if (near(seen.length)) check();
    }
    while (seen.length > 0) {
      b.remove(seen.pop()!);
      if (near(seen.length)) check();
    }
    // 200 containers filled in small random batches: segments outgrow their room and move, the pool repacks.
    const many = Bitmap.empty(), model = new Set<number>();
    for (let round = 0; round < 400; round++) {
      const batch = Uint32Array.from({ length: 64 }, () => Math.floor(rand() * 200) * 65_536 + Math.floor(rand() * 65_536));
      many.addMany(batch);
      batch.forEach((id) => model.add(id));
      if (round % 50 === 49) many.removeMany(batch.subarray(0, 32)), batch.subarray(0, 32).forEach((id) => model.delete(id));
    }
    const want = Array.from(model).sort((x, y) => x - y);
    expect({ checkpoints, empty: b.isEmpty, many: list(many), manyBytes: Array.from(many.serialize()).join() === wasmBytes(want).join() })
      .toEqual({ checkpoints: Array(16).fill([true, true]), empty: true, many: want, manyBytes: true });
  });

  test("range() and the edges of the id space", () => {
    const cases: [number, number][] = [[0, 0], [5, 3], [0, 1], [65_535, 65_537], [10, 4106], [10, 4107], [0, 200_000], [0xffff_fff0, 0x1_0000_0000]];
    const got = cases.map(([lo, hi]) => {
      const r = Bitmap.range(lo, hi);
      return { size: r.size, first: r.toUint32Array(2)[0] ?? null, max: r.max, bytes: Array.from(r.serialize()).join() };
    });
    const want = cases.map(([lo, hi]) => {
      const ids = hi > lo ? Array.from({ length: hi - lo }, (_, i) => lo + i) : [];
      return { size: ids.length, first: ids[0] ?? null, max: ids.length === 0 ? -1 : hi - 1, bytes: wasmBytes(ids).join() };
    });
    const top = Bitmap.of(Uint32Array.from([0xffff_ffff, 0, 0x8000_0000]));
    expect({ got, top: [list(top), top.has(0xffff_ffff), top.has(-1), top.has(2 ** 32), top.max] })
      .toEqual({ got: want, top: [[0, 0x8000_0000, 0xffff_ffff], true, false, false, 0xffff_ffff] });
  });

  test("clones are independent; byteSize follows the containers", () => {
    const a = Bitmap.of(Uint32Array.from({ length: 5000 }, (_, i) => i * 3));
    const c = a.clone();
    c.add(1);
    c.removeMany(Uint32Array.from([0, 3, 6]));
    const empty = Bitmap.empty();
    expect({ a: a.size, c: c.size, has: [a.has(1), c.has(1), a.has(3), c.has(3)], bytes: [empty.byteSize, a.byteSize >= 8192 && a.byteSize < 8192 + 1024, a.serializedSize === a.serialize().length] })
      .toEqual({ a: 5000, c: 4998, has: [false, true, true, false], bytes: [0, true, true] });
  });
});
