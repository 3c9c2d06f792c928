// Soak: the real server under steady mixed load for a bounded time. First a short burst measures the
// ingest capacity on this machine (1000-event NDJSON bodies, 8 in flight); then, for --minutes,
// ingest runs at --load (default 50%) of it while a query loop (dashboard SQL and /v1/metrics) and
// a lookup loop (/v1/recommend, /v1/users/<id> when present) run beside it. Every minute it prints
// the server's resident memory and the latency percentiles of each kind of request, so a leak or a
// creeping tail shows as a trend. Seeded events (bench/data.ts).
//
//   bun bench/soak.bench.ts [--minutes 10] [--load 0.5] [--capacity-seconds 10]

import { parseArgs } from "node:util";
import { readFileSync, rmSync } from "node:fs";
import { startCaracalProcess, tempDataDir } from "../test/helpers/caracal-process.ts";
import { eventStream } from "./data.ts";

const { values } = parseArgs({ options: { minutes: { type: "string" }, load: { type: "string" }, "capacity-seconds": { type: "string" } } });
const MINUTES = Number(values.minutes ?? 10), LOAD = Number(values.load ?? 0.5), CAP_S = Number(values["capacity-seconds"] ?? 10);
const BATCH = 1000;

const dataDir = tempDataDir("caracal-soak-");
const server = await startCaracalProcess({ dataDir });
const events = eventStream(7, Number.MAX_SAFE_INTEGER);
const body = () => {
  const lines: string[] = [];
  const now = Date.now();
  for (let i = 0; i < BATCH; i++) { const e = events.next().value!; lines.push(JSON.stringify({ ...e, ts: now - (i % 1000) })); }
  return lines.join("\n");
};
const post = async (b: string) => {
  const r = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: b });
  await r.arrayBuffer();
  return r.status;
};
const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const pct = (xs: number[], p: number) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : NaN);

try {
  // Capacity: as fast as 8 concurrent posters go, bodies prepared ahead so the client is not the limit.
  const bodies = Array.from({ length: 64 }, body);
  let sent = 0;
  const capEnd = performance.now() + CAP_S * 1000;
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    for (let i = w; performance.now() < capEnd; i += 8) if ((await post(bodies[i % bodies.length]!)) === 200) sent += BATCH;
  }));
  const capacity = sent / CAP_S, rate = capacity * LOAD;
  console.log(`soak: capacity ${Math.round(capacity)} events/s; running ${MINUTES} min at ${Math.round(rate)} events/s (${LOAD * 100}%) with queries and lookups`);

  const lat: Record<string, number[]> = { ingest: [], sql: [], metrics: [], recommend: [], profile: [] };
  let stop = false, errors = 0;
  const timed = async (kind: string, f: () => Promise<Response>) => {
    const t0 = performance.now();
    const r = await f();
    await r.arrayBuffer();
    if (r.status >= 500) errors++;
    lat[kind]!.push(performance.now() - t0);
  };
  const ingest = (async () => {
    const interval = (BATCH / rate) * 1000;
    let next = performance.now();
    while (!stop) {
      const b = body();
      const t0 = performance.now();
      if ((await post(b)) >= 500) errors++;
      lat.ingest!.push(performance.now() - t0);
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await Bun.sleep(wait);
    }
  })();
  const queries = (async () => {
    const sqls = [
      "SELECT campaign, count(*) AS n, sum(revenue) FROM events WHERE ts >= now() - INTERVAL 10 MINUTE GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
      "SELECT date_trunc('minute', ts) AS m, count(*) FROM events WHERE ts >= now() - INTERVAL 1 HOUR GROUP BY 1 ORDER BY 1",
    ];
    for (let i = 0; !stop; i++) {
      await timed("sql", () => fetch(`${server.url}/v1/sql`, { method: "POST", headers: { "content-type": "text/plain" }, body: sqls[i % sqls.length] }));
      await timed("metrics", () => fetch(`${server.url}/v1/metrics?metric=uv&by=campaign`));
      await Bun.sleep(50);
    }
  })();
  const lookups = (async () => {
    for (let i = 0; !stop; i++) {
      await timed("recommend", () => fetch(`${server.url}/v1/recommend?user=u${i % 5000}&k=10`));
      await timed("profile", () => fetch(`${server.url}/v1/users/u${i % 5000}`));
      await Bun.sleep(5);
    }
  })();
  console.log("minute  rss_MiB  ingest_p50/p99_ms  sql_p50/p99  metrics_p50/p99  recommend_p50/p99  profile_p50/p99  5xx");
  for (let m = 1; m <= MINUTES; m++) {
    await Bun.sleep(60_000);
    const f = (k: string) => `${pct(lat[k]!, 0.5).toFixed(2)}/${pct(lat[k]!, 0.99).toFixed(2)}`;
    console.log(`${String(m).padStart(6)}  ${rss().toFixed(0).padStart(7)}  ${f("ingest").padStart(17)}  ${f("sql").padStart(11)}  ${f("metrics").padStart(15)}  ${f("recommend").padStart(17)}  ${f("profile").padStart(15)}  ${errors}`);
    for (const k of Object.keys(lat)) lat[k] = [];
  }
  stop = true;
  await Promise.all([ingest, queries, lookups]);
} finally {
  await server[Symbol.asyncDispose]();
  rmSync(dataDir, { recursive: true, force: true });
}
