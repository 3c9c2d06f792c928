// Roaring-bitmap audiences on 10M users: ingest cost of the RowConsumer, pauses, memory of the index,
// and set algebra counts (target: < 1 ms), with roaring-wasm (CRoaring in WebAssembly, which
// bitmaps.ts wrapped before) timed on the same sets in the same run.
//
// Data (seeded): USERS users with keys "cus_" + 7 base36 characters in a global dictionary, EVENTS
// events over DAYS days (~EVENTS/DAYS a day, 10% of them up to 2 days late). The first USERS events
// visit every user once in a pseudo-random order (so every user exists); the rest pick user
// floor(USERS * u1 * u2) for two uniform draws (density -ln x: low ranks are picked more often). 23 event types with the weights of
// bench/data.ts (page_view 34%, purchase 1.2%, ...), 100 campaigns (Zipf) on 40% of events, 200
// categories (Zipf) on commerce events. Batches are FeedBatches of 4096 rows built directly (codes
// into our own dictionaries), so the figures are the consumer's alone, not the store's.
//
// Phases: (1) ingest the first 60% with no audience defined (index only); (2) define 5 audiences
// (full evaluation each); (3) ingest the rest with them kept up to date (index + scoped
// re-evaluation per batch, full re-evaluation on each new day); (4) set algebra through
// Audiences.setAlgebra (validation included), then as raw calls on the operands' bitmaps, ours and
// roaring-wasm's (built from our serialized bytes: the same sets), p50/p99 over 20 to 2000 runs each
// (a second per operation); floor: the same AND count over two flat bitsets in JS (one bit per user,
// popcount of ANDed words).
//
//   bun bench/audiences.bench.ts [users=10000000] [events=15000000] [seed=7]

import { RoaringBitmap32, roaringLibraryInitialize } from "roaring-wasm";
import { Audiences } from "../engine/aggregate/audiences.ts";
import { Bitmap } from "../engine/aggregate/bitmaps.ts";
import type { FeedBatch } from "../engine/aggregate/row-feed.ts";
import { StringDictionary } from "../engine/column/string-dictionary.ts";
import type { Vector } from "../engine/column/vector.ts";
import { ColumnType } from "../engine/core/types.ts";
import { mulberry32 as rng } from "../test/sim/rng.ts";

const USERS = Number(process.argv[2] ?? 10_000_000);
const EVENTS = Number(process.argv[3] ?? 15_000_000);
const SEED = Number(process.argv[4] ?? 7);
const DAYS = 30;
const BATCH = 4096;
/** Runs per measured operation: at least RUNS_MIN, then until a second has passed or RUNS_MAX. */
const RUNS_MIN = 20, RUNS_MAX = 2000;
const DAY_MS = 86_400_000;
const START_DAY = Date.UTC(2025, 2, 1) / DAY_MS;


/** Inverse-CDF sampler over weights. */
function sampler(weights: readonly number[], rand: () => number): () => number {
  const cdf = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (cdf[i] = sum += w));
  return () => {
    const x = rand() * sum;
    let lo = 0, hi = weights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const TYPES: [string, number][] = [["page_view", 34], ["click", 9], ["scroll", 6], ["search", 4], ["video_play", 2], ["view_item", 8],
  ["add_to_cart", 3], ["remove_from_cart", 0.5], ["checkout_started", 1], ["purchase", 1.2], ["refund", 0.1], ["impression", 12],
  ["ad_click", 1.5], ["bid", 4], ["win", 2.5], ["signup", 0.4], ["login", 1.5], ["email_open", 3], ["email_click", 1],
  ["social_post", 0.8], ["social_like", 2.5], ["iot_reading", 2], ["screen_view", 5]];
const COMMERCE = new Set(["view_item", "add_to_cart", "remove_from_cart", "purchase", "refund"]);

function dictOf(values: readonly string[]): StringDictionary {
  const d = new StringDictionary();
  const enc = new TextEncoder();
  for (const v of values) {
    const b = enc.encode(v);
    d.codeOfBytes(b, 0, b.length);
  }
  return d;
}

function userDictionary(n: number): StringDictionary {
  const d = new StringDictionary();
  const key = new Uint8Array(11);
  key.set([99, 117, 115, 95]); // "cus_"
  const digits = new TextEncoder().encode("0123456789abcdefghijklmnopqrstuvwxyz");
  for (let i = 0; i < n; i++) {
    for (let k = 10, x = i; k >= 4; k--, x = Math.floor(x / 36)) key[k] = digits[x % 36]!;
    d.codeOfBytes(key, 0, 11);
  }
  return d;
}

const strVec = (dict: StringDictionary): Vector => ({ type: ColumnType.STRING, validity: null, f64: null, i32: null, u8: null, codes: new Uint32Array(BATCH), dict });

/** Fills one batch of `n` events starting at event `first`. */
function makeBatches(rand: () => number) {
  const users = userDictionary(USERS);
  const typeDict = dictOf(TYPES.map(([t]) => t));
  const campaignDict = dictOf(Array.from({ length: 100 }, (_, i) => `cmp_${i}`));
  const categoryDict = dictOf(Array.from({ length: 200 }, (_, i) => `cat_${i}`));
  const pickType = sampler(TYPES.map(([, w]) => w), rand);
  const pickCampaign = sampler(Array.from({ length: 100 }, (_, i) => 1 / (i + 1)), rand);
  const pickCategory = sampler(Array.from({ length: 200 }, (_, i) => 1 / (i + 1)), rand);
  const commerce = TYPES.map(([t]) => COMMERCE.has(t));
  const ts: Vector = { type: ColumnType.TIMESTAMP, validity: null, f64: new Float64Array(BATCH), i32: null, u8: null, codes: null, dict: null };
  const user = strVec(users), type = strVec(typeDict), campaign = strVec(campaignDict), category = strVec(categoryDict);
  campaign.validity = new Uint8Array(BATCH / 8);
  category.validity = new Uint8Array(BATCH / 8);
  const columns = new Map<string, Vector>([["ts", ts], ["user_id", user], ["type", type], ["campaign", campaign], ["category", category]]);
  const STEP = 7_919_993; // coprime with USERS in practice: visits every user once in the first USERS events
  const fill = (first: number, n: number): FeedBatch => {
    campaign.validity!.fill(0);
    category.validity!.fill(0);
    for (let i = 0; i < n; i++) {
      const e = first + i;
      let day = START_DAY + Math.floor((e / EVENTS) * DAYS);
      if (rand() < 0.1) day = Math.max(START_DAY, day - 1 - Math.floor(rand() * 2));
      ts.f64![i] = day * DAY_MS + Math.floor(rand() * DAY_MS);
      user.codes![i] = e < USERS ? (e * STEP) % USERS : Math.floor(USERS * rand() * rand());
      const t = pickType();
      type.codes![i] = t;
      if (rand() < 0.4) {
        campaign.codes![i] = pickCampaign();
        campaign.validity![i >> 3] = campaign.validity![i >> 3]! | (1 << (i & 7));
      }
      if (commerce[t]) {
        category.codes![i] = pickCategory();
        category.validity![i >> 3] = category.validity![i >> 3]! | (1 << (i & 7));
      }
    }
    return { table: "events", begin: 0, end: n, firstRow: first, column: (name) => columns.get(name) ?? null };
  };
  return fill;
}

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const mib = (b: number) => (b / 2 ** 20).toFixed(0);

/** Main-thread CPU time in ms (user + system): unlike wall time, not inflated when the OS deschedules us. */
function cpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

function ingest(a: Audiences, fill: (first: number, n: number) => FeedBatch, from: number, to: number) {
  let consumeMs = 0, cpu = 0, maxMs = 0, maxCpuMs = 0;
  const batchMs: number[] = [], batchCpuMs: number[] = [];
  let rollovers = 0, rolloverMs = 0, lastDay = a.currentDay;
  for (let e = from; e < to; e += BATCH) {
    const batch = fill(e, Math.min(BATCH, to - e));
    const c0 = cpuMs(), t0 = performance.now();
    a.consume(batch);
    const dt = performance.now() - t0, dc = cpuMs() - c0;
    (consumeMs += dt), (cpu += dc);
    (maxMs = Math.max(maxMs, dt)), (maxCpuMs = Math.max(maxCpuMs, dc));
    const day = a.currentDay;
    if (day !== lastDay) (rollovers++, (rolloverMs += dt), (lastDay = day));
    else (batchMs.push(dt), batchCpuMs.push(dc));
  }
  return { consumeMs, cpuMs: cpu, maxMs, maxCpuMs, batchMs, batchCpuMs, rollovers, rolloverMs };
}

type Phase = ReturnType<typeof ingest>;
const phaseLine = (p: Phase, events: number) =>
  `${(p.consumeMs * 1e6 / events).toFixed(0)} ns/event wall, ${(p.cpuMs * 1e6 / events).toFixed(0)} ns/event main-thread CPU; ` +
  `batch of ${BATCH} p50 ${pct(p.batchMs, 0.5).toFixed(2)} ms p99 ${pct(p.batchMs, 0.99).toFixed(2)} ms max ${Math.max(...p.batchMs).toFixed(1)} ms wall ` +
  `(CPU p99 ${pct(p.batchCpuMs, 0.99).toFixed(2)} ms max ${Math.max(...p.batchCpuMs).toFixed(1)} ms); ` +
  `${p.rollovers} new days ${(p.rolloverMs / Math.max(1, p.rollovers)).toFixed(1)} ms each; longest consume() ${p.maxMs.toFixed(1)} ms wall, ${p.maxCpuMs.toFixed(1)} ms CPU`;

/** p50 and p99 in ms of `f` over RUNS_MIN..RUNS_MAX runs (a second at most past RUNS_MIN), and its last value. */
function time(f: () => number): { p50: number; p99: number; value: number } {
  const times: number[] = [];
  let value = 0;
  for (const start = performance.now(); times.length < RUNS_MIN || (times.length < RUNS_MAX && performance.now() - start < 1000); ) {
    const t0 = performance.now();
    value = f();
    times.push(performance.now() - t0);
  }
  return { p50: pct(times, 0.5), p99: pct(times, 0.99), value };
}

const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

await roaringLibraryInitialize();
const rand = rng(SEED);
const rss0 = process.memoryUsage().rss;
let t = performance.now();
const fill = makeBatches(rand);
console.log(`audiences bench: ${USERS} users, ${EVENTS} events over ${DAYS} days, seed ${SEED}; user dictionary built in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const a = new Audiences();
const split = Math.max(USERS, Math.floor(EVENTS * 0.6));
const p1 = ingest(a, fill, 0, split);
console.log(`ingest, index only: ${phaseLine(p1, split)}`);

const DEFS = [
  { name: "recent_buyers_c0", rule: { and: [{ event: "purchase", within_days: 7 }, { event: "click", campaign: "cmp_0" }, { not: { event: "refund" } }] } },
  { name: "cart_abandoners", rule: { and: [{ event: "add_to_cart", within_days: 3 }, { not: { event: "purchase", within_days: 3 } }] } },
  { name: "engaged", rule: { or: [{ event: "email_click", within_days: 14 }, { event: "ad_click", within_days: 14 }, { event: "social_like", within_days: 7 }] } },
  { name: "cat0_viewers", rule: { event: "view_item", category: "cat_0", within_days: 30 } },
  { name: "lapsed", rule: { not: { event: "page_view", within_days: 7 } } },
];
t = performance.now();
for (const d of DEFS) a.define(d);
const defineMs = performance.now() - t;
console.log(`define ${DEFS.length} audiences (full evaluation over ${a.stats().users} users): ${defineMs.toFixed(0)} ms in all; sizes ${a.list().map((x) => `${x.name}=${x.size}`).join(" ")}`);

const p2 = ingest(a, fill, split, EVENTS);
const n2 = EVENTS - split;
console.log(`ingest with ${DEFS.length} audiences kept current (new days also rebuild windows and re-evaluate every audience): ${phaseLine(p2, Math.max(1, n2))}`);
const wall = (p1.consumeMs + p2.consumeMs) / EVENTS, cpu = (p1.cpuMs + p2.cpuMs) / EVENTS;
console.log(`ingest overall: ${(wall * 1e6).toFixed(0)} ns/event wall = ${(1 / wall / 1e3).toFixed(2)}M events/s; ${(cpu * 1e6).toFixed(0)} ns/event CPU = ${(1 / cpu / 1e3).toFixed(2)}M events/s ` +
  `(target 0.3M); longest single consume() ${Math.max(p1.maxMs, p2.maxMs).toFixed(1)} ms wall, ${Math.max(p1.maxCpuMs, p2.maxCpuMs).toFixed(1)} ms CPU`);

const s = a.stats();
const rss = process.memoryUsage().rss - rss0;
console.log(`index: ${s.users} users, ${s.atoms} atoms, ${s.dayBitmaps} day bitmaps, ${s.bitmaps} bitmaps in all, ${mib(s.bitmapBytes)} MiB of bitmap typed arrays ` +
  `(${(s.bitmapBytes / s.users).toFixed(1)} bytes/user, ${(s.bitmapBytes / EVENTS).toFixed(2)} bytes/event); user ids ${mib(s.userIdBytes)} MiB; ` +
  `process RSS +${mib(rss)} MiB (includes the bench's user dictionary); expired rows ${s.expired}`);
t = performance.now();
const checkpoint = a.encode().length;
console.log(`checkpoint (encode(): portable Roaring bitmaps + user ids): ${mib(checkpoint)} MiB in ${(performance.now() - t).toFixed(0)} ms`);

/** Each measured expression, with the same computation spelled as raw calls on both libraries. */
interface Case {
  readonly name: string;
  readonly expr: unknown;
  readonly operands: string[] | unknown[];
  readonly ours: (b: Bitmap[]) => number;
  readonly wasm: (r: RoaringBitmap32[]) => number;
}
const withTemp = (r: RoaringBitmap32, f: (r: RoaringBitmap32) => number) => {
  try {
    return f(r);
  } finally {
    r.dispose();
  }
};
const pvWeek = { event: "page_view", within_days: 7 };
const CASES: Case[] = [
  { name: "AND of 2: page_view, cmp_0", expr: { and: ["type:page_view", "campaign:cmp_0"] }, operands: ["type:page_view", "campaign:cmp_0"],
    ours: ([x, y]) => x!.andSize(y!), wasm: ([x, y]) => x!.andCardinality(y!) },
  { name: "OR of 2: purchase, add_to_cart", expr: { or: ["type:purchase", "type:add_to_cart"] }, operands: ["type:purchase", "type:add_to_cart"],
    ours: ([x, y]) => x!.orSize(y!), wasm: ([x, y]) => x!.orCardinality(y!) },
  { name: "AND NOT of 2: page_view, lapsed", expr: { and_not: ["type:page_view", "lapsed"] }, operands: ["type:page_view", "lapsed"],
    ours: ([x, y]) => x!.andNotSize(y!), wasm: ([x, y]) => x!.andNotCardinality(y!) },
  { name: "AND of 3: page_view, impression, cmp_1", expr: { and: ["type:page_view", "type:impression", "campaign:cmp_1"] }, operands: ["campaign:cmp_1", "type:impression", "type:page_view"],
    ours: (b) => Bitmap.andManySize(b), wasm: ([x, y, z]) => withTemp(RoaringBitmap32.and(x!, y!), (r) => r.andCardinality(z!)) },
  { name: "OR of 3: engaged, cart_abandoners, recent_buyers_c0", expr: { or: ["engaged", "cart_abandoners", "recent_buyers_c0"] }, operands: ["engaged", "cart_abandoners", "recent_buyers_c0"],
    ours: (b) => Bitmap.orManySize(b), wasm: ([x, y, z]) => withTemp(RoaringBitmap32.or(x!, y!), (r) => r.orCardinality(z!)) },
  { name: "(a AND b) AND NOT c: page_view, click, lapsed", expr: { and_not: [{ and: ["type:page_view", "type:click"] }, "lapsed"] }, operands: ["type:click", "type:page_view", "lapsed"],
    ours: ([x, y, z]) => Bitmap.andManySize([x!, y!]) - Bitmap.andManySize([x!, y!, z!]), wasm: ([x, y, z]) => withTemp(RoaringBitmap32.and(x!, y!), (r) => r.andNotCardinality(z!)) },
  { name: "AND of 2 over a 7-day window", expr: { and: [pvWeek, "campaign:cmp_0"] }, operands: [pvWeek, "campaign:cmp_0"],
    ours: ([x, y]) => x!.andSize(y!), wasm: ([x, y]) => x!.andCardinality(y!) },
];
const ratios: number[] = [];
for (const c of CASES) {
  const api = time(() => a.setAlgebra(c.expr).count);
  const bitmaps = c.operands.map((o) => a.withSet(o, (b) => b.clone()));
  const wasm = bitmaps.map((b) => RoaringBitmap32.deserialize(b.serialize(), "portable"));
  const ours = time(() => c.ours(bitmaps)), theirs = time(() => c.wasm(wasm));
  wasm.forEach((r) => r.dispose());
  const same = api.value === ours.value && ours.value === theirs.value;
  ratios.push(theirs.p50 / ours.p50);
  console.log(`${c.name}: count ${api.value}${same ? "" : ` MISMATCH raw ${ours.value} roaring-wasm ${theirs.value}`}; setAlgebra p50 ${us(api.p50)} p99 ${us(api.p99)} (target < 1000 µs); ` +
    `raw ours p50 ${us(ours.p50)} p99 ${us(ours.p99)}, roaring-wasm p50 ${us(theirs.p50)} p99 ${us(theirs.p99)}: ${(theirs.p50 / ours.p50).toFixed(1)}x faster`);
}
console.log(`raw set algebra vs roaring-wasm, same sets: ${Math.min(...ratios).toFixed(1)}x to ${Math.max(...ratios).toFixed(1)}x faster (p50)`);

// The two largest atoms against the flat-bitset floor (and roaring-wasm) on the same sets.
const pv = a.withSet("type:page_view", (b) => b.clone()), imp = a.withSet("type:impression", (b) => b.clone());
const words = Math.ceil(USERS / 32);
const fa = new Uint32Array(words), fb = new Uint32Array(words);
for (const id of pv.toUint32Array()) fa[id >>> 5] = fa[id >>> 5]! | (1 << (id & 31));
for (const id of imp.toUint32Array()) fb[id >>> 5] = fb[id >>> 5]! | (1 << (id & 31));
const wpv = RoaringBitmap32.deserialize(pv.serialize(), "portable"), wimp = RoaringBitmap32.deserialize(imp.serialize(), "portable");
const ourAnd = time(() => pv.andSize(imp)), wasmAnd = time(() => wpv.andCardinality(wimp));
const flatAnd = time(() => {
  let c = 0;
  for (let i = 0; i < words; i++) {
    let x = fa[i]! & fb[i]!;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    c += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  }
  return c;
});
console.log(`andSize page_view (${pv.size}) x impression (${imp.size}) = ${ourAnd.value}: ours p50 ${us(ourAnd.p50)} p99 ${us(ourAnd.p99)}; ` +
  `roaring-wasm p50 ${us(wasmAnd.p50)}; flat bitset floor p50 ${us(flatAnd.p50)} (${flatAnd.value === ourAnd.value && wasmAnd.value === ourAnd.value ? "same count" : "COUNT MISMATCH"})`);
console.log(`AND count vs flat bitset floor: ours ${(ourAnd.p50 / flatAnd.p50).toFixed(2)}x the floor's time, roaring-wasm ${(wasmAnd.p50 / flatAnd.p50).toFixed(2)}x`);
wpv.dispose();
wimp.dispose();
