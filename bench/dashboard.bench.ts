// Dashboard server cost: the real server's CPU (from /proc: user + system time of the process, every
// thread) while a light ingest runs (--rate events/s, default 1000: a quiet campaign), first with no
// dashboard open (the floor), then with --pages live dashboards subscribed over /v1/dashboard/ws
// (what each open page holds), all on one view (a wall of identical screens: one computation a second
// shared by all), then each on its own view (worst case: one computation per page per second). Each
// phase also counts the pushes the clients received, so a silent feed cannot pass for a cheap one.
//
//   bun bench/dashboard.bench.ts [--pages 20] [--seconds 20] [--rate 1000]

import { readFileSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { startCaracalProcess, tempDataDir } from "../test/helpers/caracal-process.ts";
import { eventStream } from "./data.ts";

const { values } = parseArgs({ options: { pages: { type: "string" }, seconds: { type: "string" }, rate: { type: "string" } } });
const PAGES = Number(values.pages ?? 20), SECONDS = Number(values.seconds ?? 20), RATE = Number(values.rate ?? 1000);
const TICKS = 100; // USER_HZ on Linux

const dataDir = tempDataDir("caracal-dashboard-");
const server = await startCaracalProcess({ dataDir });
const cpuSeconds = () => {
  const f = readFileSync(`/proc/${server.proc.pid}/stat`, "utf8");
  const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) / TICKS; // utime, stime (fields 14 and 15)
};

const events = eventStream(11, Number.MAX_SAFE_INTEGER);
let ingesting = true, sent = 0;
const ingest = (async () => {
  // Ten bodies a second, event times now, so every panel of the last hour moves.
  const perBody = Math.max(1, Math.round(RATE / 10));
  while (ingesting) {
    const t0 = performance.now(), now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < perBody; i++) lines.push(JSON.stringify({ ...events.next().value!, ts: now - i }));
    const r = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines.join("\n") });
    await r.arrayBuffer();
    sent += perBody;
    await Bun.sleep(Math.max(0, 100 - (performance.now() - t0)));
  }
})();

async function phase(name: string, views: (i: number) => string | null): Promise<number> {
  const sockets: WebSocket[] = [];
  let pushes = 0, bytes = 0;
  const wsUrl = server.url.replace("http", "ws");
  for (let i = 0; i < PAGES; i++) {
    const view = views(i);
    if (view === null) break;
    const ws = new WebSocket(`${wsUrl}/v1/dashboard/ws?${view}`);
    ws.onmessage = (m) => { pushes++; bytes += typeof m.data === "string" ? m.data.length : (m.data as ArrayBuffer).byteLength; };
    await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error("dashboard WebSocket failed")); });
    sockets.push(ws);
  }
  await Bun.sleep(2000); // first full pushes out of the way
  pushes = 0; bytes = 0;
  const c0 = cpuSeconds(), t0 = performance.now();
  await Bun.sleep(SECONDS * 1000);
  const cpu = (cpuSeconds() - c0) / ((performance.now() - t0) / 1000);
  for (const ws of sockets) ws.close();
  console.log(`${name}: server CPU ${(cpu * 100).toFixed(1)}% of one core; ${sockets.length} pages, ` +
    `${(pushes / SECONDS).toFixed(1)} pushes/s received, ${(bytes / SECONDS / 1024).toFixed(1)} KiB/s`);
  await Bun.sleep(1500);
  return cpu;
}

try {
  await Bun.sleep(3000); // warm-up ingest
  const floor = await phase(`no page open, ingest ${RATE}/s`, () => null);
  const shared = await phase(`${PAGES} pages on one view`, () => "minutes=60");
  const own = await phase(`${PAGES} pages, each its own view`, (i) => `minutes=${30 + i}`);
  console.log(`dashboard cost at ${PAGES} pages: +${((shared - floor) * 100).toFixed(1)} points of a core on one view, ` +
    `+${((own - floor) * 100).toFixed(1)} points with ${PAGES} distinct views (floor ${(floor * 100).toFixed(1)}% with ingest alone; ${sent} events ingested)`);
} finally {
  ingesting = false;
  await ingest.catch(() => {});
  await server.terminate();
  rmSync(dataDir, { recursive: true, force: true });
}
