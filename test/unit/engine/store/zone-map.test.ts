import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ColumnType, type TableSchema } from "../../../../engine/core/types.ts";
import { newScanStats, Table } from "../../../../engine/store/table.ts";
import { batchOf, readAll, type Value } from "./table-helpers.ts";

const SEED = Number(process.env.SEED ?? 777);
console.log(`zone-map tests: SEED=${SEED}`);

const SCHEMA: TableSchema = {
  name: "z", timeColumn: "ts",
  columns: [{ name: "ts", type: ColumnType.TIMESTAMP }, { name: "v", type: ColumnType.INT32 }, { name: "s", type: ColumnType.STRING }],
};
const SEGMENT_ROWS = 100;

/**
 * 7 full segments whose ts ranges overlap their neighbours, one with nulls, then an open tail of 37
 * rows. Appended `perAppend` rows at a time: with 1, the last full segment is still being sealed.
 */
function build(perAppend = 90, total = 7 * SEGMENT_ROWS + 37): { table: Table; rows: Value[][] } {
  const table = new Table(SCHEMA, { segmentRows: SEGMENT_ROWS });
  const rows: Value[][] = [];
  for (let r = 0; r < total; r++) {
    const seg = Math.floor(r / SEGMENT_ROWS);
    const ts = seg === 3 && r % 10 === 0 ? null : 1_000_000 + seg * 1000 + ((r * 7919) % 1600) - 300;
    rows.push([ts, r, `s${r % 5}`]);
  }
  for (let r = 0; r < rows.length; r += perAppend) table.appendBatch(batchOf("z", SCHEMA.columns, rows.slice(r, r + perAppend)), null);
  return { table, rows };
}

describe("zone-map pruning", () => {
  test("skips exactly the segments outside [timeMin, timeMax) and returns the same matching rows", () => {
    const { table, rows } = build();
    const segs: { min: number; max: number }[] = [];
    for (let s = 0; s * SEGMENT_ROWS < rows.length; s++) {
      const ts = rows.slice(s * SEGMENT_ROWS, (s + 1) * SEGMENT_ROWS).map((r) => r[0]).filter((t): t is number => t !== null);
      segs.push({ min: Math.min(...ts), max: Math.max(...ts) });
    }
    const inRange = (lo: number, hi: number) => (r: Value[]) => r[0] !== null && (r[0] as number) >= lo && (r[0] as number) < hi;
    fc.assert(
      fc.property(fc.integer({ min: 998_000, max: 1_009_000 }), fc.integer({ min: 0, max: 4000 }), (lo, width) => {
        const hi = lo + width;
        const stats = newScanStats();
        const pruned = readAll(table, { columns: ["ts", "v", "s"], timeMin: lo, timeMax: hi, stats }).rows.filter(inRange(lo, hi));
        const full = readAll(table, { columns: ["ts", "v", "s"] }).rows.filter(inRange(lo, hi));
        const skipped = segs.filter((s) => s.max < lo || s.min >= hi).length;
        expect({ pruned, skipped: stats.segmentsSkipped, scanned: stats.segmentsScanned, rows: stats.rowsScanned <= rows.length })
          .toEqual({ pruned: full, skipped, scanned: segs.length - skipped, rows: true });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  test("pruning holds while segments are open, frozen and sealed; one bound alone prunes too", () => {
    const run = (table: Table, opts: { timeMin?: number; timeMax?: number }) => {
      const stats = newScanStats();
      const n = readAll(table, { columns: ["v"], ...opts, stats }).rows.length;
      return { n, skipped: stats.segmentsSkipped, scanned: stats.segmentsScanned };
    };
    // By construction segment k holds ts in [1_000_000 + 1000k - 300, 1_000_000 + 1000k + 1300).
    const cases = [{ timeMin: 1_005_500 }, { timeMax: 1_000_650 }, {}];
    const { table } = build();
    const open = cases.map((c) => run(table, c));
    const frozen = build(1, 7 * SEGMENT_ROWS).table; // its last segment has one column sealed of three
    const frozenOpen = cases.map((c) => run(frozen, c));
    const sealedColumns = frozen.columnMemory().map((c) => Object.values(c.encodings).reduce((a, b) => a + b, 0));
    table.seal();
    frozen.seal();
    expect({ open, sealed: cases.map((c) => run(table, c)), frozenOpen, frozenSealed: cases.map((c) => run(frozen, c)), sealedColumns }).toEqual({
      open: [{ n: 237, skipped: 5, scanned: 3 }, { n: 100, skipped: 7, scanned: 1 }, { n: 737, skipped: 0, scanned: 8 }],
      sealed: [{ n: 237, skipped: 5, scanned: 3 }, { n: 100, skipped: 7, scanned: 1 }, { n: 737, skipped: 0, scanned: 8 }],
      frozenOpen: [{ n: 200, skipped: 5, scanned: 2 }, { n: 100, skipped: 6, scanned: 1 }, { n: 700, skipped: 0, scanned: 7 }],
      frozenSealed: [{ n: 200, skipped: 5, scanned: 2 }, { n: 100, skipped: 6, scanned: 1 }, { n: 700, skipped: 0, scanned: 7 }],
      sealedColumns: [6, 6, 7],
    });
  });
});
