// Eviction drops whole leading sealed segments only; row indexes stay stable across it.
import { expect, test } from "bun:test";
import { ColumnType } from "../../../../engine/core/types.ts";
import { Table } from "../../../../engine/store/table.ts";
import { batchOf, readAll } from "./table-helpers.ts";

const cols = [{ name: "ts", type: ColumnType.TIMESTAMP }, { name: "s", type: ColumnType.STRING }];
const filled = (rows: number) => {
  const t = new Table({ name: "t", timeColumn: "ts", columns: cols }, { segmentRows: 16 });
  t.appendBatch(batchOf("t", cols, Array.from({ length: rows }, (_, i) => [i, `v${i % 3}`])), null);
  return t;
};

test("evicts sealed segments before a row, keeps the rest readable from rowBase", () => {
  const t = filled(40);
  t.seal();  // closes the 8-row tail too: segments [0,16) [16,32) [32,40) all sealed
  expect(t.sealedRowEnd).toBe(40);
  const dropped = t.evictBefore(35, () => true);  // [32,40) ends after 35: stays
  const rows = readAll(t, { columns: ["ts"] }).rows.map((r) => r[0]);
  expect({ dropped, rowBase: t.rowBase, rowCount: t.rowCount, memory: t.memoryRowCount, rows }).toEqual({
    dropped: 32, rowBase: 32, rowCount: 40, memory: 8, rows: [32, 33, 34, 35, 36, 37, 38, 39],
  });
});

test("evicts nothing past the first segment the predicate keeps, nor unsealed segments", () => {
  const t = filled(40);  // the tail [32,40) is not sealed
  const keepSecond = t.evictBefore(40, (timeMax) => timeMax < 20);
  expect({ keepSecond, rowBase: t.rowBase, sealedEnd: t.sealedRowEnd }).toEqual({ keepSecond: 16, rowBase: 16, sealedEnd: 32 });
  expect(t.evictBefore(1000, () => true)).toBe(16);
  expect(t.rowBase).toBe(32);
});

test("a table can start at a row index (recovery after eviction) and scans report it", () => {
  const t = new Table({ name: "t", timeColumn: "ts", columns: cols }, { segmentRows: 16 });
  t.startAtRow(1000);
  t.appendBatch(batchOf("t", cols, [[1, "a"], [2, "b"]]), null);
  const first = [...t.scan({ columns: ["ts"] })].map((b) => b.firstRow);
  expect({ rowCount: t.rowCount, first }).toEqual({ rowCount: 1002, first: [1000] });
  expect(() => t.startAtRow(5)).toThrow(/after rows were appended/);
});
