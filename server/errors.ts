// The only mapping from EngineError codes to HTTP statuses and JSON error bodies. Every error a
// client sees has the same shape: {"error": {"code", "message", ...detail}}.

import { EngineError, type ErrorCode } from "../engine/core/errors.ts";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400, malformed_body: 400, bad_argument: 400, bad_config: 400,
  unsupported_media_type: 415, body_too_large: 413, unknown_table: 404, not_found: 404, method_not_allowed: 405,
  overloaded: 503, shutting_down: 503, wal_failed: 503, disk_full: 507,
  wal_corrupt: 500, data_corrupt: 500, wal_io: 500, store_limit: 507, internal: 500,
  unauthorized: 401, forbidden: 403, rate_limited: 429,
  sql_syntax: 400, sql_error: 400, sql_forbidden: 403, query_timeout: 504, result_too_large: 422, query_memory: 422,
};

/** Seconds a client should wait before retrying, for codes that mean "later". */
const RETRY_AFTER_S: Partial<Record<ErrorCode, number>> = { rate_limited: 1, overloaded: 1, shutting_down: 5, wal_failed: 30, disk_full: 30 };

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

export function errorBody(code: string, message: string, detail?: Record<string, unknown>): string {
  return JSON.stringify({ error: { code, message, ...detail } });
}

export function errorResponse(e: unknown): Response {
  const err = e instanceof EngineError ? e : new EngineError("internal", `internal error: ${(e as Error)?.message ?? String(e)}`);
  if (err.code === "internal") console.error(e);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (err.code === "method_not_allowed" && Array.isArray(err.detail?.allow)) headers.allow = (err.detail.allow as string[]).join(", ");
  if (err.code === "unauthorized") headers["www-authenticate"] = 'Bearer realm="caracal"';
  const retry = RETRY_AFTER_S[err.code];
  if (retry !== undefined) headers["retry-after"] = String(retry);
  return new Response(errorBody(err.code, err.message, err.detail), { status: statusOf(err.code), headers });
}

export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}
