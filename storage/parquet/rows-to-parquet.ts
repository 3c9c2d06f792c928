// Encodes rows pulled from a table (part-rows.ts) as Parquet files, one per hour of the table's time
// column (the `date=YYYY-MM-DD/hour=HH` partition they belong to), zstd-compressed, with column
// statistics so DuckDB, Spark and Trino can prune row groups. Pure: runs in the compaction worker
// (parquet-worker.ts) or inline.
//
// Column types in Parquet: TIMESTAMP -> INT64 TIMESTAMP(MILLIS), FLOAT64 -> DOUBLE, INT32 -> INT32,
// BOOL -> BOOLEAN, STRING and JSON -> BYTE_ARRAY UTF8 (JSON stays its text, as the DuckDB mirror
// holds it, so both read the same VARCHAR). A row whose time is null lands in the partition of
// time 0 (1970-01-01/00). Rows keep their table order within a file.

import { parquetWriteBuffer } from "hyparquet-writer";
import { ColumnType } from "../../engine/core/types.ts";
import type { Table } from "../../engine/store/table.ts";
import { packedStringAt, unpackStrings } from "../../engine/column/string-heap.ts";
import { extractRows, type PartColumn, type PartRows } from "./part-rows.ts";

const HOUR_MS = 3_600_000;

export interface PartFile {
  /** `date=YYYY-MM-DD/hour=HH`, relative to the table's directory. */
  readonly partition: string;
  readonly bytes: Uint8Array;
  readonly rowCount: number;
  readonly timeMin: number;
  readonly timeMax: number;
}

type Cell = number | string | boolean | null;

const PARQUET_TYPE: Record<ColumnType, string> = {
  [ColumnType.BOOL]: "BOOLEAN", [ColumnType.INT32]: "INT32", [ColumnType.FLOAT64]: "DOUBLE",
  [ColumnType.TIMESTAMP]: "TIMESTAMP", [ColumnType.STRING]: "STRING", [ColumnType.JSON]: "STRING",
};

export function partitionOf(timeMs: number): string {
  const d = new Date(Math.floor(timeMs / HOUR_MS) * HOUR_MS).toISOString();
  return `date=${d.slice(0, 10)}/hour=${d.slice(11, 13)}`;
}

/** Row r of column c; `dict` is c's dictionary decoded once (dictionary columns). */
function cellOf(c: PartColumn, dict: (string | null)[] | null, r: number): Cell {
  switch (c.kind) {
    case "f64": case "i32": return c.valid[r] ? c.values[r]! : null;
    case "bool": return c.valid[r] ? c.values[r] !== 0 : null;
    case "dict": return c.codes[r]! < 0 ? null : dict![c.codes[r]!]!;
    case "strings": return packedStringAt(c.values, r);
  }
}

/** One Parquet file per hour partition, in partition order. */
export function encodeParts(rows: PartRows): PartFile[] {
  const { schema, columns } = rows;
  const time = columns[schema.columns.findIndex((c) => c.name === schema.timeColumn)]! as Extract<PartColumn, { kind: "f64" }>;
  const dicts = columns.map((c) => (c.kind === "dict" ? unpackStrings(c.dict) : null));
  const parts = new Map<number, { rows: number[]; min: number; max: number }>();
  for (let r = 0; r < rows.rowCount; r++) {
    const t = time.valid[r] ? time.values[r]! : 0;
    const hour = Math.floor(t / HOUR_MS);
    let p = parts.get(hour);
    if (p === undefined) parts.set(hour, (p = { rows: [], min: t, max: t }));
    if (t < p.min) p.min = t;
    if (t > p.max) p.max = t;
    p.rows.push(r);
  }
  return [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([hour, p]) => ({
    partition: partitionOf(hour * HOUR_MS),
    rowCount: p.rows.length,
    timeMin: p.min,
    timeMax: p.max,
    bytes: new Uint8Array(parquetWriteBuffer({
      codec: "ZSTD",
      compressors: { ZSTD: (b: Uint8Array) => Bun.zstdCompressSync(b, { level: 3 }) },
      createdBy: "caracal",
      rowGroupSize: 65_536,
      columnData: schema.columns.map((def, c) => ({
        name: def.name, data: p.rows.map((r) => cellOf(columns[c]!, dicts[c]!, r)), type: PARQUET_TYPE[def.type] as "STRING",
      })),
    })),
  }));
}

/** Reads rows [from, to) and encodes them on this thread (benchmarks, tests). */
export function rowsToParquet(table: Table, from: number, to: number): PartFile[] {
  return encodeParts(extractRows(table, from, to));
}
