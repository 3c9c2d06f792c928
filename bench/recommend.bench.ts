// Recommendations (engine/aggregate/recommender.ts) on realistic events (bench/data.ts: Zipf users and
// items, 200 categories, sessions): the component's ingest cost per event, fed exactly as the server
// feeds it (FeedBatches over a real Table); recommend() latency in process for known users, context
// items and unknown users, allocation-free (recommendInto) and object form; heap growth per request;
// memory. Floor: a consumer that reads the same columns and does nothing else, over the same batches.
// The longest consume() of one scan batch bounds how long a request can wait behind ingest (both run
// on one thread). A hash of every answer is printed, so two runs can be compared.
//
//   bun bench/recommend.bench.ts [events=1000000] [seed=42] [requests=100000]

import { RECO_COLUMNS, Recommender } from "../engine/aggregate/recommender.ts";
import { RecoResult } from "../engine/aggregate/reco-serve.ts";
import type { FeedBatch } from "../engine/aggregate/row-feed.ts";
import { ValueIds } from "../engine/aggregate/value-ids.ts";
import { decodeBatch } from "../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { Table } from "../engine/store/table.ts";
import { feedBatches } from "../test/helpers/event-feed.ts";
import { eventStream, type GeneratedEvent } from "./data.ts";
import { eventsBatch } from "./events-batch.ts";
import { heapStats } from "bun:jsc";
import { cpus, loadavg } from "node:os";

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const SEED = Number(process.argv[3] ?? 42);
const REQUESTS = Number(process.argv[4] ?? 100_000);
console.log(`recommend: ${EVENTS} events, seed ${SEED}, ${REQUESTS} requests per case; load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} on ${cpus().length} cores`);

const table = new Table(EVENTS_SCHEMA);
let pending: GeneratedEvent[] = [];
const itemsSeen: string[] = [], usersSeen: string[] = [];
for (const e of eventStream(SEED, EVENTS)) {
  pending.push(e);
  if (e.item_id && e.type !== "iot_reading") { itemsSeen.push(e.item_id); usersSeen.push(e.user_id ?? e.anonymous_id!); }
  if (pending.length === 5000) { table.appendBatch(decodeBatch(eventsBatch(pending)), null); pending = []; }
}
if (pending.length) table.appendBatch(decodeBatch(eventsBatch(pending)), null);
const lastTs = (() => { let t = 0; for (const b of table.scan({ columns: ["ts"], fromRow: 0 })) for (let i = 0; i < b.rowCount; i++) t = Math.max(t, b.vectors[0]!.f64![i]!); return t; })();

/** Same columns, no work: what reading the batches costs. */
class Floor {
  sum = 0;
  consume(b: FeedBatch): void {
    const cols = RECO_COLUMNS.map((c) => b.column(c));
    for (let i = b.begin; i < b.end; i++) for (const v of cols) if (v?.codes) this.sum += v.codes[i]!; else if (v?.f64) this.sum += v.f64[i]!;
  }
}

function feedTimed(consumer: { consume(b: FeedBatch): void }) {
  const batchMs: number[] = [], lateMs: number[] = [];
  let ms = 0, cpuUs = 0, secondHalfMs = 0;
  for (const b of feedBatches(table, 0, RECO_COLUMNS)) {
    const c0 = process.cpuUsage(), t0 = Bun.nanoseconds();
    consumer.consume(b);
    const d = (Bun.nanoseconds() - t0) / 1e6, c = process.cpuUsage(c0);
    ms += d;
    if (b.firstRow >= EVENTS / 2) { secondHalfMs += d; lateMs.push(d); }
    cpuUs += c.user + c.system;
    batchMs.push(d);
  }
  batchMs.sort((a, b) => a - b);
  lateMs.sort((a, b) => a - b);
  return {
    ms, cpuMs: cpuUs / 1000, secondHalfMs, batchMsMax: batchMs[batchMs.length - 1]!, batchMsP99: batchMs[Math.floor(batchMs.length * 0.99)]!,
    lateMsP50: lateMs[Math.floor(lateMs.length / 2)] ?? 0, lateMsMax: lateMs[lateMs.length - 1] ?? 0,
  };
}

const floor = feedTimed(new Floor());
const users = new ValueIds();
const r = new Recommender(users);
Bun.gc(true);
const ingest = feedTimed(r);
const s = r.stats();
const nsPer = (ms: number, n: number) => ((ms * 1e6) / n).toFixed(0);
console.log(`ingest: ${nsPer(ingest.ms, EVENTS)} ns/event wall, ${nsPer(ingest.cpuMs, EVENTS)} ns/event CPU (process, GC threads included) over all ${EVENTS} events (${nsPer(ingest.ms, s.itemEvents)} ns per counted item event, ` +
  `${s.itemEvents} of them, ${s.pairs} pair updates); second half of the stream ${nsPer(ingest.secondHalfMs, EVENTS - Math.floor(EVENTS / 2))} ns/event; floor (read the same columns) ${nsPer(floor.ms, EVENTS)} ns/event, ratio ${(ingest.ms / floor.ms).toFixed(1)}x`);
console.log(`ingest: one scan batch (4096 rows) consumed in p99 ${ingest.batchMsP99.toFixed(2)} ms, max ${ingest.batchMsMax.toFixed(2)} ms (array growth and GC while filling); ` +
  `second half p50 ${ingest.lateMsP50.toFixed(2)} ms, max ${ingest.lateMsMax.toFixed(2)} ms: the longest a request waits behind ingest on the same thread`);
console.log(`state: ${(s.bytes / 1048576).toFixed(1)} MiB (${s.items} items, ${s.categories} categories, ${s.neighbourBlocks} neighbour summaries, ` +
  `${r.userRings.capacity} user slots); evictions: ${s.neighbourReplacements} neighbour counters, ${s.neighbourBlockEvictions} summaries, ` +
  `${s.sessionsEvicted} live sessions; ${s.sessionsExpired} sessions ended by gap`);

// Requests: a known user (has history), a context item (sampled like traffic: Zipf), both, an unknown
// user. Arguments come from string pools by index (an Int32Array), so the loop itself allocates
// nothing and the figures are the component's.
const rand = (() => { let a = SEED >>> 0; return () => { a = (a + 0x6d2b79f5) >>> 0; let t = Math.imul(a ^ (a >>> 15), a | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; })();
const knownPool = [...new Set(usersSeen.filter((u) => r.userRings.has(users.find(u))))];
const itemPool = itemsSeen;
const unknownPool = Array.from({ length: 1000 }, (_, i) => `nobody-${i}`);
const now = lastTs + 60_000;
const out = new RecoResult(r.config.kMax);
let hash = 0x811c9dc5;
const pick = (pool: readonly string[]) => Math.floor(rand() * pool.length);
const cases: [string, string[] | null, string[] | null][] = [
  ["known user", knownPool, null], ["context item", null, itemPool], ["known user + context", knownPool, itemPool], ["unknown user", unknownPool, null],
];
const pct = (xs: Float64Array, p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const us = (x: number) => (x / 1000).toFixed(1);
for (const [name, userPool, ctxPool] of cases) {
  const ui = Int32Array.from({ length: REQUESTS }, () => (userPool ? pick(userPool) : -1));
  const ci = Int32Array.from({ length: REQUESTS }, () => (ctxPool ? pick(ctxPool) : -1));
  const userAt = (i: number) => (userPool ? userPool[ui[i]!]! : null), ctxAt = (i: number) => (ctxPool ? ctxPool[ci[i]!]! : null);
  for (let i = 0; i < 5000; i++) r.recommendInto(out, userAt(i), 10, ctxAt(i), now); // warm up
  const lat = new Float64Array(REQUESTS);
  let filled = 0, over1ms = 0;
  // Allocation: the same requests with nothing else in the loop, heap measured around it.
  Bun.gc(true);
  const heap0 = heapStats().heapSize;
  for (let i = 0; i < REQUESTS; i++) r.recommendInto(out, userAt(i), 10, ctxAt(i), now);
  const heapPer = (heapStats().heapSize - heap0) / REQUESTS;
  Bun.gc(true);
  const cpu0 = process.cpuUsage(), wall0 = Bun.nanoseconds();
  for (let i = 0; i < REQUESTS; i++) {
    const u = userAt(i), c = ctxAt(i);
    const t0 = Bun.nanoseconds();
    const n = r.recommendInto(out, u, 10, c, now);
    const d = (lat[i] = Bun.nanoseconds() - t0);
    if (d > 1e6) over1ms++;
    filled += n;
    for (let j = 0; j < n; j++) hash = Math.imul(hash ^ out.items[j]!, 0x01000193);
  }
  const cpu = process.cpuUsage(cpu0), cpuPer = ((cpu.user + cpu.system) * 1000) / REQUESTS, wallPer = (Bun.nanoseconds() - wall0) / REQUESTS;
  lat.sort();
  const objLat = new Float64Array(REQUESTS / 10);
  for (let i = 0; i < objLat.length; i++) {
    const u = userAt(i), c = ctxAt(i);
    const t0 = Bun.nanoseconds();
    r.recommend(u, 10, c, now);
    objLat[i] = Bun.nanoseconds() - t0;
  }
  objLat.sort();
  console.log(`recommend ${name.padEnd(21)} p50 ${us(pct(lat, 0.5))} µs, p99 ${us(pct(lat, 0.99))} µs, p99.9 ${us(pct(lat, 0.999))} µs, ` +
    `max ${us(lat[lat.length - 1]!)} µs, ${over1ms} of ${REQUESTS} over 1 ms; CPU ${us(cpuPer)} µs/request (wall ${us(wallPer)}); ` +
    `${(filled / REQUESTS).toFixed(1)} results; heap ${heapPer >= 0 ? "+" : ""}${heapPer.toFixed(1)} B/request; object form p50 ${us(pct(objLat, 0.5))} µs, p99 ${us(pct(objLat, 0.99))} µs`);
}
const e0 = Bun.nanoseconds();
const bytes = r.encode();
const e1 = Bun.nanoseconds();
new Recommender(new ValueIds()).decode(bytes);
const e2 = Bun.nanoseconds();
console.log(`checkpoint: ${(bytes.length / 1048576).toFixed(1)} MiB, encode ${((e1 - e0) / 1e6).toFixed(0)} ms, decode ${((e2 - e1) / 1e6).toFixed(0)} ms`);
console.log(`result hash ${(hash >>> 0).toString(16)}`);
