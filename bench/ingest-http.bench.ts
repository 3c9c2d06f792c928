// Ingest throughput over HTTP, end to end: the real server (child process, fsync policy `batch`:
// acknowledged = fsynced), 1000-event bodies of realistic events, NDJSON and MessagePack, against
// floors measured in the same run on the same body: JSON.parse of every NDJSON line, and msgpackr
// unpack of the body, on one core. Per-core figures divide by the CPU seconds the server used
// (from /proc), so a second parser thread shows up as what it is.
//
// The load comes from wrk (Debian package `wrk`), a C client that leaves the two cores to the
// server; the body carries no event_id, so the server generates ids and nothing is de-duplicated.
// Without wrk a Bun client is used, which competes with the server for the CPU (the report says so).
//
//   bun bench/ingest-http.bench.ts [--seconds 10] [--concurrency 8] [--workers W] [--fsync P] [--seed 7]

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pack, unpack } from "msgpackr";
import { generateEvents } from "./data.ts";
import { startCaracalProcess, tempDataDir } from "../test/helpers/caracal-process.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "8" },
    workers: { type: "string" },
    fsync: { type: "string", default: "batch" },
    seed: { type: "string", default: "7" },
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

async function wrkLoad(url: string, bodyFile: string, contentType: string, seconds: number): Promise<Load> {
  const script = join(bodyFile + ".lua");
  writeFileSync(script, `local f = io.open("${bodyFile}", "rb"); local b = f:read("*a"); f:close()\n` +
    `wrk.method = "POST"; wrk.body = b; wrk.headers["Content-Type"] = "${contentType}"\n`);
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

async function bunLoad(url: string, body: Uint8Array, contentType: string, seconds: number): Promise<Load> {
  // Without event_ids every request is new data, as with wrk.
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const s = performance.now();
      const res = await fetch(`${url}/v1/events`, { method: "POST", body, headers: { "content-type": contentType } });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      lat.push(performance.now() - s);
    }
  }));
  lat.sort((a, b) => a - b);
  return { requestsPerS: lat.length / seconds, p50: lat[lat.length >> 1]!, p99: lat[Math.floor(lat.length * 0.99)]!, errors };
}

const dir = tempDataDir("caracal-bench-");
const args = ["--fsync", values.fsync!, ...(values.workers ? ["--workers", values.workers] : [])];
try {
  const events = (generateEvents(Number(values.seed), BATCH) as unknown as Record<string, unknown>[]).map(({ event_id: _, ...e }) => e);
  const bodies = {
    ndjson: new TextEncoder().encode(events.map((e) => JSON.stringify(e)).join("\n") + "\n"),
    msgpack: pack(events) as Uint8Array,
  };
  console.log(`ingest-http: ${BATCH}-event bodies, ${CONCURRENCY} connections, ${SECONDS} s per format after a 3 s warm-up, ` +
    `fsync ${values.fsync}, workers ${values.workers ?? "default"}, client ${hasWrk ? "wrk" : "Bun fetch (competes for the CPU; install wrk)"}`);
  for (const format of ["ndjson", "msgpack"] as const) {
    const body = bodies[format];
    const contentType = format === "ndjson" ? "application/x-ndjson" : "application/msgpack";
    const bodyFile = join(dir, `body.${format}`);
    writeFileSync(bodyFile, body);
    const floor = floorPerS(format, body);
    await using srv = await startCaracalProcess({ dataDir: join(dir, format), args });
    const load = (s: number) => hasWrk ? wrkLoad(srv.url, bodyFile, contentType, s) : bunLoad(srv.url, body, contentType, s);
    await load(3);
    const cpu0 = cpuSeconds(srv.proc.pid);
    const r = await load(SECONDS);
    const cores = (cpuSeconds(srv.proc.pid) - cpu0) / SECONDS;
    const eventsPerS = r.requestsPerS * BATCH;
    console.log(
      `${format.padEnd(8)} ${Math.round(eventsPerS).toLocaleString("en")} events/s (${(body.length / BATCH).toFixed(0)} B/event), ` +
      `server ${cores.toFixed(2)} cores = ${Math.round(eventsPerS / cores).toLocaleString("en")} events per CPU-second; ` +
      `floor ${format === "ndjson" ? "JSON.parse" : "msgpackr unpack"} ${Math.round(floor).toLocaleString("en")}/s on one core; ` +
      `ratio whole process/floor ${(eventsPerS / floor).toFixed(2)}x, per core ${(eventsPerS / cores / floor).toFixed(2)}x; ` +
      `batch latency p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms; errors ${r.errors}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
