// Reads a SQL request from HTTP, validated once here (400 bad_request with what is wrong, 413 past
// the size limits, 415 for an unknown body type):
//
//   POST /v1/sql  application/json        {"sql", "params"?, "format"?, "engine"?, "timeout_ms"?}
//                 text/plain, application/sql   the SQL text; options from the query string
//   GET  /v1/sql?q=SQL[&params=JSON array]
//   query string (both): format, engine, timeout_ms (a JSON body's own fields win)
//
// Parameters bind to $1, $2... (or ?) in order: strings, booleans, null, and numbers, where an
// integral number within +-(2^53 - 1) is a BIGINT (passed on as a bigint) and any other number a DOUBLE.
// timeout_ms may lower the configured limit, never raise it.

import { EngineError } from "../../engine/core/errors.ts";
import type { SqlValue } from "../../engine/query/result.ts";
import { FORMATS, type Format } from "./encode-result.ts";
import { QueryParams } from "../query-params.ts";

export type EngineChoice = "auto" | "native" | "duckdb";
export const ENGINE_CHOICES: readonly EngineChoice[] = ["auto", "native", "duckdb"];

/** What the router runs: one statement, its parameters, which engine may answer, and the limits. */
export interface SqlRequest {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  readonly engine: EngineChoice;
  readonly timeoutMs: number;
  readonly maxRows: number;
}

export interface SqlLimits {
  readonly timeoutMs: number;
  readonly maxRows: number;
  /** UTF-8 bytes of the SQL text. */
  readonly textBytesMax: number;
}

export interface HttpSqlRequest extends SqlRequest {
  readonly format: Format;
}

const BODY_FIELDS = ["sql", "params", "format", "engine", "timeout_ms"];

function bad(message: string): EngineError {
  return new EngineError("bad_request", message);
}

/** A request body may hold the SQL text plus parameters: this many times the text limit. */
const BODY_TEXT_RATIO = 4;

export async function readSqlRequest(req: Request, limits: SqlLimits): Promise<HttpSqlRequest> {
  const query = QueryParams.of(req);
  if (req.method === "GET") {
    const sql = query.get("q");
    if (sql === null) throw bad("GET /v1/sql needs the statement in ?q=");
    const paramsText = query.get("params");
    let params: unknown = [];
    if (paramsText !== null) {
      try { params = JSON.parse(paramsText); } catch { throw bad("params must be a JSON array, e.g. params=[1,\"a\"]"); }
    }
    return build({ sql, params, format: query.get("format"), engine: query.get("engine"), timeout_ms: query.get("timeout_ms") }, limits);
  }
  const bodyMax = limits.textBytesMax * BODY_TEXT_RATIO;
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > bodyMax) throw tooLarge(`request body of ${declared} bytes exceeds ${bodyMax}`);
  const text = await readBounded(req, bodyMax);
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const fromQuery = { format: query.get("format"), engine: query.get("engine"), timeout_ms: query.get("timeout_ms") };
  const isJson = type === "application/json" || (type === "" && text.trimStart().startsWith("{"));
  if (isJson) {
    let body: unknown;
    try { body = JSON.parse(text); } catch (e) { throw new EngineError("malformed_body", `body is not valid JSON: ${(e as Error).message}`); }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad(`the JSON body must be an object with "sql" (and optionally ${BODY_FIELDS.slice(1).join(", ")})`);
    const unknown = Object.keys(body).filter((k) => !BODY_FIELDS.includes(k));
    if (unknown.length) throw bad(`unknown field "${unknown[0]}" in the body; fields are ${BODY_FIELDS.join(", ")}`);
    const b = body as Record<string, unknown>;
    return build({ ...fromQuery, ...withoutUndefined(b) }, limits);
  }
  if (type === "" || type === "text/plain" || type === "application/sql") return build({ ...fromQuery, sql: text, params: [] }, limits);
  throw new EngineError("unsupported_media_type", `content type "${type}" is not accepted on /v1/sql; send application/json ({"sql": ...}) or text/plain (the SQL text)`);
}

/** The body as text, refused as soon as it passes `max` bytes (a chunked body declares no length). */
async function readBounded(req: Request, max: number): Promise<string> {
  if (req.body === null) return "";
  const parts: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of req.body) {
    bytes += chunk.byteLength;
    if (bytes > max) throw tooLarge(`request body of more than ${max} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString("utf8");
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function tooLarge(message: string): EngineError {
  return new EngineError("body_too_large", message);
}

function build(f: Record<string, unknown>, limits: SqlLimits): HttpSqlRequest {
  const sql = f.sql;
  if (typeof sql !== "string") throw bad(sql === undefined ? `"sql" is missing` : `"sql" must be a string, got ${typeName(sql)}`);
  if (sql.trim() === "") throw bad("the SQL text is empty");
  const bytes = Buffer.byteLength(sql);
  if (bytes > limits.textBytesMax) throw tooLarge(`SQL text of ${bytes} bytes exceeds the limit of ${limits.textBytesMax}`);
  return { sql, params: params(f.params ?? []), format: choice(f.format ?? "json", FORMATS, "format"), engine: choice(f.engine ?? "auto", ENGINE_CHOICES, "engine"), timeoutMs: timeout(f.timeout_ms, limits.timeoutMs), maxRows: limits.maxRows };
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

function choice<T extends string>(v: unknown, allowed: readonly T[], name: string): T {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw bad(`${name} must be one of ${allowed.join(", ")}; got ${JSON.stringify(v)}`);
}

function params(v: unknown): SqlValue[] {
  if (!Array.isArray(v)) throw bad(`params must be an array, got ${typeName(v)}`);
  return v.map((p, i) => {
    if (p === null || typeof p === "string" || typeof p === "boolean") return p;
    if (typeof p === "number") return Number.isSafeInteger(p) ? BigInt(p) : p;
    throw bad(`params[${i}] must be a number, string, boolean or null; got ${typeName(p)}`);
  });
}

function timeout(v: unknown, limitMs: number): number {
  if (v === undefined || v === null) return limitMs;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw bad(`timeout_ms must be a whole number of milliseconds >= 1; got ${JSON.stringify(v)}`);
  return Math.min(n, limitMs);
}
