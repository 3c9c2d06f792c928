// Ingest throughput over HTTP, end to end: the real server (child process, fsync policy `batch`,
// acknowledged = fsynced), 1000-event bodies, NDJSON and MessagePack, against floors measured in
// the same run: JSON.parse of every NDJSON line and msgpackr unpack of every body, one core.
// Per-core figures divide by the CPU seconds the server process used (from /proc), so a second
// parser core shows up as what it is.
//
//   bun bench/ingest-http.bench.ts [--events N] [--concurrency C] [--workers W] [--fsync P]

import { readFileSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { pack, unpack } from "msgpackr";
import { generateEvents } from "./data.ts";
import { startCaracalProcess, tempDataDir } from "../test/helpers/caracal-process.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "400000" },
    concurrency: { type: "string", default: "8" },
    workers: { type: "string" },
    fsync: { type: "string", default: "batch" },
    seed: { type: "string", default: "1" },
  },
});
const TOTAL = Number(values.events);
const BATCH = 1000;
const CONCURRENCY = Number(values.concurrency);
const SEED = Number(values.seed);

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

function bodies(format: "ndjson" | "msgpack", prefix: string): Uint8Array[] {
  const events = generateEvents(SEED, TOTAL) as unknown as Record<string, unknown>[];
  const out: Uint8Array[] = [];
  for (let b = 0; b < TOTAL / BATCH; b++) {
    const slice = events.slice(b * BATCH, (b + 1) * BATCH).map((e, i) => ({ ...e, event_id: `${prefix}-${b}-${i}` }));
    out.push(format === "ndjson" ? new TextEncoder().encode(slice.map((e) => JSON.stringify(e)).join("\n") + "\n") : pack(slice));
  }
  return out;
}

function floor(format: "ndjson" | "msgpack", list: Uint8Array[]): number {
  const t0 = performance.now();
  let n = 0;
  if (format === "ndjson") {
    const dec = new TextDecoder();
    for (const b of list) for (const line of dec.decode(b).split("\n")) if (line) { JSON.parse(line); n++; }
  } else {
    for (const b of list) n += (unpack(b) as unknown[]).length;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function run(url: string, pid: number, format: "ndjson" | "msgpack", list: Uint8Array[]) {
  const contentType = format === "ndjson" ? "application/x-ndjson" : "application/msgpack";
  let next = 0, accepted = 0;
  const lat: number[] = [];
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < list.length) {
      const body = list[next++]!;
      const s = performance.now();
      const res = await fetch(`${url}/v1/events`, { method: "POST", body, headers: { "content-type": contentType } });
      const r = (await res.json()) as { accepted: number };
      if (res.status !== 200) throw new Error(`status ${res.status}: ${JSON.stringify(r)}`);
      accepted += r.accepted;
      lat.push(performance.now() - s);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  lat.sort((a, b) => a - b);
  return { accepted, eventsPerS: accepted / seconds, eventsPerCpuS: accepted / cpu, cpuCores: cpu / seconds, p50: lat[lat.length >> 1]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

const dataDir = tempDataDir("caracal-bench-");
const args = ["--fsync", values.fsync!, ...(values.workers ? ["--workers", values.workers] : [])];
try {
  console.log(`ingest-http: ${TOTAL} events per format, ${BATCH}-event bodies, concurrency ${CONCURRENCY}, fsync ${values.fsync}, seed ${SEED}`);
  for (const format of ["ndjson", "msgpack"] as const) {
    const list = bodies(format, format);
    const floorPerS = floor(format, list);
    await using srv = await startCaracalProcess({ dataDir: `${dataDir}/${format}`, args });
    const r = await run(srv.url, srv.proc.pid, format, list);
    console.log(
      `${format.padEnd(8)} ${Math.round(r.eventsPerS).toLocaleString("en")} events/s  ` +
      `(server used ${r.cpuCores.toFixed(2)} cores; ${Math.round(r.eventsPerCpuS).toLocaleString("en")} events per CPU-second)  ` +
      `floor ${format === "ndjson" ? "JSON.parse" : "msgpackr unpack"} ${Math.round(floorPerS).toLocaleString("en")}/s on one core  ` +
      `ratio process/floor ${(r.eventsPerS / floorPerS).toFixed(2)}x, per core ${(r.eventsPerCpuS / floorPerS).toFixed(2)}x  ` +
      `batch latency p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms`,
    );
    if (r.accepted !== list.length * BATCH) throw new Error(`accepted ${r.accepted} of ${list.length * BATCH}`);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
