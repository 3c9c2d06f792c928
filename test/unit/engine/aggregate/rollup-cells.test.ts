// A cell table's kept UV estimates (uvOf) must always be its sketches' estimates, whatever changed
// the cells in between: users added (then touch), cells merged in, cells dropped and renumbered,
// the arrays grown, the table restored.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { Hll } from "../../../../engine/aggregate/hll.ts";
import { CellTable } from "../../../../engine/aggregate/rollup-cells.ts";

type Op =
  | { kind: "add"; bucket: number; id: number; user: number; users: number }
  | { kind: "create"; bucket: number; id: number }
  | { kind: "read"; at: number }
  | { kind: "merge"; at: number }
  | { kind: "retain"; mod: number }
  | { kind: "restore" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("add" as const), bucket: fc.integer({ min: 0, max: 3 }), id: fc.integer({ min: -1, max: 3 }), user: fc.integer({ min: 0, max: 5000 }), users: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("create" as const), bucket: fc.integer({ min: 0, max: 40 }), id: fc.integer({ min: -1, max: 40 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("read" as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("merge" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("retain" as const), mod: fc.integer({ min: 2, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restore" as const }) },
);

const hash = (u: number): [number, number] => { const h = Bun.hash.wyhash(`u${u}`); return [Number(h & 0xffffffffn) | 0, Number(h >> 32n) | 0]; };

test("property: uvOf equals the sketch's estimate for every cell after any sequence of changes", () => {
  fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
    const t = new CellTable(1, 12), hours = new CellTable(1, 12), ids = new Int32Array(1), scratch = new Int32Array(1);
    for (const o of ops) {
      if (o.kind === "add") {
        ids[0] = o.id;
        const cell = t.cellOf(o.bucket, ids);
        // Several users at once: sparse sketches of equal size have equal estimates, which would hide a stale one.
        for (let u = 0; u < o.users; u++) { const [lo, hi] = hash(o.user + u); t.sketches[cell]!.add(lo, hi); }
        t.touch(cell);
      } else if (o.kind === "create") {
        // A cell made and read before any user arrives (as an hour table's, or a fresh cell past a retain).
        ids[0] = o.id;
        t.uvOf(t.cellOf(o.bucket, ids));
      } else if (o.kind === "read" && t.count > 0) {
        t.uvOf(o.at % t.count);
      } else if (o.kind === "merge" && t.count > 0) {
        const c = o.at % t.count;
        hours.uvOf(hours.mergeFrom(t, c, Math.floor(t.bucketOf(c) / 5), scratch));
      } else if (o.kind === "retain") {
        t.retain((c) => c % o.mod !== 0);
      } else if (o.kind === "restore" && t.count > 0) {
        const keys = t.keys.slice(0, t.count * 2), measures = t.measures.map((m) => m.slice(0, t.count));
        // Other sketches than the cells had (rotated by one): every kept estimate is wrong afterwards.
        const sketches = t.sketches.map((_, c) => { const h = new Hll(12); h.merge(t.sketches[(c + 1) % t.count]!); return h; });
        for (let c = 0; c < t.count; c++) t.uvOf(c); // every estimate held before the restore
        t.restore(t.count, keys, measures, sketches);
      }
    }
    for (const table of [t, hours]) for (let c = 0; c < table.count; c++) expect(table.uvOf(c)).toBe(table.sketches[c]!.estimate());
  }), { seed: 3, numRuns: 300 });
});

test("a cell made after a retain, at an index whose old cell's estimate was held, reads its own (empty) estimate", () => {
  const t = new CellTable(1, 12), ids = new Int32Array(1);
  for (let i = 0; i < 5; i++) {
    ids[0] = i;
    const c = t.cellOf(0, ids);
    for (let u = 0; u < 10 * (i + 1); u++) { const [lo, hi] = hash(i * 1000 + u); t.sketches[c]!.add(lo, hi); }
    t.touch(c);
    t.uvOf(c);
  }
  t.retain((c) => c % 2 !== 0); // cells 1 and 3 become 0 and 1; indices 2..4 held estimates of dropped cells
  ids[0] = 99;
  const fresh = t.cellOf(0, ids);
  expect([fresh, t.uvOf(fresh), t.uvOf(0), t.uvOf(1)]).toEqual([2, 0, t.sketches[0]!.estimate(), t.sketches[1]!.estimate()]);
});
