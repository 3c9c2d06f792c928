import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { BatchBuilder, decodeBatch, dictString, isPresent } from "../../../../engine/core/batch-codec.ts";
import { ColumnType } from "../../../../engine/core/types.ts";

const COLS = [
  { name: "s", type: ColumnType.STRING },
  { name: "f", type: ColumnType.FLOAT64 },
  { name: "i", type: ColumnType.INT32 },
  { name: "b", type: ColumnType.BOOL },
  { name: "t", type: ColumnType.TIMESTAMP },
];

type Row = [string | null, number | null, number | null, boolean | null, number | null];

function roundTrip(rows: Row[], offset = 0) {
  const b = new BatchBuilder("tbl", COLS, 4);
  for (const r of rows) {
    const i = b.addRow();
    if (r[0] !== null) b.setString(0, i, r[0]);
    if (r[1] !== null) b.setNumber(1, i, r[1]);
    if (r[2] !== null) b.setNumber(2, i, r[2]);
    if (r[3] !== null) b.setNumber(3, i, r[3] ? 1 : 0);
    if (r[4] !== null) b.setNumber(4, i, r[4]);
  }
  const bytes = b.finish();
  // Place the batch at an odd offset, as it sits inside a WAL record.
  const host = new Uint8Array(bytes.length + offset);
  host.set(bytes, offset);
  const d = decodeBatch(host.subarray(offset));
  const out: Row[] = [];
  for (let i = 0; i < d.rowCount; i++) {
    const [s, f, n, bo, t] = d.columns;
    out.push([
      isPresent(s!.validity, i) ? dictString(s!, s!.codes![i]!) : null,
      isPresent(f!.validity, i) ? f!.values![i]! : null,
      isPresent(n!.validity, i) ? n!.values![i]! : null,
      isPresent(bo!.validity, i) ? bo!.values![i] === 1 : null,
      isPresent(t!.validity, i) ? t!.values![i]! : null,
    ]);
  }
  return { d, out };
}

describe("batch codec", () => {
  test("round-trips rows with nulls, unicode and growth", () => {
    const rows: Row[] = [
      ["a", 1.5, 7, true, 1_700_000_000_000],
      [null, null, null, null, null],
      ["日本語 ✓", -0.25, -3, false, 0],
      ["a", 1e300, 2147483647, true, 1],
      ["", 0, 0, false, 2],
    ];
    const { d, out } = roundTrip(rows, 3);
    expect({ table: d.table, rowCount: d.rowCount, out }).toEqual({ table: "tbl", rowCount: 5, out: rows });
  });

  test("columns with no nulls carry no validity bitmap", () => {
    const { d } = roundTrip([["x", 1, 1, true, 1]]);
    expect(d.columns.map((c) => c.validity)).toEqual([null, null, null, null, null]);
  });

  test("uses 1-, 2- and 4-byte codes by dictionary size", () => {
    for (const [distinct, ctor] of [[200, Uint8Array], [300, Uint16Array], [70_000, Uint32Array]] as const) {
      const rows: Row[] = Array.from({ length: distinct }, (_, i) => [`v${i}`, null, null, null, null]);
      const { d, out } = roundTrip(rows);
      expect(d.columns[0]!.codes).toBeInstanceOf(ctor);
      expect(out).toEqual(rows);
    }
  });

  test("rejects truncation and bad magic with wal_corrupt", () => {
    const b = new BatchBuilder("t", COLS);
    b.setString(0, b.addRow(), "hello");
    const bytes = b.finish();
    expect(() => decodeBatch(bytes.subarray(0, bytes.length - 9))).toThrow(/truncated/);
    const bad = bytes.slice(); bad[0] = 0;
    expect(() => decodeBatch(bad)).toThrow(/bad magic/);
  });

  test("property: any rows round-trip at any offset", () => {
    const seed = Number(process.env.SEED ?? 42);
    const row = fc.tuple(
      fc.option(fc.string({ unit: "grapheme" })),
      fc.option(fc.double({ noNaN: true })),
      fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
      fc.option(fc.boolean()),
      fc.option(fc.integer({ min: 0, max: 2 ** 50 })),
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), fc.nat(7), (rows, off) => {
        const { out } = roundTrip(rows as Row[], off);
        expect(out).toEqual(rows.map((r) => r.map((v) => (Object.is(v, -0) ? -0 : v))) as Row[]);
      }),
      { seed, numRuns: 200 },
    );
  });
});
