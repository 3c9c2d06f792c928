// Serving latency under ingest: GET /v1/users/<id>, POST /v1/bid (a 2.9 KB banner request) and
// GET /v1/recommend, and GET /v1/metrics (the last hour by campaign, from the rollups), driven by wrk (a C client, closed loop at fixed connections) while a Bun client
// ingests at a fixed rate (default 50k events/s) into the same server. Floors in the same run:
// (a) a bare Bun.serve answering a fixed body, while the same ingest runs and on an idle machine, (b) Redis (Debian redis-server, started here) HGETALL
// of a 20-field hash per user, measured with redis-benchmark. Percentiles are per request, in ms.
//
//   bun bench/serving.bench.ts [--seconds 10] [--connections 16] [--ingest 50000] [--users 20000] [--derived all|LIST] [--metrics-cache-bytes N]
//
// /v1/metrics is asked two ways: back to back on one connection (its most), and paced (wrk's delay
// hook, 2 ms between answers on one connection: ~400 dashboards polling once a second), where the
// latency is the answer's own with the serving thread otherwise idle. The share of answers reused
// from the answer cache (rollups.answer_cache_bytes; --metrics-cache-bytes 0 turns it off) is read
// from /metrics before and after each. The seed spreads its events over the last hour, so the
// hour by campaign reads ~6,000 cells.
//
// --derived names the derived parts the server feeds (config `derived`; profiles and
// recommendations are always on, the endpoints need them), to see what the other views cost the
// serving loop.

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCaracalProcess, tempDataDir } from "../test/helpers/caracal-process.ts";
import { ndjsonBatches } from "./ndjson-batches.ts";
import { pacedScript, runWrk, type WrkResult } from "./wrk.ts";

const { values } = parseArgs({ options: { seconds: { type: "string" }, connections: { type: "string" }, ingest: { type: "string" }, users: { type: "string" }, derived: { type: "string", default: "all" }, "metrics-cache-bytes": { type: "string" } } });
const SECONDS = Number(values.seconds ?? 10), CONNS = Number(values.connections ?? 16), INGEST = Number(values.ingest ?? 50_000), USERS = Number(values.users ?? 20_000);
for (const tool of ["wrk", "redis-server", "redis-benchmark"]) if (!Bun.which(tool)) { console.log(`serving bench needs ${tool} (apt-get install wrk redis-server)`); process.exit(1); }

const dir = tempDataDir("caracal-serving-");
const DERIVED_PARTS = ["rollups", "profiles", "recommendations", "social", "funnels", "audiences"];
const derivedOn = values.derived === "all" ? DERIVED_PARTS : [...new Set([...values.derived!.split(","), "profiles", "recommendations"])];
for (const p of derivedOn) if (!DERIVED_PARTS.includes(p)) throw new Error(`--derived: unknown part ${p} (know ${DERIVED_PARTS.join(", ")})`);
const cacheBytes = values["metrics-cache-bytes"] === undefined ? {} : { rollups: { answer_cache_bytes: Number(values["metrics-cache-bytes"]) } };
writeFileSync(join(dir, "config.json"), JSON.stringify({ derived: Object.fromEntries(DERIVED_PARTS.map((p) => [p, derivedOn.includes(p)])), ...cacheBytes }));
const srv = await startCaracalProcess({ dataDir: join(dir, "data"), args: ["--config", join(dir, "config.json")], env: process.env.CARACAL_DEBUG_TIMING ? { CARACAL_DEBUG_TIMING: "1" } : {} });
const freePort = () => { const s = Bun.serve({ port: 0, fetch: () => new Response("") }); const p = s.port; s.stop(true); return p; };

type Result = WrkResult;
const wrk = (url: string, script: string, conns = CONNS) => runWrk({ url, script, connections: conns, seconds: SECONDS, dir });

const userPick = `local n = ${USERS}
request = function() return wrk.format("GET", string.format(PATH, math.random(0, n - 1))) end`;

// Seed: events for USERS users (profiles, co-views), then Redis hashes for the same users.
const batch = ndjsonBatches(11, USERS);
const post = (b: string) => fetch(`${srv.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: b }).then((r) => r.arrayBuffer());
for (let i = 0; i < Math.max(200, (USERS * 5) / 1000); i++) await post(batch(1000, 3_600_000));

const redisPort = freePort();
const redis = Bun.spawn(["redis-server", "--port", String(redisPort), "--save", "", "--appendonly", "no"], { stdout: "ignore", stderr: "ignore" });
await Bun.sleep(300);
const fields = Array.from({ length: 20 }, (_, f) => `f${f} ${"v".repeat(8)}${f}`).join(" ");
writeFileSync(join(dir, "redis.txt"), Array.from({ length: USERS }, (_, u) => `HSET user:${String(u).padStart(12, "0")} ${fields}`).join("\n") + "\n");
Bun.spawnSync(["sh", "-c", `redis-cli -p ${redisPort} < ${join(dir, "redis.txt")} > /dev/null`]);

const bare = Bun.spawn([process.execPath, "-e", `const s = Bun.serve({ port: 0, fetch: () => new Response('{"ok":true}', { headers: { "content-type": "application/json" } }) }); console.log(s.port);`], { stdout: "pipe" });
const barePort = await (async () => {
  const reader = bare.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) { const { done, value } = await reader.read(); if (done) break; text += new TextDecoder().decode(value); }
  reader.releaseLock();
  return Number(text.trim());
})();

// Background ingest at INGEST events/s.
let stop = false, ingested = 0;
const ingest = (async () => {
  if (INGEST <= 0) return;
  const per = 1000, interval = (per / INGEST) * 1000;
  let next = performance.now();
  const bodies = Array.from({ length: 16 }, () => batch(per));
  for (let i = 0; !stop; i++) {
    await post(bodies[i % bodies.length]!);
    ingested += per;
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await Bun.sleep(wait);
  }
})();

/** GET /v1/metrics answers reused and computed so far (caracal_metrics_answers_total). */
async function answerCounts(): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  const n = (cache: string) => Number(new RegExp(`caracal_metrics_answers_total\\{cache="${cache}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  return { hit: n("hit"), miss: n("miss") };
}

const bidBody = readFileSync(join(import.meta.dir, "../test/fixtures/openrtb/banner-site.json"), "utf8");
const rows: [string, Result][] = [];
try {
  const t0 = performance.now();
  rows.push(["GET /v1/users/<id>", await wrk(srv.url, `PATH = "/v1/users/u%d"\n${userPick}`)]);
  rows.push(["POST /v1/bid (2.9 KB)", await wrk(`${srv.url}/v1/bid`, `wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"; wrk.body = [==[${bidBody}]==]`)]);
  rows.push(["GET /v1/recommend", await wrk(srv.url, `PATH = "/v1/recommend?user=u%d&k=10"\n${userPick}`)]);
  // Dashboards do not saturate: one connection, so the figure is the answer's own time (100 series
  // x 60 points, ~118 KB), back to back and then paced, not a queue of 16.
  const metricsUrl = `${srv.url}/v1/metrics?metric=uv&by=campaign&step=1m`;
  let answers = await answerCounts();
  rows.push(["GET /v1/metrics (1 h x 100 campaigns, 1 conn)", await wrk(metricsUrl, "", 1)]);
  const reuse: string[] = [];
  const noteReuse = async (what: string) => { const now = await answerCounts(); reuse.push(`${what}: ${now.hit - answers.hit} of ${now.hit + now.miss - answers.hit - answers.miss} answers reused`); answers = now; };
  await noteReuse("back to back");
  rows.push(["GET /v1/metrics, paced (2 ms between, 1 conn)", await wrk(metricsUrl, pacedScript(2), 1)]);
  await noteReuse("paced");
  // The same CPU contention without Caracal's work: a bare server answering while the ingest client
  // and the server ingesting (its parse worker, WAL, derived views) keep both cores busy.
  if (barePort) rows.push(["floor: bare Bun.serve, same ingest running", await wrk(`http://127.0.0.1:${barePort}/`, "")]);
  if (barePort) rows.push(["floor: bare Bun.serve, paced, same ingest", await wrk(`http://127.0.0.1:${barePort}/`, pacedScript(2), 1)]);
  const ingestRate = ingested / ((performance.now() - t0) / 1000);
  stop = true;
  await ingest;
  if (barePort) rows.push(["floor: bare Bun.serve, idle machine", await wrk(`http://127.0.0.1:${barePort}/`, "")]);
  const rb = Bun.spawnSync(["redis-benchmark", "-p", String(redisPort), "-c", String(CONNS), "-n", "200000", "-r", String(USERS), "-q", "--precision", "3", "HGETALL", "user:__rand_int__"], { stdout: "pipe" });
  const rbOut = rb.stdout.toString();
  const rps = Number(/([\d.]+) requests per second/.exec(rbOut)?.[1] ?? NaN), p50 = Number(/p50=([\d.]+) msec/.exec(rbOut)?.[1] ?? NaN);
  const full = Bun.spawnSync(["redis-benchmark", "-p", String(redisPort), "-c", String(CONNS), "-n", "200000", "-r", String(USERS), "--precision", "3", "HGETALL", "user:__rand_int__"], { stdout: "pipe" }).stdout.toString();
  const pct = (p: string) => { const m = new RegExp(`([\\d.]+)% <= ([\\d.]+) milliseconds`, "g"); let best = NaN; for (const x of full.matchAll(m)) if (Number(x[1]) >= Number(p) && Number.isNaN(best)) best = Number(x[2]); return best; };
  rows.push(["floor: Redis HGETALL (20 fields)", { rps, p50, p99: pct("99"), p999: pct("99.9"), errors: 0 }]);
  console.log(`serving bench: derived ${derivedOn.join(",")}; ${USERS} users, ${CONNS} connections, ${SECONDS} s each, ingest running at ${Math.round(ingestRate)} events/s (asked ${INGEST})`);
  console.log("endpoint                                          req/s      p50 ms    p99 ms   p99.9 ms  errors");
  for (const [name, r] of rows) console.log(`${name.padEnd(46)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(3).padStart(10)} ${r.p99.toFixed(3).padStart(9)} ${r.p999.toFixed(3).padStart(10)} ${String(r.errors).padStart(7)}`);
  const redisRow = rows.at(-1)![1], users = rows[0]![1];
  console.log(`profile p99 / Redis HGETALL p99: ${(users.p99 / redisRow.p99).toFixed(2)} (target <= 1 at >= 50k req/s); bid p99 ${rows[1]![1].p99.toFixed(3)} ms (target < 1 at >= 20k req/s); recommend p99 ${rows[2]![1].p99.toFixed(3)} ms (target < 1); ` +
    `metrics p99 ${rows[3]![1].p99.toFixed(3)} ms back to back, ${rows[4]![1].p99.toFixed(3)} ms paced (target < 1)`);
  console.log(`/v1/metrics answer cache (${values["metrics-cache-bytes"] ?? "default"} bytes): ${reuse.join("; ")}`);
  const busyFloor = rows.find(([n]) => n.includes("same ingest"));
  if (busyFloor) console.log(`profile p99 / bare Bun.serve p99 under the same ingest: ${(users.p99 / busyFloor[1].p99).toFixed(2)}`);
} finally {
  if (process.env.CARACAL_DEBUG_TIMING) console.log(srv.stderr());
  stop = true;
  redis.kill();
  bare.kill();
  await srv[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
}
