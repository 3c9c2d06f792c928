// Real-time recommendations: a derived component over `events` that keeps, per item, its most
// co-occurring items within sessions, its time-decayed popularity (globally and per category), and per
// user the recent and bought items; recommend() blends them (reco-serve.ts) in microseconds.
//
// Per counted event (a type of config.types with an item_id), in row order:
//   popularity  pop[item] += weight * 2^((ts - L) / trendHalfLife)      (forward decay: reco-decay.ts)
//               and the exact top-C heaps, global and of the item's category, follow (reco-top-heaps.ts)
//   user        the item joins the user's recent ring, and the bought ring on a purchase (reco-users.ts)
//   session     the item joins its session's last-K ring (reco-sessions.ts); every other item of the
//               ring within coWindowMs gets pair weight min(w_x, w_y) (largest type weight of each in
//               the session), added to both items' Space-Saving summaries (reco-neighbours.ts)
//
// Pair weights telescope: when x's weight in a session rises from a to b, each ring item y gets
// min(b, w_y) - min(a, w_y), so a session adds min(w_x, w_y) to a pair however often its items
// repeat (as long as neither left the K ring). occ[x] gets b - a the same way: the weighted number of
// sessions holding x, the norm of the cosine similarity in serving.
//
// Everything is typed arrays indexed by dense ids: items and categories are ids of this component's
// ValueIds, users ids of the shared one passed in. Event time drives all of it, so a replay of the
// log rebuilds the same state. Nothing is allocated per row once arrays reached their size.

import type { StringDictionary } from "../column/string-dictionary.ts";
import { type RecoConfig, recoConfig } from "./reco-config.ts";
import { CodeMap, UNKNOWN } from "./reco-code-map.ts";
import { decodeRecommender, encodeRecommender, encodeRecommenderSteps } from "./reco-codec.ts";
import { ForwardDecay } from "./reco-decay.ts";
import { NeighbourSummaries } from "./reco-neighbours.ts";
import { type Recommendation, RecoResult, ServeScratch, recommendInto, toRecommendations, trendingOf } from "./reco-serve.ts";
import { KeyHashes, SessionTable } from "./reco-sessions.ts";
import { TopHeaps } from "./reco-top-heaps.ts";
import { UserRings, toSec } from "./reco-users.ts";
import type { DerivedComponent } from "./derived-state.ts";
import type { FeedBatch } from "./row-feed.ts";
import { ValueIds } from "./value-ids.ts";

export const RECO_COLUMNS = ["ts", "type", "user_id", "anonymous_id", "session_id", "item_id", "category"] as const;

export interface RecoCounters {
  /** Rows fed. */
  rows: number;
  /** Rows that counted (a configured type with an item). */
  itemEvents: number;
  /** Rows of items past itemsMax. */
  itemsRefused: number;
  /** Pair updates (each adds to two summaries). */
  pairs: number;
  /** Forward-decay landmark moves (every stored weight rescaled). */
  rebases: number;
}

export interface RecoStats extends RecoCounters {
  items: number;
  categories: number;
  /** Items with a neighbour summary. */
  neighbourBlocks: number;
  /** Space-Saving counters handed to a new neighbour. */
  neighbourReplacements: number;
  /** Summaries recycled for another item (neighbourBlocksMax reached). */
  neighbourBlockEvictions: number;
  /** Sessions ended by the gap. */
  sessionsExpired: number;
  /** Live sessions pushed out (sessionsMax reached). */
  sessionsEvicted: number;
  /** Rows of users past usersMax. */
  usersUntrackedRows: number;
  /** Distinct categories past categoriesMax. */
  categoriesRefused: number;
  bytes: number;
}

export class Recommender implements DerivedComponent {
  readonly name = "recommendations";
  readonly tables = ["events"];
  readonly columns: readonly string[] = RECO_COLUMNS;
  readonly config: RecoConfig;
  items = new ValueIds();
  categories = new ValueIds();
  /** Per item: forward-decayed popularity, forward-decayed session occurrences, category id (-1 none). */
  pop = new Float64Array(0);
  occ = new Float64Array(0);
  catOf = new Int32Array(0);
  readonly co: ForwardDecay;
  readonly trend: ForwardDecay;
  neighbours: NeighbourSummaries;
  sessions: SessionTable;
  userRings: UserRings;
  /** Group 0: every item. */
  readonly top: TopHeaps;
  /** Group c: items of category c. */
  readonly catTop: TopHeaps;
  /** Newest event time counted. */
  watermark = -Infinity;
  counters: RecoCounters = { rows: 0, itemEvents: 0, itemsRefused: 0, pairs: 0, rebases: 0 };
  readonly scratch: ServeScratch;
  private readonly result: RecoResult;
  private readonly typeIds = new ValueIds();
  private readonly typeMap = new CodeMap(this.typeIds, Infinity);
  private typeWeight = new Float64Array(0);
  private typeBuy = new Uint8Array(0);
  private itemMap!: CodeMap;
  private catMap!: CodeMap;
  private readonly userMap: CodeMap;
  private readonly anonMap: CodeMap;
  private sessionDict: StringDictionary | null = null;
  private readonly sessionHashes = new KeyHashes(0x5e55_1011, 0x0c0f_fee5);
  private readonly userHashes = new KeyHashes(0x75e7_0001, 0x75e7_0002);

  constructor(readonly users: ValueIds, config: Partial<RecoConfig> = {}) {
    const c = (this.config = recoConfig(config));
    this.co = new ForwardDecay(c.coHalfLifeMs);
    this.trend = new ForwardDecay(c.trendHalfLifeMs);
    this.neighbours = new NeighbourSummaries(c.neighboursPerItem, c.neighbourBlocksMax);
    this.sessions = new SessionTable(c.sessionsMax, c.sessionItems);
    this.userRings = new UserRings(c.recentItems, c.purchasedItems, c.usersMax);
    this.top = new TopHeaps(c.trendCandidates, 1);
    this.catTop = new TopHeaps(c.trendCandidates, 16);
    this.scratch = new ServeScratch(c);
    this.result = new RecoResult(c.kMax);
    this.userMap = new CodeMap(users, Infinity);
    this.anonMap = new CodeMap(users, Infinity);
    this.resetMaps();
  }

  /** After items or categories were replaced (decode). */
  resetMaps(): void {
    this.itemMap = new CodeMap(this.items, this.config.itemsMax);
    this.catMap = new CodeMap(this.categories, this.config.categoriesMax);
    this.sessionDict = null;
    this.sessionHashes.clear();
    this.userHashes.clear();
  }

  consume(b: FeedBatch): void {
    const item = b.column("item_id");
    this.counters.rows += b.end - b.begin;
    if (!item?.codes) return;
    const ts = b.column("ts")!.f64!, type = b.column("type")!, types = type.codes!, items = item.codes;
    const user = b.column("user_id"), anon = b.column("anonymous_id"), sess = b.column("session_id"), cat = b.column("category");
    const tmap = this.typeMap.sync(type.dict!), imap = this.itemMap.sync(item.dict!);
    const umap = user?.codes ? this.userMap.sync(user.dict!) : null, amap = anon?.codes ? this.anonMap.sync(anon.dict!) : null;
    const cmap = cat?.codes ? this.catMap.sync(cat.dict!) : null;
    if (sess?.codes && sess.dict !== this.sessionDict) { this.sessionDict = sess.dict; this.sessionHashes.clear(); }
    const sessCodes = sess?.codes ?? null;
    for (let i = b.begin; i < b.end; i++) {
      if (!present(item.validity, i)) continue;
      let tid = tmap[types[i]!]!;
      if (tid === UNKNOWN) tid = this.typeOf(types[i]!);
      const w = this.typeWeight[tid]!;
      if (w === 0) continue;
      let x = imap[items[i]!]!;
      if (x === UNKNOWN) x = this.itemOf(items[i]!);
      if (x < 0) { this.counters.itemsRefused++; continue; }
      this.counters.itemEvents++;
      const t = ts[i]!, buy = this.typeBuy[tid]!;
      if (t > this.watermark) this.advance(t);
      if (this.catOf[x]! < 0 && cmap && present(cat!.validity, i)) this.assignCategory(x, cat!.codes![i]!, cmap);
      this.bumpPopularity(x, w, t);
      let uid = -1;
      if (umap && present(user!.validity, i)) { uid = umap[user!.codes![i]!]!; if (uid === UNKNOWN) uid = this.userMap.resolve(user!.codes![i]!); }
      else if (amap && present(anon!.validity, i)) { uid = amap[anon!.codes![i]!]!; if (uid === UNKNOWN) uid = this.anonMap.resolve(anon!.codes![i]!); }
      if (uid >= 0 && this.userRings.ensure(uid)) {
        this.userRings.view(uid, x, toSec(t));
        if (buy) this.userRings.buy(uid, x);
      }
      let keys: KeyHashes;
      if (sessCodes && present(sess!.validity, i)) {
        const code = sessCodes[i]!;
        keys = this.sessionHashes;
        if (!keys.lookup(code)) keys.put(code, sess!.dict!.get(code));
      } else if (uid >= 0) {
        keys = this.userHashes;
        if (!keys.lookup(uid)) keys.put(uid, this.users.value(uid));
      } else continue;
      const slot = this.sessions.slotOf(keys.lo, keys.hi, t, this.watermark, this.config.sessionGapMs);
      this.coCount(slot, x, t, w, buy);
    }
  }

  /** x joins session `slot`: pair weights with the ring's items (see the header), then the ring. */
  private coCount(slot: number, x: number, t: number, w: number, buy: number): void {
    const S = this.sessions, K = S.k, base = slot * K, n = S.count[slot]!;
    let at = -1;
    for (let e = base; e < base + n; e++) if (S.item[e] === x) { at = e; break; }
    const wOld = at >= 0 ? S.weight[at]! : 0, bOld = at >= 0 ? S.bought[at]! : 0;
    const wNew = Math.max(wOld, w), bNew = bOld | buy;
    if (wNew > wOld || bNew > bOld) {
      const g = this.co.weight(t), window = this.config.coWindowMs;
      this.occ[x]! += (wNew - wOld) * g;
      for (let e = base; e < base + n; e++) {
        if (e === at || Math.abs(S.ts[e]! - t) > window) continue;
        const wy = S.weight[e]!, d = Math.min(wNew, wy) - Math.min(wOld, wy);
        const dp = S.bought[e] ? (bNew ? Math.min(wNew, wy) : 0) - (bOld ? Math.min(wOld, wy) : 0) : 0;
        if (d <= 0 && dp <= 0) continue;
        const y = S.item[e]!;
        this.counters.pairs++;
        this.neighbours.add(x, y, d * g, dp * g, y);
        this.neighbours.add(y, x, d * g, dp * g, x);
      }
    }
    if (at < 0) {
      if (n < K) { at = base + n; S.count[slot] = n + 1; }
      else { at = base; for (let e = base + 1; e < base + K; e++) if (S.ts[e]! < S.ts[at]!) at = e; }
      S.item[at] = x;
      S.ts[at] = t;
    } else if (t > S.ts[at]!) S.ts[at] = t;
    S.weight[at] = wNew;
    S.bought[at] = bNew;
  }

  private bumpPopularity(x: number, w: number, t: number): void {
    this.pop[x]! += w * this.trend.weight(t);
    this.top.update(0, x, this.pop);
    const c = this.catOf[x]!;
    if (c >= 0) this.catTop.update(c, x, this.pop);
  }

  /** An item's category is the first one seen with it (a catalog attribute; heaps need it fixed). */
  private assignCategory(x: number, code: number, cmap: Int32Array): void {
    let c = cmap[code]!;
    if (c === UNKNOWN) c = this.catMap.resolve(code);
    if (c < 0) return;
    this.catOf[x] = c;
    this.catTop.ensureGroups(c + 1);
    if (this.pop[x]! > 0) this.catTop.update(c, x, this.pop);
  }

  /** A newer event time: moves the watermark, and rescales stored weights when a landmark moves. */
  private advance(t: number): void {
    this.watermark = t;
    const f = this.co.advance(t);
    if (f !== 1) {
      this.neighbours.scale(f);
      for (let i = 0; i < this.items.size; i++) this.occ[i]! *= f;
      this.counters.rebases++;
    }
    const g = this.trend.advance(t);
    if (g !== 1) {
      for (let i = 0; i < this.items.size; i++) this.pop[i]! *= g;
      this.counters.rebases++;
    }
  }

  private typeOf(code: number): number {
    const id = this.typeMap.resolve(code);
    if (id >= this.typeWeight.length) {
      const w = new Float64Array(Math.max(16, (id + 1) * 2)), b = new Uint8Array(w.length);
      w.set(this.typeWeight); b.set(this.typeBuy);
      this.typeWeight = w; this.typeBuy = b;
    }
    const t = Object.hasOwn(this.config.types, this.typeIds.value(id)) ? this.config.types[this.typeIds.value(id)] : undefined;
    // Rounded to float32 as session rings keep it, so a repeat compares equal and adds no pair weight.
    this.typeWeight[id] = Math.fround(t?.weight ?? 0);
    this.typeBuy[id] = t?.purchase ? 1 : 0;
    return id;
  }

  private itemOf(code: number): number {
    const x = this.itemMap.resolve(code);
    if (x >= 0) this.ensureItems(x + 1);
    return x;
  }

  /** Makes every per-item array hold ids < n. */
  ensureItems(n: number): void {
    if (n > this.pop.length) {
      const cap = Math.max(n, this.pop.length * 2, 64);
      const pop = new Float64Array(cap), occ = new Float64Array(cap), catOf = new Int32Array(cap).fill(-1);
      pop.set(this.pop); occ.set(this.occ); catOf.set(this.catOf);
      this.pop = pop; this.occ = occ; this.catOf = catOf;
    }
    this.neighbours.ensureItems(n);
    this.top.ensureItems(n);
    this.catTop.ensureItems(n);
    this.scratch.ensureItems(n);
  }

  /** Recommendations for a user (user_id or anonymous_id; null or unknown: none) and an item being viewed. */
  recommend(userKey: string | null, k: number, contextItem: string | null, nowMs: number, category?: string): Recommendation[] {
    const n = recommendInto(this, this.result, userKey, k, contextItem, nowMs, category ?? null);
    return toRecommendations(this, this.result, n);
  }

  /** The allocation-free form: fills `out` (its arrays hold at least k), returns how many it holds. */
  recommendInto(out: RecoResult, userKey: string | null, k: number, contextItem: string | null, nowMs: number, category: string | null = null): number {
    return recommendInto(this, out, userKey, k, contextItem, nowMs, category);
  }

  /** The k most popular items (of a category) with their popularity decayed to nowMs. */
  trending(k: number, nowMs: number, category?: string): { item: string; score: number }[] {
    return trendingOf(this, k, nowMs, category ?? null);
  }

  /** Every counter of this component and its parts, for metrics. */
  stats(): RecoStats {
    return {
      ...this.counters, items: this.items.size, categories: this.categories.size, neighbourBlocks: this.neighbours.blocksUsed,
      neighbourReplacements: this.neighbours.replacements, neighbourBlockEvictions: this.neighbours.blockEvictions,
      sessionsExpired: this.sessions.expired, sessionsEvicted: this.sessions.evicted, usersUntrackedRows: this.userRings.untracked,
      categoriesRefused: this.catMap.refused, bytes: this.bytes,
    };
  }

  /** Bytes of every array this component holds (the shared user dictionary excluded). */
  get bytes(): number {
    return this.pop.byteLength + this.occ.byteLength + this.catOf.byteLength + this.neighbours.bytes + this.sessions.bytes +
      this.userRings.bytes + this.top.bytes + this.catTop.bytes + this.scratch.bytes + this.items.bytes + this.categories.bytes +
      this.itemMap.bytes + this.catMap.bytes + this.userMap.bytes + this.anonMap.bytes;
  }

  /** encode() in steps: a checkpoint holds the feed while they run. */
  encodeGradually(): Generator<void, Uint8Array, void> {
    return encodeRecommenderSteps(this);
  }

  encode(): Uint8Array {
    return encodeRecommender(this);
  }

  decode(bytes: Uint8Array): void {
    decodeRecommender(this, bytes);
  }
}

function present(validity: Uint8Array | null, i: number): boolean {
  return validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0;
}
