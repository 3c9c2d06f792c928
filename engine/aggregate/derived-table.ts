// Derived state as SQL tables (rollup_*, alert logs, ...): a source lists its columns and hands out
// the rows that changed since it was last asked, keyed by a number unique within the table, so the
// SQL side (server/sql/derived-mirror.ts) replaces just those rows in DuckDB before a query.
//
// Columns are column-major: numbers in Float64Array (TIMESTAMP as epoch ms, BIGINT as integers) with
// a validity bitmap or null, strings as (string | null)[] — the shape DuckDB's appender takes.

export type DerivedColumnType = "BIGINT" | "DOUBLE" | "TIMESTAMP" | "VARCHAR";

export type DerivedColumnValues =
  | { readonly type: "BIGINT" | "DOUBLE" | "TIMESTAMP"; readonly values: Float64Array; readonly validity: Uint8Array | null }
  | { readonly type: "VARCHAR"; readonly values: readonly (string | null)[] };

export interface DerivedRows {
  /** True: these rows replace the whole table. False: they replace the rows with the same keys. */
  readonly full: boolean;
  readonly count: number;
  readonly keys: Float64Array;
  readonly columns: readonly DerivedColumnValues[];
}

export interface DerivedTableSource {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: DerivedColumnType }[];
  /** Rows changed since the last call (the first call, or with `all`: every row, full). */
  changes(all: boolean): DerivedRows;
}
