// 10,000 seeded fuzzed requests (fast-check) across every endpoint: random methods, paths, query
// strings, content types, encodings and bodies (random bytes, JSON of random shapes, near-valid
// events and SQL). Every answer must be 2xx or 4xx (never 5xx), the server must stay up, and its
// resident memory must not keep growing. Seed: FUZZ_SEED; count: FUZZ_REQUESTS.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { startCaracalProcess, tempDataDir, type CaracalProcess } from "../../helpers/caracal-process.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
console.log(`fuzz-endpoints seed=${SEED} requests=${REQUESTS}`);
let srv: CaracalProcess;

beforeAll(async () => {
  const conf = join(tempDataDir("caracal-conf-"), "fuzz.json");
  // Open mode even after the fuzzer creates keys through POST /v1/keys; small limits so they are hit.
  writeFileSync(conf, JSON.stringify({ auth: { mode: "open" }, limits: { body_bytes_max: 65536 }, sql: { timeout_ms: 5000, max_rows: 1000, upload_bytes_max: 65536 } }));
  srv = await startCaracalProcess({ args: ["--config", conf] });
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

const PATHS = ["/healthz", "/v1/stats", "/metrics", "/v1/keys", "/v1/keys/abc", "/v1/events", "/v1/events?table=nope", "/v1/sql", "/v1/tables",
  "/v1/tables/campaigns", "/v1/tables/events", "/v1/tables/events/rows", "/v1/tables/_dead_letters/rows", "/v1/metrics", "/v1/alerts",
  "/v1/alerts/x", "/v1/dashboard", "/nope", "/v1/", "/v1/tables/../etc/passwd", "/v1/sql/extra"];
const TYPES = ["application/json", "application/x-ndjson", "application/msgpack", "text/plain", "text/csv", "application/vnd.apache.parquet", "application/octet-stream", "", "text/html; charset=utf-8", "multipart/form-data"];

const jsonish = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.string(), fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie("value"), { maxKeys: 5 })),
})).value;
const eventish = fc.record({
  event_id: fc.option(fc.string({ maxLength: 40 })), type: fc.option(fc.oneof(fc.constantFrom("page_view", "click", "purchase"), fc.string(), fc.integer())),
  ts: fc.option(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant("2026-12-04T10:00:00Z"))), user_id: fc.option(jsonish), revenue: fc.option(jsonish), props: fc.option(jsonish),
}, { requiredKeys: [] });
const sqlish = fc.oneof(fc.string(), fc.constantFrom("SELECT 1", "SELECT count(*) FROM events", "DROP TABLE events", "SELECT * FROM read_csv('/etc/passwd')", "ATTACH 'x.db'", "SELECT $1", "SHOW TABLES", "SELECT * FROM rollup_campaign"), fc.string().map((s) => `SELECT ${s} FROM events`));
const body = fc.oneof(
  fc.constant(undefined), fc.uint8Array({ maxLength: 2048 }), jsonish.map((v) => JSON.stringify(v)),
  fc.array(eventish, { maxLength: 20 }).map((es) => es.map((e) => JSON.stringify(e)).join("\n")),
  fc.record({ sql: sqlish, params: fc.option(fc.array(jsonish, { maxLength: 3 })), format: fc.option(fc.constantFrom("json", "csv", "ndjson", "parquet", "xml")) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ name: fc.string(), metric: fc.string(), kind: fc.constantFrom("threshold", "anomaly", "x"), op: fc.string(), value: jsonish }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }).map((s) => `a,b\n${s}\n1,2`),
);
const query = fc.oneof(fc.constant(""), fc.dictionary(fc.constantFrom("q", "format", "metric", "by", "from", "to", "step", "minutes", "campaign", "limit", "columns", "table", "params"), fc.string({ maxLength: 30 }), { maxKeys: 4 })
  .map((d) => `?${new URLSearchParams(d)}`));
const request = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"), path: fc.constantFrom(...PATHS), query, type: fc.constantFrom(...TYPES),
  gzip: fc.boolean(), body,
});

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
}

test(`${REQUESTS} fuzzed requests: no 5xx, server alive, memory flat`, async () => {
  const samples = fc.sample(request, { seed: SEED, numRuns: REQUESTS });
  const bad: string[] = [];
  const statuses = new Map<number, number>();
  let rssWarm = 0;
  const send = async (r: (typeof samples)[number]) => {
    const headers: Record<string, string> = {};
    if (r.type) headers["content-type"] = r.type;
    let payload: Uint8Array | string | undefined = r.method === "GET" || r.method === "HEAD" ? undefined : r.body;
    if (payload !== undefined && r.gzip) { payload = Bun.gzipSync(typeof payload === "string" ? new TextEncoder().encode(payload) : new Uint8Array(payload)); headers["content-encoding"] = "gzip"; }
    const res = await fetch(`${srv.url}${r.path}${r.query}`, { method: r.method, headers, body: payload });
    await res.arrayBuffer();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) bad.push(`${res.status} ${r.method} ${r.path}${r.query} ${r.type} ${String(r.body).slice(0, 120)}`);
  };
  const CONCURRENCY = 16;
  for (let i = 0; i < samples.length; i += CONCURRENCY) {
    await Promise.all(samples.slice(i, i + CONCURRENCY).map(send));
    if (i === Math.floor(samples.length / 4 / CONCURRENCY) * CONCURRENCY) rssWarm = rssOf(srv.proc.pid);
  }
  const rssEnd = rssOf(srv.proc.pid);
  console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; RSS ${Math.round(rssWarm / 1048576)} MiB after a quarter, ${Math.round(rssEnd / 1048576)} MiB at the end`);
  expect({ bad: bad.slice(0, 10), alive: (await fetch(`${srv.url}/healthz`)).status, growthMiB: Math.max(0, Math.round((rssEnd - rssWarm) / 1048576)) < 96 })
    .toEqual({ bad: [], alive: 200, growthMiB: true });
});
