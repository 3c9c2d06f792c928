// Roaring-bitmap audiences on 10M users: ingest cost of the RowConsumer, memory of the index, and
// set algebra counts (target: < 1 ms).
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
// Audiences.setAlgebra (validation included) and as raw bitmap calls, p50/p99 over 20 to 2000 runs each (a second per operation);
// floor: the same AND count over two flat bitsets in JS (one bit per user, popcount of ANDed words).
//
//   bun bench/audiences.bench.ts [users=10000000] [events=15000000] [seed=7]
//   PENDING_BUDGET=n overrides the buffered-add budget of bitmaps.ts (0: merge every add at once).

import { Audiences } from "../engine/aggregate/audiences.ts";
import { Bitmap, flushPending, setPendingBudget } from "../engine/aggregate/bitmaps.ts";
import type { FeedBatch } from "../engine/aggregate/row-feed.ts";
import { StringDictionary } from "../engine/column/string-dictionary.ts";
import type { Vector } from "../engine/column/vector.ts";
import { ColumnType } from "../engine/core/types.ts";

const USERS = Number(process.argv[2] ?? 10_000_000);
const EVENTS = Number(process.argv[3] ?? 15_000_000);
const SEED = Number(process.argv[4] ?? 7);
const DAYS = 30;
const BATCH = 4096;
/** Runs per measured operation: at least RUNS_MIN, then until a second has passed or RUNS_MAX. */
const RUNS_MIN = 20, RUNS_MAX = 2000;
const DAY_MS = 86_400_000;
const START_DAY = Date.UTC(2025, 2, 1) / DAY_MS;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

function ingest(a: Audiences, fill: (first: number, n: number) => FeedBatch, from: number, to: number) {
  let consumeMs = 0;
  const batchMs: number[] = [];
  let rollovers = 0, rolloverMs = 0, lastDay = a.currentDay;
  for (let e = from; e < to; e += BATCH) {
    const batch = fill(e, Math.min(BATCH, to - e));
    const t0 = performance.now();
    a.consume(batch);
    const dt = performance.now() - t0;
    consumeMs += dt;
    const day = a.currentDay;
    if (day !== lastDay) (rollovers++, (rolloverMs += dt), (lastDay = day));
    else batchMs.push(dt);
  }
  // Adds still buffered (bitmaps.ts) are work this ingest owes: merged and counted here.
  const t0 = performance.now();
  flushPending();
  const flushMs = performance.now() - t0;
  consumeMs += flushMs;
  return { consumeMs, batchMs, rollovers, rolloverMs, flushMs };
}

if (process.env.PENDING_BUDGET !== undefined) setPendingBudget(Number(process.env.PENDING_BUDGET));
const rand = rng(SEED);
const rss0 = process.memoryUsage().rss;
let t = performance.now();
const fill = makeBatches(rand);
console.log(`audiences bench: ${USERS} users, ${EVENTS} events over ${DAYS} days, seed ${SEED}; user dictionary built in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const a = await Audiences.create();
const split = Math.max(USERS, Math.floor(EVENTS * 0.6));
const p1 = ingest(a, fill, 0, split);
console.log(`ingest, index only: ${(p1.consumeMs * 1e6 / split).toFixed(0)} ns/event (${(split / p1.consumeMs / 1e3).toFixed(2)}M events/s); ` +
  `batch of ${BATCH} p50 ${pct(p1.batchMs, 0.5).toFixed(2)} ms p99 ${pct(p1.batchMs, 0.99).toFixed(2)} ms max ${Math.max(...p1.batchMs).toFixed(0)} ms; final merge of buffered adds ${p1.flushMs.toFixed(0)} ms (included); ${p1.rollovers} new days ${(p1.rolloverMs / Math.max(1, p1.rollovers)).toFixed(1)} ms each`);

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
console.log(`ingest with ${DEFS.length} audiences kept current: ${(p2.consumeMs * 1e6 / Math.max(1, n2)).toFixed(0)} ns/event; ` +
  `batch p50 ${pct(p2.batchMs, 0.5).toFixed(2)} ms p99 ${pct(p2.batchMs, 0.99).toFixed(2)} ms max ${Math.max(...p2.batchMs).toFixed(0)} ms; final merge ${p2.flushMs.toFixed(0)} ms (included); ` +
  `${p2.rollovers} new days (windows rebuilt, audiences re-evaluated) ${(p2.rolloverMs / Math.max(1, p2.rollovers)).toFixed(0)} ms each`);

const s = a.stats();
const rss = process.memoryUsage().rss - rss0;
console.log(`index: ${s.users} users, ${s.atoms} atoms, ${s.dayBitmaps} day bitmaps, ${s.bitmaps} bitmaps in all, ${mib(s.bitmapBytes)} MiB of bitmaps ` +
  `(${(s.bitmapBytes / s.users).toFixed(1)} bytes/user, ${(s.bitmapBytes / EVENTS).toFixed(2)} bytes/event); user ids ${mib(s.userIdBytes)} MiB; ` +
  `process RSS +${mib(rss)} MiB (includes the bench's user dictionary and WASM heap slack); expired rows ${s.expired}`);

const SETS: [string, unknown][] = [
  ["AND of 2: page_view, cmp_0", { and: ["type:page_view", "campaign:cmp_0"] }],
  ["OR of 2: purchase, add_to_cart", { or: ["type:purchase", "type:add_to_cart"] }],
  ["AND NOT of 2: page_view, lapsed", { and_not: ["type:page_view", "lapsed"] }],
  ["AND of 3: page_view, impression, cmp_1", { and: ["type:page_view", "type:impression", "campaign:cmp_1"] }],
  ["OR of 3: engaged, cart_abandoners, recent_buyers_c0", { or: ["engaged", "cart_abandoners", "recent_buyers_c0"] }],
  ["(a AND b) AND NOT c: page_view, click, lapsed", { and_not: [{ and: ["type:page_view", "type:click"] }, "lapsed"] }],
  ["AND of 2 over a 7-day range", { and: [{ event: "page_view", within_days: 7 }, "campaign:cmp_0"] }],
];
for (const [name, expr] of SETS) {
  const times: number[] = [];
  let count = 0;
  for (const start = performance.now(); times.length < RUNS_MIN || (times.length < RUNS_MAX && performance.now() - start < 1000); ) {
    const t0 = performance.now();
    count = a.setAlgebra(expr).count;
    times.push(performance.now() - t0);
  }
  console.log(`setAlgebra ${name}: count ${count}, p50 ${(pct(times, 0.5) * 1000).toFixed(1)} µs, p99 ${(pct(times, 0.99) * 1000).toFixed(1)} µs (target < 1000 µs)`);
}

// Raw bitmap calls and the flat-bitset floor on the two largest atoms (copies the bench owns).
const pv = a.withSet("type:page_view", (b) => b.clone()), imp = a.withSet("type:impression", (b) => b.clone());
const raw = (label: string, f: () => number) => {
  const times: number[] = [];
  let v = 0;
  for (const start = performance.now(); times.length < RUNS_MIN || (times.length < RUNS_MAX && performance.now() - start < 1000); ) {
    const t0 = performance.now();
    v = f();
    times.push(performance.now() - t0);
  }
  console.log(`${label}: ${v}, p50 ${(pct(times, 0.5) * 1000).toFixed(1)} µs, p99 ${(pct(times, 0.99) * 1000).toFixed(1)} µs`);
  return pct(times, 0.5);
};
const words = Math.ceil(USERS / 32);
const fa = new Uint32Array(words), fb = new Uint32Array(words);
for (const id of pv.toUint32Array()) fa[id >>> 5] = fa[id >>> 5]! | (1 << (id & 31));
for (const id of imp.toUint32Array()) fb[id >>> 5] = fb[id >>> 5]! | (1 << (id & 31));
const roaringAnd = raw(`raw Bitmap andSize page_view (${pv.size}) x impression (${imp.size})`, () => pv.andSize(imp));
const flatAnd = raw("floor: flat bitset AND + popcount in JS, same sets", () => {
  let c = 0;
  for (let i = 0; i < words; i++) {
    let x = fa[i]! & fb[i]!;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    c += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  }
  return c;
});
console.log(`roaring AND count / flat bitset floor: ${(roaringAnd / flatAnd).toFixed(3)}x the floor's time`);
pv.dispose();
imp.dispose();
a.dispose();
