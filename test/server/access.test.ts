// Access control against the real server: keys made by the CLI (hashed in DATA/keys.json), roles per
// route, the three ways to send a key, per-key rate limits, revocation while running, open mode.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { event, ndjson, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";

const MAIN = join(import.meta.dir, "../../server/main.ts");
let srv: CaracalProcess;
const dataDir = tempDataDir();
const keys: Record<string, string> = {};

function cli(...args: string[]): { code: number; out: string } {
  const p = Bun.spawnSync([process.execPath, MAIN, "keys", ...args, "--data", dataDir]);
  return { code: p.exitCode, out: p.stdout.toString() + p.stderr.toString() };
}

beforeAll(async () => {
  for (const [name, roles, extra] of [["ing", "ingest", []], ["q", "query", []], ["adm", "admin", []], ["slow", "query", ["--rate", "2", "--burst", "3"]]] as const) {
    const r = cli("create", "--name", name, "--roles", roles, ...extra);
    expect(r.code).toBe(0);
    keys[name] = r.out.split("\n")[0]!;
  }
  srv = await startCaracalProcess({ dataDir });
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

const sql = (headers: Record<string, string>, q = "") => fetch(`${srv.url}/v1/sql?q=SELECT%201${q}`, { headers });
const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

test("keys are stored hashed, never in clear", () => {
  const file = readFileSync(join(dataDir, "keys.json"), "utf8");
  expect(Object.values(keys).map((k) => file.includes(k.split("_")[2]!))).toEqual([false, false, false, false]);
});

test("no key is 401 with WWW-Authenticate; /healthz stays open", async () => {
  const r = await sql({});
  expect([r.status, r.headers.get("www-authenticate"), ((await r.json()) as any).error.code]).toEqual([401, 'Bearer realm="caracal"', "unauthorized"]);
  expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  expect((await sql(bearer(`${keys.q!}x`))).status).toBe(401);
});

test("each route needs its role; admin may do everything", async () => {
  const post = (k: string) => fetch(`${srv.url}/v1/events`, { method: "POST", headers: { ...bearer(k), "content-type": "application/x-ndjson" }, body: ndjson([event(1)]) });
  expect({
    ingestPosts: (await post(keys.ing!)).status, queryPosts: (await post(keys.q!)).status, adminPosts: (await post(keys.adm!)).status,
    ingestQueries: (await sql(bearer(keys.ing!))).status, queryQueries: (await sql(bearer(keys.q!))).status,
    queryStats: (await fetch(`${srv.url}/v1/stats`, { headers: bearer(keys.q!) })).status,
    adminStats: (await fetch(`${srv.url}/v1/stats`, { headers: bearer(keys.adm!) })).status,
    adminMetrics: (await fetch(`${srv.url}/metrics`, { headers: bearer(keys.adm!) })).status,
  }).toEqual({ ingestPosts: 200, queryPosts: 403, adminPosts: 200, ingestQueries: 403, queryQueries: 200, queryStats: 403, adminStats: 200, adminMetrics: 200 });
});

test("X-Api-Key and ?api_key= work like Bearer", async () => {
  expect([(await sql({ "x-api-key": keys.q! })).status, (await sql({}, `&api_key=${keys.q!}`)).status]).toEqual([200, 200]);
});

test("a key over its rate limit gets 429 with Retry-After", async () => {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 6; i++) {
    const r = await sql(bearer(keys.slow!));
    statuses.push(r.status);
    if (r.status === 429) retryAfter = r.headers.get("retry-after");
  }
  expect({ first3: statuses.slice(0, 3), limited: statuses.includes(429), retryAfter }).toEqual({ first3: [200, 200, 200], limited: true, retryAfter: "1" });
});

test("keys created and revoked over the API or the CLI take effect on the running server", async () => {
  const made = await fetch(`${srv.url}/v1/keys`, { method: "POST", headers: { ...bearer(keys.adm!), "content-type": "application/json" }, body: JSON.stringify({ name: "api", roles: ["query"] }) });
  const body = (await made.json()) as { key: string; id: string };
  expect([made.status, (await sql(bearer(body.key))).status]).toEqual([201, 200]);
  expect(cli("revoke", body.id).code).toBe(0);
  const deadline = Date.now() + 5000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) { status = (await sql(bearer(body.key))).status; await Bun.sleep(50); }
  expect(status).toBe(401);
});

test("bound to loopback with no key, the server is open; a config file can force keys", async () => {
  await using open = await startCaracalProcess();
  expect((await fetch(`${open.url}/v1/sql?q=SELECT%201`)).status).toBe(200);
  const conf = join(tempDataDir("caracal-conf-"), "c.json");
  writeFileSync(conf, JSON.stringify({ auth: { mode: "keys" } }));
  await using closed = await startCaracalProcess({ args: ["--config", conf] });
  expect((await fetch(`${closed.url}/v1/sql?q=SELECT%201`)).status).toBe(401);
});
