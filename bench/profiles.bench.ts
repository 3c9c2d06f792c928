// Live user profiles (engine/aggregate/profile-store.ts) against their floor, a JS Map of plain
// objects per user (bench/profile-map-floor.ts), on the same events and the same lookups:
//
//   - ingest: CPU ns per event of consume() alone, while 1M users are created and after; and the CPU
//     time of one feed batch (what a lookup arriving meanwhile waits, on a single-threaded server)
//   - memory: bytes per user (the store's own figure; process RSS growth / heap growth for the floor)
//   - full GC: Bun.gc(true) with the structure live
//   - lookup: in-process latency of lookup() alone (closed loop), and open loop: lookups arriving at
//     50k/s while events arrive at 200k/s, one thread serving both in arrival order; latency is
//     from the scheduled arrival to the answer, so waiting behind an ingest batch or a GC counts
//     (played in virtual time from measured durations: see openLoop).
//
// Events are bench/data.ts's (seeded), re-keyed so that USERS users exist: the first USERS events
// introduce one user each, later ones go to a user chosen by a hash of their session id (a session
// stays with its user). Answers of both structures are compared on a sample of users, and a result
// hash is printed.
//
//   bun bench/profiles.bench.ts [users=1000000] [seed=42] [--store-only]   (BENCH_SECONDS: open-loop seconds, default 4)

import os from "node:os";
import { DEFAULT_PROFILE_CONFIG } from "../engine/aggregate/profile-config.ts";
import { ProfileStore } from "../engine/aggregate/profile-store.ts";
import type { FeedBatch } from "../engine/aggregate/row-feed.ts";
import { ValueIds } from "../engine/aggregate/value-ids.ts";
import { eventStream, type GeneratedEvent } from "./data.ts";
import { EventColumns } from "./event-columns.ts";
import { MapProfiles } from "./profile-map-floor.ts";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const USERS = Number(args[0] ?? 1_000_000);
const SEED = Number(args[1] ?? 42);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const LOOKUP_RATE = 50_000, EVENT_RATE = 200_000, BATCH = 1000;
const WARM = Math.round(2.5 * USERS), LIVE = EVENT_RATE * SECONDS * 2 + 10 * BATCH, GENERATED = Math.min(WARM + LIVE, 600_000);
const config = { ...DEFAULT_PROFILE_CONFIG, usersMax: USERS };
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")} on ${os.cpus().length} cores (figures are from a shared machine)`);
console.log(`profiles: ${USERS} users, ${WARM} events before measuring + ${LIVE} during, seed ${SEED}; open loop ${SECONDS} s x 2 at ${LOOKUP_RATE} lookups/s + ${EVENT_RATE} events/s`);

const keyOf = (idx: number) => `cus_${(idx * 7919 + 104_729).toString(36)}`;

/**
 * GENERATED events from data.ts, replayed as often as needed (times shifted by the stream's span),
 * with user_id re-keyed: event j < USERS introduces user perm(j); later events go to a user chosen by
 * a hash of (session, replay), so a session stays with one user. User codes equal user indexes.
 */
function generate(): EventColumns {
  const t0 = performance.now();
  const base = new EventColumns(GENERATED);
  let chunk: GeneratedEvent[] = [];
  for (const e of eventStream(SEED, GENERATED)) {
    delete e.user_id;
    delete e.anonymous_id;
    chunk.push(e);
    if (chunk.length === BATCH) { base.addChunk(chunk); chunk = []; }
  }
  if (chunk.length) base.addChunk(chunk);
  const cols = new EventColumns(WARM + LIVE, base.dicts);
  const userDict = base.dicts.get("user_id")!, utf8 = new TextEncoder();
  for (let i = 0; i < USERS; i++) { const b = utf8.encode(keyOf(i)); userDict.codeOfBytes(b, 0, b.length); }
  const span = base.receivedAt[base.rowCount - 1]! - base.receivedAt[0]! + 60_000;
  const sessions = base.codes.get("session_id")!;
  for (let j = 0; j < WARM + LIVE; j++) {
    const pass = Math.floor(j / base.rowCount), r = j % base.rowCount;
    const user = j < USERS ? (j * 2_654_435_761) % USERS : (Math.imul(sessions[r]! ^ Math.imul(pass + 1, 0x9e3779b9), 0x85ebca6b) >>> 0) % USERS;
    cols.copyRow(base, r, pass * span, user);
  }
  console.log(`generated ${base.rowCount} events, replayed to ${cols.rowCount}, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return cols;
}

const cols = generate();

function mem() {
  Bun.gc(true);
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

function pct(a: Float64Array, n: number, p: number): number {
  return a[Math.min(n - 1, Math.floor(n * p))]!;
}

const us = (ns: number) => (ns / 1000).toFixed(1);

/** Latency summary of the first n values of `lat` (ns), sorted in place. */
function summary(lat: Float64Array, n: number): string {
  const a = lat.subarray(0, n).sort();
  return `p50 ${us(pct(a, n, 0.5))} µs  p99 ${us(pct(a, n, 0.99))} µs  p99.9 ${us(pct(a, n, 0.999))} µs  max ${us(a[n - 1]!)} µs  (>1 ms: ${a.filter((x) => x > 1e6).length} of ${n})`;
}

interface Subject {
  name: string;
  consume(b: FeedBatch): void;
  lookup(key: string, now: number): unknown;
}

/** Feeds rows [from, to) in batches; ns per event and per-batch times (split at row `split`). */
function feed(s: Subject, from: number, to: number, split: number): void {
  const before: number[] = [], after: number[] = [];
  for (let r = from; r < to; r += BATCH) {
    const b = cols.batch(r, Math.min(to, r + BATCH));
    const c = process.cpuUsage();
    s.consume(b);
    const dc = process.cpuUsage(c);
    (r < split ? before : after).push((dc.user + dc.system) * 1000);
  }
  const show = (xs: number[], label: string) => {
    const a = Float64Array.from(xs).sort();
    const mean = a.reduce((x, y) => x + y, 0) / (a.length * BATCH);
    console.log(`  ingest ${label}: ${mean.toFixed(0)} CPU ns/event; one ${BATCH}-event batch takes p50 ${us(pct(a, a.length, 0.5))} µs, p99 ${us(pct(a, a.length, 0.99))} µs, max ${us(a[a.length - 1]!)} µs of CPU`);
  };
  show(before, `creating ${Math.min(split, to) - from} users`);
  show(after, "existing users   ");
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function closedLoop(s: Subject, n: number, now: number, stringify: boolean): string {
  const r = rng(SEED + 1), lat = new Float64Array(n);
  let sink = 0;
  const c = process.cpuUsage();
  for (let k = 0; k < n; k++) {
    const key = keyOf(Math.floor(r() * USERS));
    const t = Bun.nanoseconds();
    const p = s.lookup(key, now);
    if (stringify) sink += JSON.stringify(p).length;
    lat[k] = Bun.nanoseconds() - t;
    if (p !== undefined) sink++;
  }
  const dc = process.cpuUsage(c);
  return `${summary(lat, n)}  mean CPU ${((dc.user + dc.system) / n).toFixed(2)} µs  [${sink}]`;
}

/**
 * Lookups arriving at LOOKUP_RATE and ingest batches at EVENT_RATE / batch, served by one thread in
 * arrival order. Operations run back to back and are timed; the queue is then played in virtual time
 * (an operation starts at max(its arrival, the previous finish)), so the latency is what one
 * dedicated core would give: waiting behind a batch or a GC pause counts, time this process spends
 * descheduled on a shared machine does not. A batch lasts the process's CPU time (all threads,
 * garbage-collector helpers included); a lookup its wall time, clipped to the CPU time of the run of
 * lookups it belongs to (a lookup is too short to time by CPU; the clip removes descheduling).
 */
function openLoop(s: Subject, fromRow: number, batch: number): { text: string; row: number } {
  const r = rng(SEED + 2), lookups = Math.ceil(SECONDS * LOOKUP_RATE), lat = new Float64Array(lookups);
  const lookupGap = 1e9 / LOOKUP_RATE, ingestGap = (1e9 * batch) / EVENT_RATE;
  const wall = new Float64Array(Math.ceil(ingestGap / lookupGap) + 2);
  let nl = 0, ni = 0, row = fromRow, k = 0, finish = 0, ingestNs = 0;
  while (k < lookups) {
    if (ni <= nl && row + batch <= cols.rowCount) {
      const c = process.cpuUsage();
      s.consume(cols.batch(row, row + batch));
      const dc = process.cpuUsage(c), dt = (dc.user + dc.system) * 1000;
      finish = Math.max(finish, ni) + dt;
      row += batch; ni += ingestGap; ingestNs += dt;
      continue;
    }
    // The lookups that arrive before the next batch.
    let n = 0;
    const c = process.cpuUsage();
    for (let at = nl; n < wall.length && k + n < lookups && (at < ni || row + batch > cols.rowCount); at += lookupGap, n++) {
      const t = Bun.nanoseconds();
      s.lookup(keyOf(Math.floor(r() * USERS)), cols.receivedAt[row - 1]!);
      wall[n] = Bun.nanoseconds() - t;
    }
    const dc = process.cpuUsage(c), cpu = (dc.user + dc.system) * 1000;
    for (let j = 0; j < n; j++, k++, nl += lookupGap) {
      finish = Math.max(finish, nl) + Math.min(wall[j]!, cpu);
      lat[k] = finish - nl;
    }
  }
  return { text: `${summary(lat, k)}; ingest busy ${((ingestNs / (SECONDS * 1e9)) * 100).toFixed(1)}% of the thread`, row };
}

function fullGcMs(): string {
  const t: number[] = [];
  for (let i = 0; i < 3; i++) { const a = Bun.nanoseconds(); Bun.gc(true); t.push((Bun.nanoseconds() - a) / 1e6); }
  return t.map((x) => x.toFixed(1)).join(", ");
}

function measure(s: Subject, memoryLine: () => string): void {
  console.log(`\n${s.name}`);
  feed(s, 0, WARM, USERS);
  console.log(`  memory: ${memoryLine()}`);
  console.log(`  full GC (Bun.gc(true)) with it live: ${fullGcMs()} ms`);
  const now = cols.receivedAt[WARM - 1]!;
  console.log(`  lookup alone (closed loop, 300k):       ${closedLoop(s, 300_000, now, false)}`);
  console.log(`  lookup + JSON.stringify (100k):         ${closedLoop(s, 100_000, now, true)}`);
  const a = openLoop(s, WARM, BATCH);
  console.log(`  open loop, ingest in ${BATCH}-event batches: ${a.text}`);
  const b = openLoop(s, a.row, 250);
  console.log(`  open loop, ingest in 250-event batches:  ${b.text}`);
  if (b.row < cols.rowCount) s.consume(cols.batch(b.row, cols.rowCount));
}

const users = new ValueIds();
const m0 = mem();
const store = new ProfileStore(users, config);
measure({ name: "ProfileStore (typed arrays)", consume: (b) => store.consume(b), lookup: (k, now) => store.lookup(k, now) }, () => {
  const m = mem();
  return `bytesPerUser ${store.bytesPerUser}; bytes ${(store.bytes / 2 ** 20).toFixed(0)} MiB = ${(store.bytes / store.userCount).toFixed(0)} per user for ${store.userCount} users; ` +
    `RSS growth ${((m.rss - m0.rss) / store.userCount).toFixed(0)} B/user incl. the users ValueIds (${(users.bytes / store.userCount).toFixed(0)} B/user)`;
});

if (process.argv.includes("--store-only")) process.exit(0);
const m1 = mem();
const floor = new MapProfiles(config);
measure({ name: "Floor: Map of plain objects", consume: (b) => floor.consume(b), lookup: (k, now) => floor.lookup(k, now) }, () => {
  const m = mem();
  return `heap growth ${((m.heap - m1.heap) / floor.map.size).toFixed(0)} B/user, RSS growth ${((m.rss - m1.rss) / floor.map.size).toFixed(0)} B/user for ${floor.map.size} users`;
});

const now = cols.receivedAt[cols.rowCount - 1]!, r = rng(SEED + 3);
let same = 0, hash = 0;
for (let k = 0; k < 2000; k++) {
  const key = keyOf(Math.floor(r() * USERS));
  const a = JSON.stringify(store.lookup(key, now)), b = JSON.stringify(floor.lookup(key, now));
  if (a === b) same++;
  for (let i = 0; i < a.length; i++) hash = (Math.imul(hash, 31) + a.charCodeAt(i)) | 0;
}
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
console.log(`\nanswers equal on ${same} of 2000 sampled users; result hash ${(hash >>> 0).toString(16)}; evictions ${store.counters.evictions}`);
