// How store columns look in DuckDB (the hot mirror's tables, the views, GET /v1/tables): one SQL type
// per store type. JSON is VARCHAR: DuckDB's JSON type lives in an extension the sandbox does not
// load, and the Parquet history holds JSON as UTF-8 text, so both halves of a view read VARCHAR.

import { ColumnType } from "../../engine/core/types.ts";
import type { AppendType } from "../../storage/duckdb.ts";

export const DUCK_TYPE: Record<ColumnType, AppendType> = {
  [ColumnType.BOOL]: "BOOLEAN",
  [ColumnType.INT32]: "INTEGER",
  [ColumnType.FLOAT64]: "DOUBLE",
  [ColumnType.TIMESTAMP]: "TIMESTAMP",
  [ColumnType.STRING]: "VARCHAR",
  [ColumnType.JSON]: "VARCHAR",
};

/** A SQL identifier, double-quoted (any name is safe, keywords included). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal. */
export function quoteLiteral(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
