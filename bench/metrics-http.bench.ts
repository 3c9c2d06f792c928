// GET /v1/metrics over HTTP as dashboards poll it: the last hour by campaign (100 campaigns x 60
// minutes, ~118 KB), one connection, 2 ms between answers (wrk's delay hook: the answer's own
// latency, not a queue's), first with no data arriving, then with a trickle of live events (one
// per POST, default 10/s), which is what a running campaign looks like between bursts; then 20
// different panels asked in turn (each every ~200 ms) with twice the events: slow pollers, whose
// answers change between asks. Floor in the same run: a bare Bun.serve in its own process
// answering the same bytes, paced the same.
//
// Before measuring, the server is warmed with the trickle and asks (--warm seconds, default 30), as
// one that has been running is: the first single-event batches and the first answers brought up to
// date run code the seed never did (cold, they take milliseconds), and the seed's own aftermath
// (segments sealed, compacted to Parquet, the first derived-state checkpoint: stalls of 15-55 ms on
// the serving thread, measured 2026-12-05) is over.
//
// Each row is run --repeat times (default 3) and each run printed: on this VM a single 8 s run of the
// bare floor alone has p99 anywhere from 0.16 to 1.2 ms (2026-12-05), so one run says little; the
// ratios use the medians.
//
//   bun bench/metrics-http.bench.ts [--seconds 8] [--repeat 3] [--trickle 10] [--warm 30] [--metrics-cache-bytes N]
//
// Per phase it prints the answers reused (hit), computed for an ask (miss) and computed after a
// change before the next ask (refreshed, server/routes/metrics-refresh.ts), from /metrics.

import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCaracalProcess, tempDataDir } from "../test/helpers/caracal-process.ts";
import { ndjsonBatches } from "./ndjson-batches.ts";
import { pacedScript, runWrk, type WrkResult } from "./wrk.ts";

const { values } = parseArgs({ options: { seconds: { type: "string" }, trickle: { type: "string" }, warm: { type: "string" }, repeat: { type: "string" }, "metrics-cache-bytes": { type: "string" } } });
const SECONDS = Number(values.seconds ?? 8), TRICKLE = Number(values.trickle ?? 10), WARM = Number(values.warm ?? 30), REPEAT = Number(values.repeat ?? 3);
if (!Bun.which("wrk")) { console.log("metrics-http bench needs wrk (apt-get install wrk)"); process.exit(1); }

const dir = tempDataDir("caracal-metrics-http-");
writeFileSync(join(dir, "config.json"), JSON.stringify(values["metrics-cache-bytes"] === undefined ? {} : { rollups: { answer_cache_bytes: Number(values["metrics-cache-bytes"]) } }));
const srv = await startCaracalProcess({ dataDir: join(dir, "data"), args: ["--config", join(dir, "config.json")] });
/** A bare Bun.serve in its own process answering the bytes in `file`; resolves to its port. */
async function bareServer(file: string) {
  const proc = Bun.spawn([process.execPath, "-e", `
    const body = new Blob([await Bun.file(process.argv[1]).arrayBuffer()], { type: "application/json" });
    const s = Bun.serve({ port: 0, fetch: () => new Response(body) });
    console.log(s.port);`, file], { stdout: "pipe" });
  const reader = proc.stdout.getReader();
  let port = "";
  while (!port.includes("\n")) { const { done, value } = await reader.read(); if (done) break; port += new TextDecoder().decode(value); }
  return { proc, port: Number(port.trim()) };
}

const batch = ndjsonBatches(11, 20_000);
const post = (b: string) => fetch(`${srv.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: b }).then((r) => r.arrayBuffer());
const url = `${srv.url}/v1/metrics?metric=uv&by=campaign&step=1m`;
// Dashboards that poll slowly: 20 panels (5 metrics x 4 groupings, last hour by minute) asked in
// turn, 10 ms apart, so each is asked every ~200 ms while events keep changing them.
const SLOW_PATHS = ["events", "pv", "uv", "clicks", "revenue"].flatMap((m) => ["campaign", "country", "channel", "device"].map((b) => `/v1/metrics?metric=${m}&by=${b}&step=1m`));
const SLOW_SCRIPT = `local paths = { ${SLOW_PATHS.map((p) => `"${p}"`).join(", ")} }
local i = 0
request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
${pacedScript(10)}`;

async function answers(): Promise<Record<string, number>> {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  const n = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return { hit: n(/caracal_metrics_answers_total\{cache="hit"\} (\d+)/), miss: n(/caracal_metrics_answers_total\{cache="miss"\} (\d+)/), refreshed: n(/caracal_metrics_answers_refreshed_total (\d+)/) };
}

/** Posts one event at a time, `perSecond` a second, until `until()`; returns how many. */
async function trickle(perSecond: number, until: () => boolean): Promise<number> {
  let n = 0;
  for (let next = performance.now(); !until(); n++) {
    await post(batch(1, 1_000));
    next += 1000 / perSecond;
    const wait = next - performance.now();
    if (wait > 0) await Bun.sleep(wait);
  }
  return n;
}

const rows: [string, WrkResult, string][] = [];
let bare: Awaited<ReturnType<typeof bareServer>> | null = null;
try {
  // An hour of events by 100 campaigns, so the answer reads ~6,000 cells.
  for (let i = 0; i < 200; i++) await post(batch(1000, 3_600_000));
  const body = await (await fetch(url)).arrayBuffer();
  writeFileSync(join(dir, "answer.json"), new Uint8Array(body));
  const warmUntil = Date.now() + WARM * 1000;
  await Promise.all([trickle(TRICKLE, () => Date.now() > warmUntil), runWrk({ url, script: pacedScript(2), connections: 1, seconds: WARM, dir })]);

  const phase = async (name: string, perSecond: number, script = pacedScript(2)) => {
    for (let k = 0; k < REPEAT; k++) {
      const before = await answers();
      let done = false;
      const posted = perSecond > 0 ? trickle(perSecond, () => done) : Promise.resolve(0);
      const r = await runWrk({ url, script, connections: 1, seconds: SECONDS, dir });
      done = true;
      const n = await posted, after = await answers();
      const d = (key: string) => after[key]! - before[key]!;
      rows.push([name, r, `${d("hit")} hit, ${d("miss")} miss, ${d("refreshed")} refreshed; ${n} events posted`]);
    }
  };
  await phase("paced, no data arriving", 0);
  await phase(`paced, ${TRICKLE} events/s trickling in`, TRICKLE);
  await phase(`20 questions in turn, ${2 * TRICKLE} events/s`, 2 * TRICKLE, SLOW_SCRIPT);
  bare = await bareServer(join(dir, "answer.json"));
  const floorName = "floor: bare Bun.serve, same bytes, paced";
  for (let k = 0; k < REPEAT; k++) rows.push([floorName, await runWrk({ url: `http://127.0.0.1:${bare.port}/`, script: pacedScript(2), connections: 1, seconds: SECONDS, dir }), ""]);

  console.log(`GET /v1/metrics, last hour by campaign (${body.byteLength} bytes), 1 connection, 2 ms between asks, ${SECONDS} s per run; answer cache ${values["metrics-cache-bytes"] ?? "default"} bytes`);
  console.log("row                                          req/s   p50 ms   p99 ms  p99.9 ms  answers");
  for (const [name, r, note] of rows) console.log(`${name.padEnd(42)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(3).padStart(8)} ${r.p99.toFixed(3).padStart(8)} ${r.p999.toFixed(3).padStart(9)}  ${note}`);
  const medianP99 = (name: string) => { const v = rows.filter(([n]) => n === name).map(([, r]) => r.p99).sort((a, b) => a - b); return v[v.length >> 1]!; };
  const floor = medianP99(floorName), names = [...new Set(rows.map(([n]) => n))].filter((n) => n !== floorName);
  console.log(`median p99: ${names.map((n) => `${n} ${medianP99(n).toFixed(3)} ms (${(medianP99(n) / floor).toFixed(2)}x the floor's ${floor.toFixed(3)} ms)`).join("; ")}; target p99 < 1 ms`);
} finally {
  bare?.proc.kill();
  await srv[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
}
