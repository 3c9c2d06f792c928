import { describe, expect, test } from "bun:test";
import { ColumnType, type TableSchema } from "../../../../engine/core/types.ts";
import { Table } from "../../../../engine/store/table.ts";
import { batchOf, type Value } from "./table-helpers.ts";

const SCHEMA: TableSchema = {
  name: "m", timeColumn: "ts",
  columns: [{ name: "ts", type: ColumnType.TIMESTAMP }, { name: "v", type: ColumnType.FLOAT64 }, { name: "s", type: ColumnType.STRING }],
};
const ROWS = 1024;
// An empty dictionary: 1 KiB heap, 65 u32 offsets, 64 u32 hashes, 128 i32 slots.
const DICT = 1024 + 65 * 4 + 64 * 4 + 128 * 4;
// A tail at full capacity: per column a validity bitmap plus f64 (ts, v) or u32 codes (s).
const TAIL = 3 * (ROWS / 8) + 2 * ROWS * 8 + ROWS * 4;

const row = (r: number): Value[] => [1.7e12 + ((r * 37) % ROWS), r % 4 === 0 ? null : 1.5, ["a", "b", "c", "d"][r % 4]!];

describe("Table.memoryBytes", () => {
  test("counts the dictionary, the tail at capacity, then the sealed chunks only", () => {
    const table = new Table(SCHEMA, { segmentRows: ROWS });
    const empty = table.memoryBytes();
    table.appendBatch(batchOf("m", SCHEMA.columns, Array.from({ length: 10 }, (_, r) => row(r))), null);
    const open = table.memoryBytes();
    table.appendBatch(batchOf("m", SCHEMA.columns, Array.from({ length: ROWS - 10 }, (_, r) => row(r + 10))), null);
    table.seal();
    const sealed = table.memoryBytes();
    const perColumn = table.columnMemory().map((c) => [c.name, c.bytes, c.encodings]);
    table.appendBatch(batchOf("m", SCHEMA.columns, [row(ROWS)]), null);
    expect({ empty, open, sealed, perColumn, next: table.memoryBytes() }).toEqual({
      empty: DICT,
      open: DICT + TAIL,
      // ts: FOR over 1024 distinct ms, 10 bits each; v: CONSTANT, only its validity (128) and rank (2 x u32);
      // s: 4 codes, FOR at 2 bits. Packed words end with one pad word (bit-pack.ts): + 4 bytes each.
      sealed: DICT + 1284 + 136 + 260,
      perColumn: [["ts", 1284, { for: 1 }], ["v", 136, { constant: 1 }], ["s", DICT + 260, { for: 1 }]],
      next: DICT + 1284 + 136 + 260 + TAIL,
    });
  });
});
