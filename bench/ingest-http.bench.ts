// Ingest throughput over HTTP, end to end: the real server (child process, fsync policy `batch`:
// acknowledged = fsynced), 1000-event bodies of realistic events, NDJSON and MessagePack, against
// floors measured in the same run on the same body: JSON.parse of every NDJSON line, and msgpackr
// unpack of the body, on one core. Per-core figures divide by the CPU seconds the server used
// (from /proc), so a second parser thread shows up as what it is.
//
// The load comes from wrk (Debian package `wrk`), a C client that leaves the two cores to the
// server. It cycles through --bodies distinct bodies (64 by default: 64,000 events of the seeded
// world, sessions and Zipf users), with no event_id (the server generates ids, nothing is
// de-duplicated) and no ts (event time = receive time, as with a live collector): derived state then
// sees time move and users recur as in a live stream, not one batch replayed at one instant.
// Without wrk a Bun client is used, which competes with the server for the CPU (the report says so).
//
// --derived says which derived parts the server feeds (config `derived`): `all` (the default
// configuration), `none`, or a comma list of rollups, profiles, recommendations, social, funnels,
// audiences; --funnels FILE replaces the default funnels (bench/five-funnels.json: the five of the
// funnels bench). --compare-derived runs NDJSON with none and then with --derived, and prints the
// ratio (the aggregates issue's target, >= 0.7x, is for rollups,audiences,funnels with five funnels);
// --repeat N runs N such pairs back to back and prints every ratio and their median: on two shared
// cores one pair's ratio moves by +-0.07 from run to run, so a single pair decides nothing.
//
//   bun bench/ingest-http.bench.ts [--seconds 10] [--concurrency 8] [--workers W] [--fsync P] [--seed 7]
//                                  [--formats ndjson,msgpack] [--derived all|none|LIST] [--funnels FILE] [--compare-derived [--repeat N]]

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pack, unpack } from "msgpackr";
import { eventStream } from "./data.ts";
import { startCaracalProcess, tempDataDir } from "../test/helpers/caracal-process.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "8" },
    workers: { type: "string" },
    fsync: { type: "string", default: "batch" },
    seed: { type: "string", default: "7" },
    formats: { type: "string", default: "ndjson,msgpack" },
    bodies: { type: "string", default: "64" },
    derived: { type: "string", default: "all" },
    funnels: { type: "string" },
    "compare-derived": { type: "boolean", default: false },
    repeat: { type: "string", default: "1" },
  },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const BATCH = 1000;
const hasWrk = Bun.which("wrk") !== null;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks of 1/100 s
}

function floorPerS(format: "ndjson" | "msgpack", body: Uint8Array): number {
  const lines = new TextDecoder().decode(body).split("\n").filter((l) => l);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) {
    if (format === "ndjson") for (const l of lines) JSON.parse(l);
    else unpack(body);
    n += BATCH;
  }
  return n / ((performance.now() - t0) / 1000);
}

interface Load { requestsPerS: number; p50: number; p99: number; errors: number }

async function wrkLoad(url: string, bodyFiles: string[], contentType: string, seconds: number): Promise<Load> {
  const script = join(bodyFiles[0]! + ".lua");
  // Requests are formatted once at start; request() hands them out in turn.
  writeFileSync(script, `local files = {${bodyFiles.map((f) => JSON.stringify(f)).join(", ")}}\nlocal reqs = {}\nlocal n = 0\n` +
    `init = function(args)\n  for i, path in ipairs(files) do\n    local f = io.open(path, "rb"); local b = f:read("*a"); f:close()\n` +
    `    reqs[i] = wrk.format("POST", "/v1/events", {["Content-Type"] = "${contentType}"}, b)\n  end\nend\n` +
    `request = function()\n  n = n % #reqs + 1\n  return reqs[n]\nend\n`);
  const p = Bun.spawn(["wrk", "-t1", `-c${CONCURRENCY}`, `-d${seconds}s`, "--latency", "-s", script, `${url}/v1/events`], { stdout: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const ms = (re: RegExp) => { const m = re.exec(out); if (!m) return NaN; return Number(m[1]) * (m[2] === "s" ? 1000 : m[2] === "us" ? 0.001 : 1); };
  return {
    requestsPerS: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: ms(/50%\s+([\d.]+)(us|ms|s)/), p99: ms(/99%\s+([\d.]+)(us|ms|s)/),
    errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

async function bunLoad(url: string, bodies: Uint8Array[], contentType: string, seconds: number): Promise<Load> {
  // Without event_ids every request is new data, as with wrk.
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const s = performance.now();
      const body = bodies[next++ % bodies.length]!;
      const res = await fetch(`${url}/v1/events`, { method: "POST", body, headers: { "content-type": contentType } });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      lat.push(performance.now() - s);
    }
  }));
  lat.sort((a, b) => a - b);
  return { requestsPerS: lat.length / seconds, p50: lat[lat.length >> 1]!, p99: lat[Math.floor(lat.length * 0.99)]!, errors };
}

const DERIVED_PARTS = ["rollups", "profiles", "recommendations", "social", "funnels", "audiences"];
const dir = tempDataDir("caracal-bench-");

/** Server arguments, with a config file turning derived parts off as `spec` says. */
function serverArgs(spec: string): string[] {
  const on = spec === "all" ? DERIVED_PARTS : spec === "none" ? [] : spec.split(",");
  for (const p of on) if (!DERIVED_PARTS.includes(p)) throw new Error(`--derived: unknown part ${p} (know ${DERIVED_PARTS.join(", ")})`);
  const config = join(dir, `config-${spec.replaceAll(",", "_")}.json`);
  const funnels = values.funnels ? { funnels: JSON.parse(readFileSync(values.funnels, "utf8")) } : {};
  writeFileSync(config, JSON.stringify({ derived: Object.fromEntries(DERIVED_PARTS.map((p) => [p, on.includes(p)])), ...funnels }));
  return ["--fsync", values.fsync!, "--config", config, ...(values.workers ? ["--workers", values.workers] : [])];
}
try {
  const world = eventStream(Number(values.seed), Number.MAX_SAFE_INTEGER);
  const batches = Array.from({ length: Number(values.bodies) }, () =>
    Array.from({ length: BATCH }, () => { const { event_id: _, ts: __, ...e } = world.next().value! as unknown as Record<string, unknown>; return e; }));
  const bodies = {
    ndjson: batches.map((events) => new TextEncoder().encode(events.map((e) => JSON.stringify(e)).join("\n") + "\n")),
    msgpack: batches.map((events) => pack(events) as Uint8Array),
  };
  console.log(`ingest-http: ${values.bodies} distinct ${BATCH}-event bodies in turn, ${CONCURRENCY} connections, ${SECONDS} s per format after a 3 s warm-up, ` +
    `fsync ${values.fsync}, workers ${values.workers ?? "default"}, client ${hasWrk ? "wrk" : "Bun fetch (competes for the CPU; install wrk)"}`);
  const pairs = Number(values.repeat);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--repeat: a whole number >= 1, not ${values.repeat}`);
  const runs: { format: "ndjson" | "msgpack"; derived: string }[] = values["compare-derived"]
    ? Array.from({ length: pairs }, () => [{ format: "ndjson" as const, derived: "none" }, { format: "ndjson" as const, derived: values.derived! }]).flat()
    : values.formats!.split(",").map((f) => {
      if (f !== "ndjson" && f !== "msgpack") throw new Error(`--formats: ndjson or msgpack, not ${f}`);
      return { format: f, derived: values.derived! };
    });
  const rates: number[] = [];
  for (const { format, derived } of runs) {
    const formatBodies = bodies[format], body = formatBodies[0]!;
    const contentType = format === "ndjson" ? "application/x-ndjson" : "application/msgpack";
    const bodyFiles = formatBodies.map((b, i) => { const f = join(dir, `body.${format}.${i}`); writeFileSync(f, b); return f; });
    const floor = floorPerS(format, body);
    await using srv = await startCaracalProcess({ dataDir: join(dir, `${format}-${rates.length}`), args: serverArgs(derived) });
    const load = (s: number) => hasWrk ? wrkLoad(srv.url, bodyFiles, contentType, s) : bunLoad(srv.url, formatBodies, contentType, s);
    await load(3);
    const cpu0 = cpuSeconds(srv.proc.pid);
    const r = await load(SECONDS);
    const cores = (cpuSeconds(srv.proc.pid) - cpu0) / SECONDS;
    const eventsPerS = r.requestsPerS * BATCH;
    rates.push(eventsPerS);
    console.log(
      `${format.padEnd(8)} derived ${derived}: ${Math.round(eventsPerS).toLocaleString("en")} events/s (${(formatBodies.reduce((a, b) => a + b.length, 0) / formatBodies.length / BATCH).toFixed(0)} B/event), ` +
      `server ${cores.toFixed(2)} cores = ${Math.round(eventsPerS / cores).toLocaleString("en")} events per CPU-second; ` +
      `floor ${format === "ndjson" ? "JSON.parse" : "msgpackr unpack"} ${Math.round(floor).toLocaleString("en")}/s on one core; ` +
      `ratio whole process/floor ${(eventsPerS / floor).toFixed(2)}x, per core ${(eventsPerS / cores / floor).toFixed(2)}x; ` +
      `batch latency p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms; errors ${r.errors}`,
    );
  }
  if (values["compare-derived"]) {
    const ratios = Array.from({ length: pairs }, (_, i) => rates[2 * i + 1]! / rates[2 * i]!);
    const median = ratios.slice().sort((a, b) => a - b)[(pairs - 1) >> 1]!;
    console.log(`derived state (${values.derived}${values.funnels ? `, funnels of ${values.funnels}` : ""}) on vs off: ` +
      (pairs === 1 ? `${median.toFixed(2)}x` : `median ${median.toFixed(2)}x of ${pairs} pairs (${ratios.map((r) => r.toFixed(2)).join(", ")})`) + " (target >= 0.7x)");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
