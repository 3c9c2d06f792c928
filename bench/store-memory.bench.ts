// Memory and speed of the in-memory store on realistic events (bench/data.ts): bytes per stored event
// (Table.memoryBytes: every typed array, dictionaries included) with a per-column breakdown, process
// RSS and heap growth per event, append throughput (appendBatch alone), and scan throughput for a sum
// over `revenue` and a count by `campaign` code. Both scan answers are checked against values
// computed while generating, and a result hash is printed, so a broken store cannot look fast.
//
//   bun bench/store-memory.bench.ts [events=2000000] [seed=42]

import { decodeBatch } from "../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { LIMITS } from "../engine/core/limits.ts";
import { Table } from "../engine/store/table.ts";
import { eventStream, type GeneratedEvent } from "./data.ts";
import { eventsBatch } from "./events-batch.ts";

const EVENTS = Number(process.argv[2] ?? 2_000_000);
const SEED = Number(process.argv[3] ?? 42);
const BATCH = 1000;
console.log(`store-memory: ${EVENTS} events, seed ${SEED}, segment ${LIMITS.SEGMENT_ROWS} rows, scan batch ${LIMITS.SCAN_BATCH_ROWS}`);

function mem() {
  Bun.gc(true);
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, buffers: m.arrayBuffers };
}

const table = new Table(EVENTS_SCHEMA);
const before = mem();
let appendMs = 0, prepMs = 0, expectRevenue = 0;
const batchMs: number[] = [];
const expectCampaigns = new Map<string, number>();
let pending: GeneratedEvent[] = [];
const t0 = performance.now();
const flush = () => {
  const p0 = performance.now();
  const batch = decodeBatch(eventsBatch(pending));
  const a0 = performance.now();
  table.appendBatch(batch, null);
  const a1 = performance.now();
  appendMs += a1 - a0;
  batchMs.push(a1 - a0);
  prepMs += a0 - p0;
  pending = [];
};
for (const e of eventStream(SEED, EVENTS)) {
  if (e.revenue !== undefined) expectRevenue += e.revenue;
  if (e.campaign !== undefined) expectCampaigns.set(e.campaign, (expectCampaigns.get(e.campaign) ?? 0) + 1);
  pending.push(e);
  if (pending.length === BATCH) flush();
}
if (pending.length) flush();
const s0 = performance.now();
table.seal();
const sealMs = performance.now() - s0;
const totalMs = performance.now() - t0;
const after = mem();

const rows = table.rowCount;
const bytes = table.memoryBytes();
const perEvent = (x: number) => (x / rows).toFixed(2);
console.log(`\nrows ${rows}; generate+encode+decode ${(totalMs - appendMs - sealMs).toFixed(0)} ms (encode+decode ${prepMs.toFixed(0)} ms)`);
console.log(`memoryBytes ${(bytes / 2 ** 20).toFixed(1)} MiB = ${perEvent(bytes)} bytes/event (target <= 40)`);
console.log(`process growth per event: rss ${perEvent(after.rss - before.rss)} B, heap ${perEvent(after.heap - before.heap)} B, array buffers ${perEvent(after.buffers - before.buffers)} B`);
batchMs.sort((a, b) => a - b);
const pct = (p: number) => batchMs[Math.min(batchMs.length - 1, Math.floor(batchMs.length * p))]!.toFixed(2);
console.log(`append ${(rows / (appendMs / 1000) / 1e6).toFixed(2)} M events/s (appendBatch alone, incl. incremental sealing: ${appendMs.toFixed(0)} ms); final seal() ${sealMs.toFixed(1)} ms`);
// The slowest calls include garbage-collector pauses caused by this bench's own generator.
console.log(`appendBatch(1000 events) ms: p50 ${pct(0.5)}, p99 ${pct(0.99)}, max ${pct(1)}`);

console.log("\ncolumn            bytes/event  dict values  dict bytes/event  encodings");
for (const c of table.columnMemory().sort((a, b) => b.bytes - a.bytes)) {
  const enc = Object.entries(c.encodings).map(([k, v]) => `${k}:${v}`).join(" ");
  console.log(`${c.name.padEnd(18)}${perEvent(c.bytes).padStart(11)}  ${String(c.dictionaryValues).padStart(11)}  ${perEvent(c.dictionaryBytes).padStart(16)}  ${enc}`);
}

/** Runs `fn` (one full scan) for at least 1 s after a warm-up; rows per second. */
function timed<T>(fn: () => T): { value: T; rowsPerS: number } {
  let value = fn();
  let reps = 0;
  const t = performance.now();
  while (performance.now() - t < 1000) { value = fn(); reps++; }
  return { value, rowsPerS: (rows * reps) / ((performance.now() - t) / 1000) };
}

const sumRevenue = timed(() => {
  let sum = 0;
  for (const b of table.scan({ columns: ["revenue"] })) {
    const v = b.vectors[0]!, f = v.f64!, valid = v.validity;
    if (valid === null) for (let i = 0; i < b.rowCount; i++) sum += f[i]!;
    else for (let i = 0; i < b.rowCount; i++) if ((valid[i >> 3]! & (1 << (i & 7))) !== 0) sum += f[i]!;
  }
  return sum;
});
const byCampaign = timed(() => {
  const dict = table.dictionary("campaign")!;
  const counts = new Float64Array(dict.size);
  for (const b of table.scan({ columns: ["campaign"] })) {
    const v = b.vectors[0]!, codes = v.codes!, valid = v.validity;
    if (valid === null) for (let i = 0; i < b.rowCount; i++) counts[codes[i]!]!++;
    else for (let i = 0; i < b.rowCount; i++) counts[codes[i]!]! += (valid[i >> 3]! >> (i & 7)) & 1;
  }
  return counts;
});

const dict = table.dictionary("campaign")!;
let campaignsOk = dict.size === expectCampaigns.size;
let hash = 0;
for (let c = 0; c < dict.size; c++) {
  if (expectCampaigns.get(dict.get(c)) !== byCampaign.value[c]) campaignsOk = false;
  hash = (Math.imul(hash, 31) + byCampaign.value[c]!) | 0;
}
console.log(`\nscan sum(revenue): ${(sumRevenue.rowsPerS / 1e6).toFixed(0)} M rows/s, result ${sumRevenue.value.toFixed(2)} (${sumRevenue.value === expectRevenue ? "ok" : `MISMATCH, expected ${expectRevenue}`})`);
console.log(`scan count by campaign: ${(byCampaign.rowsPerS / 1e6).toFixed(0)} M rows/s, ${dict.size} campaigns (${campaignsOk ? "ok" : "MISMATCH"})`);
console.log(`result hash ${(hash >>> 0).toString(16)} ${sumRevenue.value.toFixed(2)}`);
// An open tail is allocated at full capacity: a fixed cost per table, not per event.
const sealedBytes = table.memoryBytes();
table.appendBatch(decodeBatch(eventsBatch([...eventStream(SEED + 1, 1)])), null);
console.log(`an open tail adds ${((table.memoryBytes() - sealedBytes) / 2 ** 20).toFixed(1)} MiB (fixed, at ${LIMITS.SEGMENT_ROWS} rows capacity)`);
if (!campaignsOk || sumRevenue.value !== expectRevenue) process.exit(1);
