import { describe, expect, test } from "bun:test";
import { ColumnType, type TableSchema } from "../../../../engine/core/types.ts";
import { Table } from "../../../../engine/store/table.ts";
import { batchOf, exact, readAll, uuidOf, type Value } from "./table-helpers.ts";

const S = ColumnType.STRING, F = ColumnType.FLOAT64;
const SCHEMA: TableSchema = {
  name: "enc",
  timeColumn: "ts",
  columns: [
    { name: "ts", type: ColumnType.TIMESTAMP },
    { name: "recv", type: ColumnType.TIMESTAMP },
    { name: "f_const", type: F },
    { name: "f_null", type: F },
    { name: "money", type: F },
    { name: "f_raw", type: F },
    { name: "i", type: ColumnType.INT32 },
    { name: "b", type: ColumnType.BOOL },
    { name: "uuid_lower", type: S, unique: true },
    { name: "uuid_upper", type: S, unique: true },
    { name: "id_text", type: S, unique: true },
    { name: "id_null", type: S, unique: true },
    { name: "sess", type: S },
    { name: "cat", type: S },
    { name: "country", type: S },
    { name: "s_const", type: S },
    { name: "s_null", type: S },
    { name: "j", type: ColumnType.JSON },
  ],
};

const SPECIAL = [NaN, -0, 1e300, -Infinity, Math.PI, 2 ** 60 + 2 ** 9, 5e-324];
const COUNTRIES = ["DE", "日本", "US", "Ελλάδα"];

function row(r: number): Value[] {
  const sess = Math.floor(r / 5);
  return [
    1.7e12 + r * 1000 + (r % 3),
    1.7e12 + Math.floor(r / 100) * 60_000,
    2.5,
    null,
    r % 4 === 0 ? null : (((r * 7919) % 100_000) - 30_000) / 100,
    SPECIAL[r % SPECIAL.length]!,
    r % 5 === 0 ? -(2 ** 31) : (r * 2654435761) % 2 ** 31,
    r % 3 === 0,
    uuidOf(r),
    uuidOf(r).toUpperCase(),
    r % 7 === 0 ? null : `évt-${r}-✓`,
    null,
    `session-${sess}`,
    `c${(r * 7) % 13}`,
    sess % 9 === 0 ? null : COUNTRIES[sess % COUNTRIES.length]!,
    "ü",
    null,
    r % 2 ? '{"a":[1,2]}' : null,
  ];
}

describe("sealed encodings", () => {
  test("every encoding is chosen and decodes back exactly", () => {
    const table = new Table(SCHEMA, { segmentRows: 1024 });
    const rows = Array.from({ length: 3000 }, (_, r) => row(r));
    for (let r = 0; r < rows.length; r += 250) table.appendBatch(batchOf("enc", SCHEMA.columns, rows.slice(r, r + 250)), null);
    table.seal();
    const encodings = Object.fromEntries(table.columnMemory().map((c) => [c.name, Object.keys(c.encodings).sort().join(",")]));
    const back = readAll(table, { columns: SCHEMA.columns.map((c) => c.name) }).rows;
    expect({ encodings, back }).toEqual({
      encodings: {
        ts: "delta", recv: "rle", f_const: "constant", f_null: "all_null", money: "for", f_raw: "raw", i: "for", b: "for",
        uuid_lower: "uuid16", uuid_upper: "uuid16", id_text: "heap", id_null: "all_null", sess: "delta", cat: "for", country: "mapped",
        s_const: "constant", s_null: "all_null", j: "constant",
      },
      back: rows.map((r) => r.map(exact)),
    });
  });

  test("a UUID column mixing cases, or holding other text, falls back to the heap", () => {
    const schema: TableSchema = { name: "u", timeColumn: "ts", columns: [{ name: "ts", type: ColumnType.TIMESTAMP }, { name: "id", type: S, unique: true }] };
    const table = new Table(schema, { segmentRows: 4 });
    const ids = [uuidOf(1), uuidOf(2).toUpperCase(), uuidOf(3), uuidOf(4), uuidOf(5), "not-a-uuid", uuidOf(7), null, uuidOf(8), uuidOf(9)];
    table.appendBatch(batchOf("u", schema.columns, ids.map((id, r) => [r, id])), null);
    table.seal();
    expect({ enc: table.columnMemory()[1]!.encodings, back: readAll(table, { columns: ["id"] }).rows.flat() })
      .toEqual({ enc: { heap: 2, uuid16: 1 }, back: ids });
  });
});
