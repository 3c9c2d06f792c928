// Reading SQL requests: the three request shapes, options from the body or the query string, and a
// clear 400 for every malformed one; the SQL text limit (413); timeout_ms only lowers the limit.
import { expect, test } from "bun:test";
import { readSqlRequest, type SqlLimits } from "../../../../server/sql/sql-request.ts";

const limits: SqlLimits = { timeoutMs: 30_000, maxRows: 100, textBytesMax: 64 };
const URL_ = "http://h/v1/sql";

const post = (body: string, type = "application/json", query = "") =>
  readSqlRequest(new Request(`${URL_}${query}`, { method: "POST", body, headers: { "content-type": type } }), limits);
const get = (query: string) => readSqlRequest(new Request(`${URL_}?${query}`), limits);

async function failure(p: Promise<unknown>): Promise<string> {
  try { await p; return "ok"; } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
}

test("JSON body, text body and GET give the same request; integral parameters become bigints", async () => {
  const a = await post(JSON.stringify({ sql: "SELECT $1, $2", params: [3, 2.5], format: "csv", engine: "duckdb", timeout_ms: 500 }));
  const b = await post("SELECT 1", "text/plain", "?format=ndjson&engine=native&timeout_ms=99999999");
  const c = await get("q=SELECT%20%241&params=%5B%22x%22%2Cnull%2Ctrue%5D&format=parquet");
  expect([a, b, c]).toEqual([
    { sql: "SELECT $1, $2", params: [3n, 2.5], format: "csv", engine: "duckdb", timeoutMs: 500, maxRows: 100 },
    { sql: "SELECT 1", params: [], format: "ndjson", engine: "native", timeoutMs: 30_000, maxRows: 100 },
    { sql: "SELECT $1", params: ["x", null, true], format: "parquet", engine: "auto", timeoutMs: 30_000, maxRows: 100 },
  ]);
});

test("malformed requests are 400s that say what is wrong", async () => {
  const got = await Promise.all([
    post(JSON.stringify({ params: [] })),
    post(JSON.stringify({ sql: 5 })),
    post(JSON.stringify({ sql: "  " })),
    post(JSON.stringify({ sql: "SELECT 1", params: {} })),
    post(JSON.stringify({ sql: "SELECT 1", params: [[1]] })),
    post(JSON.stringify({ sql: "SELECT 1", format: "xml" })),
    post(JSON.stringify({ sql: "SELECT 1", engine: "spark" })),
    post(JSON.stringify({ sql: "SELECT 1", timeout_ms: -1 })),
    post(JSON.stringify({ sql: "SELECT 1", limit: 3 })),
    post(JSON.stringify(["SELECT 1"])),
    post("{nope"),
    post("SELECT 1", "application/xml"),
    get("format=json"),
    get("q=SELECT%201&params=1"),
  ].map(failure));
  expect(got).toEqual([
    'bad_request: "sql" is missing',
    'bad_request: "sql" must be a string, got number',
    "bad_request: the SQL text is empty",
    "bad_request: params must be an array, got object",
    "bad_request: params[0] must be a number, string, boolean or null; got an array",
    'bad_request: format must be one of json, ndjson, csv, parquet; got "xml"',
    'bad_request: engine must be one of auto, native, duckdb; got "spark"',
    "bad_request: timeout_ms must be a whole number of milliseconds >= 1; got -1",
    'bad_request: unknown field "limit" in the body; fields are sql, params, format, engine, timeout_ms',
    'bad_request: the JSON body must be an object with "sql" (and optionally params, format, engine, timeout_ms)',
    expect.stringMatching(/^malformed_body: body is not valid JSON/) as unknown as string,
    'unsupported_media_type: content type "application/xml" is not accepted on /v1/sql; send application/json ({"sql": ...}) or text/plain (the SQL text)',
    "bad_request: GET /v1/sql needs the statement in ?q=",
    "bad_request: params must be an array, got number",
  ]);
});

test("SQL text over the limit is body_too_large, counted in UTF-8 bytes", async () => {
  const fits = "SELECT '" + "é".repeat(27) + "'";            // 9 + 54 = 63 bytes
  const over = "SELECT '" + "é".repeat(28) + "'";            // 65 bytes
  const declared = readSqlRequest(new Request(URL_, { method: "POST", body: "x".repeat(300), headers: { "content-type": "text/plain", "content-length": "300" } }), limits);
  expect([await failure(post(fits, "text/plain")), await failure(post(over, "text/plain")), await failure(declared), await failure(post("x".repeat(300), "text/plain"))]).toEqual([
    "ok", "body_too_large: SQL text of 65 bytes exceeds the limit of 64",
    "body_too_large: request body of 300 bytes exceeds 256",          // refused before reading, from content-length
    "body_too_large: request body of more than 256 bytes",            // no length declared: refused while reading
  ]);
});
