// Serving recommendations from a Recommender's state: reads typed arrays, writes into a caller-owned
// RecoResult and per-item scratch stamped per request, so a request allocates nothing (the object
// form, toRecommendations, allocates only its answer). Cost: O(seeds * M + C + candidates * k).
//
// Blending, for a user u (null or unknown: no history), a context item (null: none), at nowMs:
//   seeds       the context item with weight 1, and u's recent items with weight
//               recentSeedWeight * 2^(-(now - seen) / seedHalfLife)
//   co-view     each seed s adds weight(s) * sim(s, n) for every neighbour n in its summary, with
//               sim = cosine * support = c / sqrt(occ[s] * occ[n]) * c_now / (c_now + supportShrink)
//               where c is the Space-Saving lower bound (cnt - err) of the pair weight and occ the
//               weighted session occurrences of each item (all forward-decayed on one clock, so the
//               ratio needs no decay). Cosine, not raw counts or lift: raw counts rank the bestsellers
//               that co-occur with everything first; lift and PMI explode on pairs seen once; cosine
//               is bounded by 1 and favours pairs that occur together more than their popularity
//               explains, and the support factor discounts pairs seen in a session or two.
//   trending    each of the top-C popular items (of the category when one is asked for, else global)
//               adds trendingWeight * w_max * pop[n] / pop[top item], w_max the strongest seed's
//               weight (1 without seeds): a prior below a strong co-occurrence, enough to break the
//               ties of weak ones, and the whole answer for a user with no seeds. Relative to w_max so
//               the ranking does not change with how long ago a user's history was (staleness
//               weighs seeds against each other and against the context item, not against trending).
//   recent      (recentWeight > 0) u's recent items not bought add recentWeight * their seed weight.
// Excluded: u's last P purchases always; the seeds themselves from co-view and trending (a page
// does not recommend the item it shows, nor what the user just looked at) unless as "recent".
// With a category, only items of that category are candidates. Order: score descending, then item
// id (dense id: first-seen order) ascending. A result's reason is the part that added most to it.

import { EngineError } from "../core/errors.ts";
import type { RecoConfig } from "./reco-config.ts";
import { EPOCH_S } from "./reco-users.ts";
import type { Recommender } from "./recommender.ts";

export const REASON = { CO_VIEW: 1, CO_PURCHASE: 2, TRENDING: 3, RECENT: 4 } as const;
export type ReasonName = "co_view" | "co_purchase" | "trending" | "recent";
export const REASON_NAMES: readonly ReasonName[] = ["co_view", "co_view", "co_purchase", "trending", "recent"];

export interface Recommendation {
  readonly item: string;
  readonly score: number;
  readonly reason: ReasonName;
}

/** A request's answer, reused across requests: entries [0, count). */
export class RecoResult {
  readonly items: Int32Array;
  readonly scores: Float64Array;
  readonly reasons: Uint8Array;
  count = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(capacity);
    this.scores = new Float64Array(capacity);
    this.reasons = new Uint8Array(capacity);
  }
}

/** Per-item accumulators, valid for the request whose stamp they carry. */
export class ServeScratch {
  stamp = 0;
  seen = new Uint32Array(0);
  excluded = new Uint32Array(0);
  seed = new Uint32Array(0);
  acc = new Float64Array(0);
  best = new Float64Array(0);
  why = new Uint8Array(0);
  readonly touched: Int32Array;
  touchedCount = 0;
  /** 1 when seed 0 is the context item. */
  contextSeeds = 0;
  seedWeightMax = 0;
  readonly seedItems: Int32Array;
  readonly seedWeights: Float64Array;

  constructor(c: RecoConfig) {
    this.touched = new Int32Array((1 + c.recentItems) * c.neighboursPerItem + c.trendCandidates + c.recentItems);
    this.seedItems = new Int32Array(1 + c.recentItems);
    this.seedWeights = new Float64Array(1 + c.recentItems);
  }

  ensureItems(n: number): void {
    if (n <= this.acc.length) return;
    const cap = Math.max(n, this.acc.length * 2, 64);
    const u32 = (a: Uint32Array) => { const r = new Uint32Array(cap); r.set(a); return r; };
    this.seen = u32(this.seen); this.excluded = u32(this.excluded); this.seed = u32(this.seed);
    this.acc = new Float64Array(cap); this.best = new Float64Array(cap);
    this.why = new Uint8Array(cap);
  }

  /** A new request: a stamp no array holds yet. */
  begin(): number {
    if (this.stamp === 0xffff_ffff) { this.seen.fill(0); this.excluded.fill(0); this.seed.fill(0); this.stamp = 0; }
    this.touchedCount = 0;
    return ++this.stamp;
  }

  add(n: number, contribution: number, reason: number): void {
    if (this.seen[n] !== this.stamp) {
      this.seen[n] = this.stamp;
      this.acc[n] = 0;
      this.best[n] = -1;
      this.touched[this.touchedCount++] = n;
    }
    this.acc[n]! += contribution;
    if (contribution > this.best[n]!) { this.best[n] = contribution; this.why[n] = reason; }
  }

  get bytes(): number {
    return this.seen.byteLength + this.excluded.byteLength + this.seed.byteLength + this.acc.byteLength +
      this.best.byteLength + this.why.byteLength + this.touched.byteLength + this.seedItems.byteLength + this.seedWeights.byteLength;
  }
}

export function checkRequest(r: Recommender, k: number, nowMs: number): void {
  if (!Number.isInteger(k) || k < 1 || k > r.config.kMax) throw new EngineError("bad_argument", `k is ${k}, must be an integer in [1, ${r.config.kMax}]`);
  if (!Number.isFinite(nowMs)) throw new EngineError("bad_argument", `now is ${nowMs}, must be a finite time in ms`);
}

export function recommendInto(r: Recommender, out: RecoResult, userKey: string | null, k: number, context: string | null, nowMs: number, category: string | null): number {
  checkRequest(r, k, nowMs);
  const sc = r.scratch, stamp = sc.begin();
  let cat = -1;
  if (category !== null && (cat = r.categories.find(category)) < 0) return (out.count = 0);
  const uid = userKey === null ? -1 : r.users.find(userKey);
  const known = r.userRings.has(uid);
  if (known) markPurchases(r, uid, stamp);
  const seeds = collectSeeds(r, known ? uid : -1, context === null ? -1 : r.items.find(context), nowMs, stamp);
  for (let s = 0; s < seeds; s++) addNeighbours(r, sc.seedItems[s]!, sc.seedWeights[s]!, cat, nowMs, stamp);
  addTrending(r, cat, stamp, sc.seedWeightMax > 0 ? sc.seedWeightMax : 1);
  if (known && r.config.recentWeight > 0) addRecent(r, seeds, cat, stamp);
  return select(sc, out, Math.min(k, out.items.length));
}

function markPurchases(r: Recommender, uid: number, stamp: number): void {
  const p = r.userRings.p, bought = r.userRings.bought, ex = r.scratch.excluded;
  for (let j = uid * p; j < uid * p + p; j++) if (bought[j]! >= 0) ex[bought[j]!] = stamp;
}

/** Seeds into scratch.seedItems/seedWeights (the context item first); returns how many. */
function collectSeeds(r: Recommender, uid: number, ctx: number, nowMs: number, stamp: number): number {
  const sc = r.scratch, c = r.config;
  let n = 0;
  sc.seedWeightMax = 0;
  if (ctx >= 0) { sc.seedItems[n] = ctx; sc.seedWeights[n++] = 1; sc.seed[ctx] = stamp; sc.seedWeightMax = 1; }
  sc.contextSeeds = n;
  if (uid < 0) return n;
  const R = r.userRings.r, recent = r.userRings.recent, secs = r.userRings.recentSec;
  for (let j = uid * R; j < uid * R + R; j++) {
    const it = recent[j]!;
    if (it < 0) break;
    if (sc.seed[it] === stamp) continue;
    const ageMs = Math.max(0, nowMs - (secs[j]! + EPOCH_S) * 1000);
    sc.seedItems[n] = it;
    const w = (sc.seedWeights[n++] = c.recentSeedWeight * Math.pow(2, -ageMs / c.seedHalfLifeMs));
    if (w > sc.seedWeightMax) sc.seedWeightMax = w;
    sc.seed[it] = stamp;
  }
  return n;
}

function addNeighbours(r: Recommender, s: number, ws: number, cat: number, nowMs: number, stamp: number): void {
  const nb = r.neighbours, b = nb.blockOf[s]!;
  if (b < 0 || ws <= 0) return;
  const sc = r.scratch, m = nb.m, occ = r.occ, occS = occ[s]!, toNow = r.co.toNow(nowMs), shrink = r.config.supportShrink;
  for (let j = b * m, end = b * m + nb.fill[b]!; j < end; j++) {
    const n = nb.nbr[j]!;
    if (sc.excluded[n] === stamp || sc.seed[n] === stamp || (cat >= 0 && r.catOf[n] !== cat)) continue;
    const lower = nb.cnt[j]! - nb.err[j]!, norm = Math.sqrt(occS * occ[n]!);
    if (!(lower > 0 && norm > 0)) continue;
    const now = lower * toNow;
    const sim = (lower / norm) * (now / (now + shrink));
    sc.add(n, ws * sim, 2 * nb.pc[j]! >= nb.cnt[j]! ? REASON.CO_PURCHASE : REASON.CO_VIEW);
  }
}

/** `scale`: the strongest seed's weight (1 without seeds), so staleness of a user's history alone does not hand the list to trending. */
function addTrending(r: Recommender, cat: number, stamp: number, scale: number): void {
  const heaps = cat >= 0 ? r.catTop : r.top, g = Math.max(cat, 0);
  if (g >= heaps.groups) return;
  const base = g * heaps.capacity, size = heaps.size[g]!, pop = r.pop, sc = r.scratch, alpha = r.config.trendingWeight * scale;
  let max = 0;
  for (let j = base; j < base + size; j++) max = Math.max(max, pop[heaps.heap[j]!]!);
  if (!(max > 0) || alpha <= 0) return;
  for (let j = base; j < base + size; j++) {
    const n = heaps.heap[j]!;
    if (sc.excluded[n] === stamp || sc.seed[n] === stamp) continue;
    sc.add(n, (alpha * pop[n]!) / max, REASON.TRENDING);
  }
}

function addRecent(r: Recommender, seeds: number, cat: number, stamp: number): void {
  const sc = r.scratch, w = r.config.recentWeight;
  // Seeds after the context item (the page being shown is never "recent").
  for (let s = sc.contextSeeds; s < seeds; s++) {
    const it = sc.seedItems[s]!;
    if (sc.excluded[it] === stamp || (cat >= 0 && r.catOf[it] !== cat)) continue;
    sc.add(it, w * sc.seedWeights[s]!, REASON.RECENT);
  }
}

/** The k best touched items into `out`, by insertion (k is small; most candidates fail one compare). */
function select(sc: ServeScratch, out: RecoResult, k: number): number {
  const items = out.items, scores = out.scores, reasons = out.reasons, acc = sc.acc;
  let n = 0;
  for (let t = 0; t < sc.touchedCount; t++) {
    const x = sc.touched[t]!, s = acc[x]!;
    if (n === k && !better(s, x, scores[k - 1]!, items[k - 1]!)) continue;
    let i = n < k ? n++ : k - 1;
    while (i > 0 && better(s, x, scores[i - 1]!, items[i - 1]!)) {
      items[i] = items[i - 1]!; scores[i] = scores[i - 1]!; reasons[i] = reasons[i - 1]!;
      i--;
    }
    items[i] = x; scores[i] = s; reasons[i] = sc.why[x]!;
  }
  return (out.count = n);
}

function better(s1: number, x1: number, s2: number, x2: number): boolean {
  return s1 > s2 || (s1 === s2 && x1 < x2);
}

export function toRecommendations(r: Recommender, out: RecoResult, n: number): Recommendation[] {
  const res: Recommendation[] = [];
  for (let i = 0; i < n; i++) res.push({ item: r.items.value(out.items[i]!), score: out.scores[i]!, reason: REASON_NAMES[out.reasons[i]!]! });
  return res;
}

export function trendingOf(r: Recommender, k: number, nowMs: number, category: string | null): { item: string; score: number }[] {
  checkRequest(r, k, nowMs);
  const cat = category === null ? 0 : r.categories.find(category), heaps = category === null ? r.top : r.catTop;
  if (cat < 0 || cat >= heaps.groups) return [];
  const ids = Array.from(heaps.heap.subarray(cat * heaps.capacity, cat * heaps.capacity + heaps.size[cat]!));
  ids.sort((a, b) => r.pop[b]! - r.pop[a]! || a - b);
  const toNow = r.trend.toNow(nowMs);
  return ids.slice(0, k).map((x) => ({ item: r.items.value(x), score: r.pop[x]! * toNow }));
}
