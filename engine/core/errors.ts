// Operating errors (bad input, limits, I/O) carry a stable machine-readable code. The HTTP layer maps
// codes to statuses in one place (server/errors.ts); nothing else decides a status.

export type ErrorCode =
  // input
  | "bad_request" | "unsupported_media_type" | "body_too_large" | "malformed_body" | "unknown_table"
  | "bad_config" | "bad_argument"
  // ingest overload and durability
  | "overloaded" | "shutting_down" | "wal_failed" | "disk_full"
  // storage
  | "wal_corrupt" | "wal_io" | "store_limit" | "data_corrupt"
  | "not_found" | "method_not_allowed" | "internal"
  // access control and per-key limits
  | "unauthorized" | "forbidden" | "rate_limited"
  // SQL: a syntax error, a statement DuckDB cannot bind (unknown column...), a refused statement or
  // file access, and the per-query limits
  | "sql_syntax" | "sql_error" | "sql_forbidden" | "query_timeout" | "result_too_large" | "query_memory";

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly detail?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = "EngineError";
    this.code = code;
    this.detail = detail;
  }
}

/** Per-event rejection codes: stable, listed in the README, stored with dead letters. */
export type RejectCode =
  | "not_an_object" | "invalid_json" | "invalid_msgpack" | "missing_field" | "invalid_type"
  | "invalid_number" | "invalid_timestamp" | "timestamp_out_of_range" | "value_too_long"
  | "event_too_large" | "invalid_currency"
  // A field the table has no column for, in a table without a `props` column to keep it in.
  | "unknown_field";
