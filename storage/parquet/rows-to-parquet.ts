// Writes rows [from, to) of an in-memory table as Parquet files, one per hour of the table's time
// column (the `date=YYYY-MM-DD/hour=HH` partition they belong to), zstd-compressed, with column
// statistics so DuckDB, Spark and Trino can prune row groups.
//
// Column types in Parquet: TIMESTAMP -> INT64 TIMESTAMP(MILLIS), FLOAT64 -> DOUBLE, INT32 -> INT32,
// BOOL -> BOOLEAN, STRING and JSON -> BYTE_ARRAY UTF8 (JSON stays its text, as the DuckDB mirror
// holds it, so both read the same VARCHAR). A row whose time is null lands in the partition of
// time 0 (1970-01-01/00). Rows keep their table order within a file.

import { parquetWriteBuffer } from "hyparquet-writer";
import { ColumnType, type TableSchema } from "../../engine/core/types.ts";
import type { Table, Vector } from "../../engine/store/table.ts";

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

function isValid(v: Vector, i: number): boolean {
  return v.validity === null || (v.validity[i >> 3]! & (1 << (i & 7))) !== 0;
}

function cellOf(v: Vector, i: number, strings: (string | undefined)[]): Cell {
  if (!isValid(v, i)) return null;
  switch (v.type) {
    case ColumnType.FLOAT64: case ColumnType.TIMESTAMP: return v.f64![i]!;
    case ColumnType.INT32: return v.i32![i]!;
    case ColumnType.BOOL: return v.u8![i] !== 0;
    default: {
      if (v.strings) return v.strings(i);
      // Each distinct code is decoded once per file set; a segment repeats few values many times.
      const code = v.codes![i]!;
      return (strings[code] ??= v.dict!.get(code));
    }
  }
}

const PARQUET_TYPE: Record<ColumnType, string> = {
  [ColumnType.BOOL]: "BOOLEAN", [ColumnType.INT32]: "INT32", [ColumnType.FLOAT64]: "DOUBLE",
  [ColumnType.TIMESTAMP]: "TIMESTAMP", [ColumnType.STRING]: "STRING", [ColumnType.JSON]: "STRING",
};

export function partitionOf(timeMs: number): string {
  const d = new Date(Math.floor(timeMs / HOUR_MS) * HOUR_MS).toISOString();
  return `date=${d.slice(0, 10)}/hour=${d.slice(11, 13)}`;
}

/** Reads rows [from, to) once and returns one Parquet file per hour partition, in partition order. */
export function rowsToParquet(table: Table, from: number, to: number): PartFile[] {
  const schema: TableSchema = table.schema;
  const names = schema.columns.map((c) => c.name);
  const timeCol = names.indexOf(schema.timeColumn);
  const parts = new Map<number, { cols: Cell[][]; min: number; max: number }>();
  const dictStrings = names.map(() => [] as (string | undefined)[]);
  for (const batch of table.scan({ columns: names, fromRow: from })) {
    const vs = batch.vectors, tv = vs[timeCol]!;
    const end = Math.min(batch.rowCount, to - batch.firstRow);
    for (let i = Math.max(0, from - batch.firstRow); i < end; i++) {
      const t = isValid(tv, i) ? tv.f64![i]! : 0;
      const hour = Math.floor(t / HOUR_MS);
      let p = parts.get(hour);
      if (p === undefined) parts.set(hour, (p = { cols: names.map(() => []), min: t, max: t }));
      if (t < p.min) p.min = t;
      if (t > p.max) p.max = t;
      for (let c = 0; c < vs.length; c++) p.cols[c]!.push(cellOf(vs[c]!, i, dictStrings[c]!));
    }
    if (batch.firstRow + batch.rowCount >= to) break;
  }
  return [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([hour, p]) => ({
    partition: partitionOf(hour * HOUR_MS),
    rowCount: p.cols[0]!.length,
    timeMin: p.min,
    timeMax: p.max,
    bytes: new Uint8Array(parquetWriteBuffer({
      codec: "ZSTD",
      compressors: { ZSTD: (b: Uint8Array) => Bun.zstdCompressSync(b, { level: 3 }) },
      createdBy: "caracal",
      rowGroupSize: 65_536,
      columnData: schema.columns.map((def, c) => ({ name: def.name, data: p.cols[c]!, type: PARQUET_TYPE[def.type] as "STRING" })),
    })),
  }));
}
