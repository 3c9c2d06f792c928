// The shape every SQL answer takes, whichever engine computed it: named, typed columns and rows of
// plain JS values. Both engines produce exactly these values for a given type, so the HTTP encoders
// (server/sql/) and the differential tests compare and print one model.
//
//   BOOLEAN -> boolean        TINYINT..INTEGER, UTINYINT..UINTEGER -> number
//   BIGINT, HUGEINT, UBIGINT -> bigint (never rounded; JSON prints those beyond 2^53 as strings)
//   FLOAT, DOUBLE, DECIMAL(p,s) -> number          VARCHAR, JSON, UUID -> string
//   TIMESTAMP, TIMESTAMP WITH TIME ZONE, DATE -> Date (UTC; millisecond precision)
//   INTERVAL -> { months, days, micros: bigint }    LIST -> array    STRUCT, MAP -> object
//   NULL of any type -> null
//
// Type names are DuckDB's (`BIGINT`, `DOUBLE`, `VARCHAR`, `TIMESTAMP`, ...), as DESCRIBE prints them.

export type SqlValue = null | boolean | number | bigint | string | Date | SqlValue[] | { [key: string]: SqlValue };

export interface SqlColumn {
  readonly name: string;
  readonly type: string;
}

export type EngineName = "native" | "duckdb";

export interface SqlStats {
  engine: EngineName;
  /** Rows read from the store (native) or reported by DuckDB's profiler when available, else 0. */
  rowsScanned: number;
  elapsedMs: number;
}

export interface SqlResult {
  readonly columns: readonly SqlColumn[];
  readonly rows: SqlValue[][];
  readonly stats: SqlStats;
}
