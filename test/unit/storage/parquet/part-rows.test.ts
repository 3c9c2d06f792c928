import { expect, test } from "bun:test";
import fc from "fast-check";
import { extractRows, transferList, type PartColumn } from "../../../../storage/parquet/part-rows.ts";
import { ColumnType, type TableSchema } from "../../../../engine/core/types.ts";
import { packedStringAt, StringHeapBuilder, unpackStrings } from "../../../../engine/column/string-heap.ts";
import { Table } from "../../../../engine/store/table.ts";
import { batchOf, uuidOf, type Value } from "../../engine/store/table-helpers.ts";

function packed(strings: (string | null)[]) {
  const b = new StringHeapBuilder(strings.length, 4);
  for (const s of strings) b.push(s);
  return b.finish();
}

test("property: strings built as bytes read back as the strings, nulls and empty strings included", () => {
  fc.assert(fc.property(fc.array(fc.option(fc.string({ unit: "grapheme", maxLength: 12 }), { nil: null }), { maxLength: 5_000 }), (strings) => {
    expect(unpackStrings(packed(strings))).toEqual(strings);
  }), { seed: 42, numRuns: 60 });
});

test("the transfer list detaches every array of the rows, and the rows arrive whole", () => {
  const table = new Table(SCHEMA, { segmentRows: 256 });
  const rows = Array.from({ length: 700 }, (_, r) => rowOf(r));
  table.appendBatch(batchOf("u", SCHEMA.columns, rows), null);
  table.seal();
  const part = extractRows(table, 3, 650);
  const moved = structuredClone(part, { transfer: transferList(part) });
  const arrays = part.columns.flatMap((c): ArrayBufferView[] => c.kind === "dict" ? [c.codes, c.dict.heap, c.dict.offsets, c.dict.nulls] : c.kind === "strings" ? [c.values.heap, c.values.offsets, c.values.nulls] : [c.values, c.valid]);
  expect(arrays.map((a) => a.byteLength)).toEqual(arrays.map(() => 0));
  expect(Array.from({ length: moved.rowCount }, (_, r) => moved.columns.map((c) => cell(c, r)))).toEqual(rows.slice(3, 650));
});

// Unique strings leave the store as bytes (Vector.appendUtf8), never as JS strings: every way they
// are stored must come back as the text that went in, for any range.
const S = ColumnType.STRING;
const SCHEMA: TableSchema = {
  name: "u", timeColumn: "ts",
  columns: [
    { name: "ts", type: ColumnType.TIMESTAMP },
    { name: "lower", type: S, unique: true },
    { name: "upper", type: S, unique: true },
    { name: "text", type: S, unique: true },
    { name: "none", type: S, unique: true },
    { name: "dim", type: S },
    { name: "n", type: ColumnType.INT32 },
  ],
};

function rowOf(r: number): Value[] {
  return [r, uuidOf(r), r % 11 === 0 ? null : uuidOf(r).toUpperCase(), r % 7 === 0 ? null : `évt-${r}-✓`, null, r % 5 === 0 ? null : `d${r % 13}`, r % 3 === 0 ? null : r];
}

function cell(c: PartColumn, r: number): Value {
  switch (c.kind) {
    case "strings": return packedStringAt(c.values, r);
    case "dict": return c.codes[r]! < 0 ? null : packedStringAt(c.dict, c.codes[r]!);
    default: return c.valid[r] ? c.values[r]! : null;
  }
}

test("property: extracted rows equal the rows appended, sealed (uuid16, heap, all null) or still in the tail", () => {
  const table = new Table(SCHEMA, { segmentRows: 256 });
  const rows = Array.from({ length: 1500 }, (_, r) => rowOf(r));
  table.appendBatch(batchOf("u", SCHEMA.columns, rows.slice(0, 1100)), null);
  table.seal(); // rows [0, 1024) sealed in four segments; the rest stays raw
  table.appendBatch(batchOf("u", SCHEMA.columns, rows.slice(1100)), null);
  const encodings = table.columnMemory().filter((c) => ["lower", "upper", "text", "none"].includes(c.name)).map((c) => Object.keys(c.encodings).sort().join(","));
  expect(encodings).toEqual(["uuid16", "uuid16", "heap", "all_null"]);
  fc.assert(fc.property(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 1500 }), (a, b) => {
    const from = Math.min(a, b), to = Math.max(a, b);
    const part = extractRows(table, from, to);
    const back = Array.from({ length: part.rowCount }, (_, r) => part.columns.map((c) => cell(c, r)));
    expect(back).toEqual(rows.slice(from, to));
  }), { seed: 7, numRuns: 60 });
});
