import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LIMITS } from "../../../../engine/core/limits.ts";
import { ColumnType, type TableSchema } from "../../../../engine/core/types.ts";
import { Table } from "../../../../engine/store/table.ts";
import { batchOf, errorOf, exact, readAll, type Value } from "./table-helpers.ts";

const SEED = Number(process.env.SEED ?? 31337);
console.log(`table tests: SEED=${SEED}`);

const SCHEMA: TableSchema = {
  name: "t",
  timeColumn: "ts",
  columns: [
    { name: "id", type: ColumnType.STRING, unique: true },
    { name: "ts", type: ColumnType.TIMESTAMP },
    { name: "s", type: ColumnType.STRING },
    { name: "j", type: ColumnType.JSON },
    { name: "f", type: ColumnType.FLOAT64 },
    { name: "i", type: ColumnType.INT32 },
    { name: "b", type: ColumnType.BOOL },
  ],
};
const NAMES = SCHEMA.columns.map((c) => c.name);
const ALL = { columns: NAMES };

const uuid = fc.tuple(fc.uuid(), fc.boolean()).map(([u, upper]) => (upper ? u.toUpperCase() : u));
const value = {
  id: fc.oneof({ weight: 4, arbitrary: uuid }, { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) }),
  ts: fc.oneof(fc.integer({ min: 1.7e12, max: 1.7e12 + 1e7 }), fc.constantFrom(LIMITS.TS_MIN_MS, 4102444800000)),
  s: fc.oneof(fc.constantFrom("a", "b", "ü", "日本", ""), fc.string({ unit: "grapheme", maxLength: 8 })),
  j: fc.constantFrom('{"a":1}', "[]", '{"k":"✓"}'),
  f: fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 }).map((x) => x / 100), fc.double(),
    fc.constantFrom(NaN, -0, 1e300, 2 ** 53, -Infinity)),
  i: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  b: fc.boolean(),
};
/** A column's values: all null, constant, or random with some nulls. */
function columnValues(arb: fc.Arbitrary<Value>, n: number): fc.Arbitrary<Value[]> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(Array<Value>(n).fill(null)) },
    { weight: 1, arbitrary: arb.map((v) => Array<Value>(n).fill(v)) },
    { weight: 4, arbitrary: fc.array(fc.option(arb, { freq: 4 }), { minLength: n, maxLength: n }) },
  );
}
const dataset = fc.integer({ min: 0, max: 300 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    columns: fc.tuple(...NAMES.map((k) => columnValues(value[k as keyof typeof value] as fc.Arbitrary<Value>, n))),
    cuts: fc.array(fc.integer({ min: 0, max: n }), { maxLength: 6 }),
    drops: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    useDrop: fc.boolean(),
    segmentRows: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant(64)),
    sealAfter: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  }));

describe("Table append and scan", () => {
  test("returns exactly the kept rows across segments, seals and encodings (property)", () => {
    fc.assert(
      fc.property(dataset, (d) => {
        const table = new Table(SCHEMA, { segmentRows: d.segmentRows });
        const rows = Array.from({ length: d.n }, (_, r) => d.columns.map((c) => c[r]!));
        const cuts = [...new Set([0, ...d.cuts, d.n])].sort((a, b) => a - b);
        const want: Value[][] = [];
        let appended = 0;
        for (let k = 0; k + 1 < cuts.length; k++) {
          const part = rows.slice(cuts[k], cuts[k + 1]);
          const drop = d.useDrop ? new Uint8Array((part.length + 7) >> 3) : null;
          part.forEach((row, r) => {
            if (drop && d.drops[cuts[k]! + r]) drop[r >> 3]! |= 1 << (r & 7);
            else want.push(row.map(exact));
          });
          appended += table.appendBatch(batchOf("t", SCHEMA.columns, part), drop);
          if (d.sealAfter[k]) table.seal();
        }
        const before = readAll(table, ALL).rows;
        table.seal();
        const after = readAll(table, ALL);
        const reordered = readAll(table, { columns: ["b", "id", "ts"] }).rows;
        expect({ appended, rowCount: table.rowCount, before, after: after.rows, reordered, maxBatch: Math.max(0, ...after.batches) <= LIMITS.SCAN_BATCH_ROWS })
          .toEqual({ appended: want.length, rowCount: want.length, before: want, after: want, reordered: want.map((r) => [r[6]!, r[0]!, r[1]!]), maxBatch: true });
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  test("a large batch spills over segments and scan batches never cross a segment", () => {
    const table = new Table(SCHEMA, { segmentRows: 5000 });
    const rows = Array.from({ length: 12_000 }, (_, r): Value[] => [null, 1.7e12 + r, `v${r % 10}`, null, r / 4, r, r % 3 === 0]);
    table.appendBatch(batchOf("t", SCHEMA.columns, rows), null);
    const open = readAll(table, ALL);
    table.seal();
    const sealed = readAll(table, ALL);
    expect({ segments: table.segmentCount, open: open.batches, sealed: sealed.batches, same: [open.rows, sealed.rows] })
      .toEqual({ segments: 3, open: [4096, 904, 4096, 904, 2000], sealed: [4096, 904, 4096, 904, 2000], same: [rows, rows] });
  });

  test("drop bitmap: set bits are skipped", () => {
    const table = new Table(SCHEMA);
    const rows = Array.from({ length: 20 }, (_, r): Value[] => [`id${r}`, 1.7e12 + r, null, null, null, r, null]);
    const drop = new Uint8Array(3);
    for (const r of [0, 3, 8, 9, 19]) drop[r >> 3]! |= 1 << (r & 7);
    const n = table.appendBatch(batchOf("t", SCHEMA.columns, rows), drop);
    const allDropped = table.appendBatch(batchOf("t", SCHEMA.columns, rows.slice(0, 2)), new Uint8Array([3]));
    expect({ n, allDropped, ids: readAll(table, { columns: ["i"] }).rows.flat() })
      .toEqual({ n: 15, allDropped: 0, ids: [1, 2, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18] });
  });

  test("batch columns match by name: missing ones are null, unknown ones ignored and counted", () => {
    const table = new Table(SCHEMA);
    const cols = [{ name: "extra", type: ColumnType.STRING }, { name: "f", type: ColumnType.FLOAT64 }, { name: "ts", type: ColumnType.TIMESTAMP }, { name: "more", type: ColumnType.INT32 }];
    table.appendBatch(batchOf("t", cols, [["x", 1.5, 1.7e12, 3], ["y", null, 1.7e12 + 1, 4]]), null);
    expect({ rows: readAll(table, ALL).rows, ignored: table.ignoredColumns }).toEqual({
      rows: [[null, 1.7e12, null, null, 1.5, null, null], [null, 1.7e12 + 1, null, null, null, null, null]],
      ignored: 2,
    });
  });

  test("type mismatches and repeated columns are internal errors; nothing is appended", () => {
    const table = new Table(SCHEMA);
    const mismatch = errorOf(() => table.appendBatch(batchOf("t", [{ name: "ts", type: ColumnType.FLOAT64 }], [[1]]), null));
    const twice = errorOf(() => table.appendBatch(batchOf("t", [{ name: "i", type: ColumnType.INT32 }, { name: "i", type: ColumnType.INT32 }], [[1, 2]]), null));
    const jsonAsString = errorOf(() => table.appendBatch(batchOf("t", [{ name: "j", type: ColumnType.STRING }], [["{}"]]), null));
    expect({ mismatch, twice, jsonAsString, rows: table.rowCount }).toEqual({
      mismatch: { code: "internal", message: "batch column ts of table t is DOUBLE, the table's is TIMESTAMP" },
      twice: { code: "internal", message: "batch for table t holds column i twice" },
      jsonAsString: { code: "internal", message: "batch column j of table t is VARCHAR, the table's is JSON" },
      rows: 0,
    });
  });

  test("columnIndex, dictionaries and scans of unknown columns", () => {
    const table = new Table(SCHEMA);
    table.appendBatch(batchOf("t", SCHEMA.columns, [[null, 1.7e12, "hello", null, null, null, null]]), null);
    expect({
      idx: ["id", "b", "nope"].map((n) => table.columnIndex(n)),
      dict: [table.dictionary("s")?.find("hello"), table.dictionary("id"), table.dictionary("f"), table.dictionary("nope")],
      unknown: errorOf(() => table.scan({ columns: ["ts", "nope"] })),
    }).toEqual({
      idx: [0, 6, -1], dict: [0, null, null, null],
      unknown: { code: "bad_argument", message: "table t has no column nope" },
    });
  });

  test("a scan sees the rows present when it started, also when sealing happens while it is paused", () => {
    const table = new Table(SCHEMA, { segmentRows: 16 });
    const rows = (from: number, n: number) => Array.from({ length: n }, (_, k): Value[] => [`${from + k}`, 1.7e12 + from + k, `s${(from + k) % 3}`, null, from + k, null, null]);
    table.appendBatch(batchOf("t", SCHEMA.columns, rows(0, 24)), null);
    const it = table.scan({ columns: ["id", "s", "f"] });
    const seen: Value[][] = [];
    const take = () => { const r = it.next(); if (!r.done) for (let i = 0; i < r.value.rowCount; i++) seen.push([r.value.vectors[0]!.strings!(i), r.value.vectors[1]!.dict!.get(r.value.vectors[1]!.codes![i]!), r.value.vectors[2]!.f64![i]!]); return !r.done; };
    take(); // first segment (16 rows)
    table.appendBatch(batchOf("t", SCHEMA.columns, rows(24, 30)), null); // fills and freezes segment 2, starts a third
    table.seal();
    while (take());
    expect({ seen: seen.length, same: seen, total: table.rowCount }).toEqual({
      seen: 24, same: rows(0, 24).map((r) => [r[0]!, r[2]!, r[4]!]), total: 54,
    });
  });

  test("schema problems are bad_config", () => {
    const bad = (schema: Partial<TableSchema>, segmentRows?: number) => errorOf(() => new Table({ ...SCHEMA, ...schema }, { segmentRows }));
    expect([
      bad({ timeColumn: "nope" }),
      bad({ timeColumn: "f" }),
      bad({ columns: [...SCHEMA.columns, { name: "f", type: ColumnType.INT32 }] }),
      bad({ columns: [...SCHEMA.columns, { name: "u", type: ColumnType.INT32, unique: true }] }),
      bad({}, 0),
      bad({}, LIMITS.SEGMENT_ROWS_MAX + 1),
    ]).toEqual([
      { code: "bad_config", message: "table t: time column nope is not a TIMESTAMP column of the table" },
      { code: "bad_config", message: "table t: time column f is not a TIMESTAMP column of the table" },
      { code: "bad_config", message: "table t: column f declared twice" },
      { code: "bad_config", message: "table t: column u is unique but not a string" },
      { code: "bad_config", message: `table t: segment rows 0 outside 1..${LIMITS.SEGMENT_ROWS_MAX}` },
      { code: "bad_config", message: `table t: segment rows ${LIMITS.SEGMENT_ROWS_MAX + 1} outside 1..${LIMITS.SEGMENT_ROWS_MAX}` },
    ]);
  });

  test("a full segment heap is store_limit and leaves the tail as it was", () => {
    const table = new Table(SCHEMA, { segmentRows: 100, segmentHeapBytesMax: 40 });
    const row = (id: string, r: number): Value[] => [id, 1.7e12 + r, "x", null, null, r, null];
    table.appendBatch(batchOf("t", SCHEMA.columns, [row("a".repeat(30), 0)]), null);
    const err = errorOf(() => table.appendBatch(batchOf("t", SCHEMA.columns, [row("b", 1), row("c".repeat(20), 2)]), null));
    table.appendBatch(batchOf("t", SCHEMA.columns, [row("d", 3)]), null);
    table.seal();
    expect({ err, rows: readAll(table, { columns: ["id", "i", "s"] }).rows }).toEqual({
      err: { code: "store_limit", message: "segment heap of 31 bytes cannot take 20 more: limit 40" },
      rows: [["a".repeat(30), 0, "x"], ["d", 3, "x"]],
    });
  });
});
