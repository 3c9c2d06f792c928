// The four answer formats: JSON (bigints exact, as numbers only while a double holds them), NDJSON
// (objects keyed by distinct column names, in column order), CSV (RFC 4180: whatever the text, a
// reader gets every field back, and NULL differs from the empty string) and Parquet (read back with
// hyparquet, types kept).
import { expect, test } from "bun:test";
import fc from "fast-check";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import type { SqlColumn, SqlResult, SqlValue } from "../../../../engine/query/result.ts";
import { encodeCsv } from "../../../../server/sql/encode-csv.ts";
import { encodeJson } from "../../../../server/sql/encode-json.ts";
import { encodeNdjson } from "../../../../server/sql/encode-ndjson.ts";
import { encodeParquet } from "../../../../server/sql/encode-parquet.ts";
import { bigintJson } from "../../../../server/sql/json-value.ts";

const SEED = 20261125;
const stats = { engine: "duckdb" as const, rowsScanned: 0, elapsedMs: 1.23456 };
const result = (columns: SqlColumn[], rows: SqlValue[][]): SqlResult => ({ columns, rows, stats });

/** RFC 4180 reader: records of fields; an unquoted empty field is null, a quoted one "". */
function readCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [], i = 0;
  while (i < text.length) {
    let field: string | null;
    if (text[i] === '"') {
      let j = i + 1, out = "";
      for (;;) {
        const q = text.indexOf('"', j);
        out += text.slice(j, q);
        if (text[q + 1] === '"') { out += '"'; j = q + 2; } else { i = q + 1; break; }
      }
      field = out;
    } else {
      let j = i;
      while (j < text.length && text[j] !== "," && text[j] !== "\r") j++;
      field = j === i ? null : text.slice(i, j);
      i = j;
    }
    record.push(field);
    if (text[i] === ",") { i++; continue; }
    if (text.startsWith("\r\n", i)) { records.push(record); record = []; i += 2; continue; }
    throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  return records;
}

test("bigints print as JSON numbers within +-(2^53 - 1) and as exact strings beyond", () => {
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (v) => {
    const printed = JSON.stringify(bigintJson(v));
    const safe = v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER);
    expect({ quoted: printed.startsWith('"'), exact: BigInt(JSON.parse(printed)) === v }).toEqual({ quoted: !safe, exact: true });
  }), { seed: SEED });
  expect([2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 53n)].map((v) => JSON.stringify(bigintJson(v))))
    .toEqual(["9007199254740991", '"9007199254740992"', "-9007199254740991", '"-9007199254740992"']);
});

test("json: columns, rows and stats; timestamps ISO UTC, dates without time, NaN and Infinity null", () => {
  const r = result(
    [{ name: "ts", type: "TIMESTAMP" }, { name: "d", type: "DATE" }, { name: "x", type: "DOUBLE" }, { name: "n", type: "BIGINT" }, { name: "iv", type: "INTERVAL" }, { name: "l", type: "STRUCT(a DATE[])" }],
    [
      [new Date("2026-11-25T04:41:11.123Z"), new Date("2026-11-25T00:00:00Z"), NaN, 2n ** 60n, { months: 1, days: 2, micros: 3n }, { a: [new Date(0)] }],
      [null, null, Infinity, -5n, null, null],
    ],
  );
  expect(JSON.parse(encodeJson(r))).toEqual({
    columns: r.columns,
    rows: [
      ["2026-11-25T04:41:11.123Z", "2026-11-25", null, "1152921504606846976", { months: 1, days: 2, micros: 3 }, { a: ["1970-01-01T00:00:00.000Z"] }],
      [null, null, null, -5, null, null],
    ],
    stats: { elapsed_ms: 1.235, rows_scanned: 0, engine: "duckdb" },
  });
});

test("ndjson: one object per row, duplicate names made distinct, keys in column order", () => {
  const r = result([{ name: "b", type: "INTEGER" }, { name: "1", type: "INTEGER" }, { name: "b", type: "VARCHAR" }, { name: "b_1", type: "DATE" }],
    [[1, 2, "x", new Date("2026-01-02T00:00:00Z")], [null, null, null, null]]);
  expect(encodeNdjson(r)).toBe('{"b":1,"1":2,"b_1":"x","b_1_1":"2026-01-02"}\n{"b":null,"1":null,"b_1":null,"b_1_1":null}\n');
});

test("csv: any text survives quoting, NULL is an empty field and '' a quoted one", () => {
  const cell = fc.oneof(fc.constant(null), fc.string({ unit: "binary" }), fc.constantFrom("", ",", '"', "\r\n", "a\nb", ' "x" ', "=1+2"));
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.array(fc.string({ unit: "binary" }), { minLength: n, maxLength: n }), fc.array(fc.array(cell, { minLength: n, maxLength: n }), { maxLength: 6 }))), ([names, rows]) => {
    const r = result(names.map((name) => ({ name, type: "VARCHAR" })), rows);
    const back = readCsv(encodeCsv(r));
    expect(back).toEqual([names.map((n) => n), ...rows]);
  }), { seed: SEED, numRuns: 300 });
});

test("csv: numbers, bigints, booleans, timestamps and nested values", () => {
  const r = result([{ name: "x", type: "DOUBLE" }, { name: "n", type: "HUGEINT" }, { name: "b", type: "BOOLEAN" }, { name: "t", type: "TIMESTAMP" }, { name: "l", type: "VARCHAR[]" }],
    [[0.1, 2n ** 70n, true, new Date("2026-11-25T04:41:11.123Z"), ["a,b", 'q"']], [NaN, -1n, false, null, []]]);
  expect(encodeCsv(r)).toBe('x,n,b,t,l\r\n0.1,1180591620717411303424,true,2026-11-25T04:41:11.123Z,"[""a,b"",""q\\""""]"\r\nNaN,-1,false,,[]\r\n');
});

test("parquet: read back with hyparquet, column types kept", async () => {
  const r = result([
    { name: "id", type: "BIGINT" }, { name: "big", type: "HUGEINT" }, { name: "i", type: "INTEGER" }, { name: "x", type: "DOUBLE" },
    { name: "s", type: "VARCHAR" }, { name: "t", type: "TIMESTAMP" }, { name: "d", type: "DATE" }, { name: "b", type: "BOOLEAN" },
    { name: "l", type: "INTEGER[]" }, { name: "s", type: "VARCHAR" },
  ], [
    [1n, 2n ** 100n, 7, 1.5, "é", new Date("2026-11-25T04:41:11.123Z"), new Date("2026-11-25T00:00:00Z"), true, [1, 2], "dup"],
    [null, null, null, null, null, null, null, null, null, null],
  ]);
  const bytes = encodeParquet(r);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({ file: buffer, compressors });
  const schema = parquetMetadata(buffer).schema.slice(1).map((e) => [e.name, e.type, e.converted_type ?? null]);
  expect({ schema, rows }).toEqual({
    schema: [
      ["id", "INT64", null], ["big", "BYTE_ARRAY", "UTF8"], ["i", "INT32", null], ["x", "DOUBLE", null], ["s", "BYTE_ARRAY", "UTF8"],
      ["t", "INT64", "TIMESTAMP_MILLIS"], ["d", "INT32", "DATE"], ["b", "BOOLEAN", null], ["l", "BYTE_ARRAY", "JSON"], ["s_1", "BYTE_ARRAY", "UTF8"],
    ],
    rows: [
      { id: 1n, big: String(2n ** 100n), i: 7, x: 1.5, s: "é", t: new Date("2026-11-25T04:41:11.123Z"), d: new Date("2026-11-25T00:00:00Z"), b: true, l: [1, 2], s_1: "dup" },
      { id: null, big: null, i: null, x: null, s: null, t: null, d: null, b: null, l: null, s_1: null },
    ],
  });
});
