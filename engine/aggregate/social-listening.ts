// Social listening: the derived state `social` over the `events` rows whose type is the configured
// post type (social_post). Each post is scored for sentiment and matched against the configured
// brands as it is fed (sentiment-score.ts, brand-matcher.ts); per minute of event time it counts, for
// all posts (row 0) and for each brand (row 1 + brand id): mentions, positive, negative and neutral
// posts and the sum of sentiment scores; its terms feed a sliding heavy-hitters sketch with one pane
// per minute (heavy-hitters.ts). Queries are in social-query.ts, persistence in social-codec.ts.
//
// Bounded memory: the per-minute series are a ring of retentionMinutes minutes behind the newest
// post's minute (older posts are counted in counters.expired and nowhere else); trending keeps
// trendingWindowMinutes panes of trendingCapacity counters.
//
// What a post is read from: `text`; the language hint from a `language` column when the table has
// one, else (languageFromProps) from a "language"/"lang" field found by a string scan of `props`
// (never JSON.parse per row), else none (the script test decides). `author` is not read: no metric
// needs it, and reading it from props would cost a scan per post.
//
// Texts repeat (reposts, retweets, bots): results are cached per text dictionary code and language
// hint in a direct-mapped cache of CACHE_SLOTS entries, so a repeat costs a few array reads. The
// cache holds global codes and is dropped when the dictionary object changes; it is never persisted.

import type { StringDictionary } from "../column/string-dictionary.ts";
import type { Vector } from "../column/vector.ts";
import { BrandMatcher } from "./brand-matcher.ts";
import type { DerivedComponent } from "./derived-state.ts";
import { SlidingHeavyHitters } from "./heavy-hitters.ts";
import type { FeedBatch } from "./row-feed.ts";
import { labelOf, normalizeScore, SocialAnalyzer } from "./sentiment-score.ts";
import { DEFAULT_SOCIAL_CONFIG, type SocialConfig } from "./social-config.ts";
import { decodeSocial, encodeSocial } from "./social-codec.ts";
import { M_MENTIONS, M_NEGATIVE, M_NEUTRAL, M_POSITIVE, M_SENTIMENT, MINUTE_MS, SOCIAL_MEASURES } from "./social-measures.ts";
import { socialBrands, socialSeries, socialSummary, socialTrending, socialValue, type BrandInfo, type BrandSummary, type SocialSeries, type TrendingAnswer } from "./social-query.ts";
import { detectLang, langOfHint, languageInProps } from "./social-text.ts";

const CACHE_SLOTS = 4096;
/** Brands remembered per cached text; a text mentioning more is not cached. */
const CACHE_BRANDS = 8;

export interface SocialCounters {
  /** Posts fed (every row of the post type). */
  posts: number;
  /** Posts whose text was analyzed (the rest were cache hits or had no text). */
  analyzed: number;
  cacheHits: number;
  /** Posts older than the retention ring when they arrived: in no series and no trending pane. */
  expired: number;
}

function present(validity: Uint8Array | null, i: number): boolean {
  return validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0;
}

/** A direct-mapped memo of one small value per dictionary code, valid for one dictionary object. */
class CodeMemo {
  private dict: StringDictionary | null = null;
  readonly keys = new Int32Array(CACHE_SLOTS).fill(-1);
  readonly values = new Int8Array(CACHE_SLOTS);

  get(dict: StringDictionary, code: number, compute: (s: string) => number): number {
    if (dict !== this.dict) { this.dict = dict; this.keys.fill(-1); }
    const s = code & (CACHE_SLOTS - 1);
    if (this.keys[s] === code) return this.values[s]!;
    const v = compute(dict.get(code));
    this.keys[s] = code;
    this.values[s] = v;
    return v;
  }
}

const hintOfColumn = (s: string) => langOfHint(s);
const hintOfProps = (s: string) => langOfHint(languageInProps(s));

export class SocialListening implements DerivedComponent {
  readonly name = "social";
  readonly tables = ["events"];
  readonly columns = ["ts", "type", "text", "language", "props"];
  readonly matcher: BrandMatcher;
  readonly analyzer = new SocialAnalyzer();
  /** Rows per minute: all posts, then one per brand. */
  readonly rows: number;
  /** Minute held by each ring slot, -1 empty. */
  minutes: Float64Array;
  /** One array per SOCIAL_MEASURES entry, indexed slot * rows + row. */
  measures: Float64Array[];
  newestMinute = -Infinity;
  /** Trending terms: one Space-Saving pane per minute. */
  hitters: SlidingHeavyHitters;
  counters: SocialCounters = { posts: 0, analyzed: 0, cacheHits: 0, expired: 0 };

  private readonly brandBuf: Int32Array;
  private postTypeDict: StringDictionary | null = null;
  private postTypeCode = -1;
  private readonly langColumnMemo = new CodeMemo();
  private readonly propsMemo = new CodeMemo();
  // The text cache (see the header).
  private cacheDict: StringDictionary | null = null;
  private readonly cacheKey = new Float64Array(CACHE_SLOTS).fill(-1);
  private readonly cacheScore = new Float64Array(CACHE_SLOTS);
  private readonly cacheBrandCount = new Int8Array(CACHE_SLOTS);
  private readonly cacheBrands = new Int32Array(CACHE_SLOTS * CACHE_BRANDS);
  private readonly cacheTerms: string[][] = Array.from({ length: CACHE_SLOTS }, () => []);

  constructor(readonly config: SocialConfig = DEFAULT_SOCIAL_CONFIG) {
    this.matcher = new BrandMatcher(config.brands);
    this.rows = 1 + config.brands.length;
    this.brandBuf = new Int32Array(Math.max(1, config.brands.length));
    this.minutes = new Float64Array(config.retentionMinutes).fill(-1);
    this.measures = SOCIAL_MEASURES.map(() => new Float64Array(config.retentionMinutes * this.rows));
    this.hitters = new SlidingHeavyHitters(config.trendingWindowMinutes, config.trendingCapacity);
  }

  consume(b: FeedBatch): void {
    const type = b.column("type"), ts = b.column("ts")?.f64;
    if (!type?.codes || !type.dict || !ts) return;
    const post = this.postCode(type.dict);
    if (post < 0) return;
    const text = b.column("text"), lang = b.column("language"), props = this.config.languageFromProps ? b.column("props") : null;
    const codes = type.codes;
    for (let i = b.begin; i < b.end; i++) {
      if (codes[i] !== post) continue;
      const hint = lang?.codes ? this.hintAt(lang, i, this.langColumnMemo, hintOfColumn) : props?.codes ? this.hintAt(props, i, this.propsMemo, hintOfProps) : 0;
      const hasText = text !== null && text.codes !== null && present(text.validity, i);
      this.addPost(ts[i]!, hasText ? text.codes![i]! : -1, hasText ? text.dict! : null, hint);
    }
  }

  /** The post type's code in this type dictionary, or -1 (looked up again while absent: it may appear later). */
  private postCode(dict: StringDictionary): number {
    if (dict !== this.postTypeDict || this.postTypeCode < 0) {
      this.postTypeDict = dict;
      this.postTypeCode = dict.find(this.config.postType);
    }
    return this.postTypeCode;
  }

  private hintAt(v: Vector, i: number, memo: CodeMemo, compute: (s: string) => number): number {
    return present(v.validity, i) ? memo.get(v.dict!, v.codes![i]!, compute) : 0;
  }

  /** Counts one post of event time `t` (text by code, -1 for none) with a language hint (LANG_*, 0 = none). */
  addPost(t: number, textCode: number, dict: StringDictionary | null, hint: number): void {
    this.counters.posts++;
    const minute = Math.floor(t / MINUTE_MS);
    if (minute > this.newestMinute) this.newestMinute = minute;
    if (minute <= this.newestMinute - this.minutes.length) { this.counters.expired++; return; }
    let score = 0, brands = 0, terms: string[] | null = null, termCount = 0;
    if (textCode >= 0) {
      const slot = this.cached(dict!, textCode, hint);
      score = this.cacheScore[slot]!;
      brands = this.cacheBrandCount[slot]!;
      terms = this.cacheTerms[slot]!;
      termCount = terms.length;
      if (brands < 0) brands = this.matcher.match(dict!.get(textCode), this.brandBuf);
      else for (let k = 0; k < brands; k++) this.brandBuf[k] = this.cacheBrands[slot * CACHE_BRANDS + k]!;
    }
    const s = this.slotOf(minute), base = s * this.rows;
    const label = labelOf(score), m = label === "positive" ? M_POSITIVE : label === "negative" ? M_NEGATIVE : M_NEUTRAL;
    const mentions = this.measures[M_MENTIONS]!, byLabel = this.measures[m]!, sum = this.measures[M_SENTIMENT]!;
    mentions[base]! += 1; byLabel[base]! += 1; sum[base]! += score;
    for (let k = 0; k < brands; k++) {
      const at = base + 1 + this.brandBuf[k]!;
      mentions[at]! += 1; byLabel[at]! += 1; sum[at]! += score;
    }
    for (let k = 0; k < termCount; k++) this.hitters.add(terms![k]!, minute);
  }

  /** The cache slot holding the analysis of (text code, hint), analyzing the text on a miss. */
  private cached(dict: StringDictionary, code: number, hint: number): number {
    if (dict !== this.cacheDict) { this.cacheDict = dict; this.cacheKey.fill(-1); }
    const key = code * 4 + hint, slot = (code ^ (hint << 10)) & (CACHE_SLOTS - 1);
    if (this.cacheKey[slot] === key) { this.counters.cacheHits++; return slot; }
    this.counters.analyzed++;
    const text = dict.get(code);
    const a = this.analyzer;
    this.cacheScore[slot] = normalizeScore(a.analyze(text, hint || detectLang(text)));
    const terms = this.cacheTerms[slot]!;
    terms.length = a.termCount;
    for (let k = 0; k < a.termCount; k++) terms[k] = a.terms[k]!;
    const n = this.matcher.match(text, this.brandBuf);
    this.cacheBrandCount[slot] = n <= CACHE_BRANDS ? n : -1;
    for (let k = 0; k < n && k < CACHE_BRANDS; k++) this.cacheBrands[slot * CACHE_BRANDS + k] = this.brandBuf[k]!;
    this.cacheKey[slot] = key;
    return slot;
  }

  /** The ring slot of `minute` (within retention), cleared when it held an older minute. */
  private slotOf(minute: number): number {
    const s = minute % this.minutes.length;
    if (this.minutes[s] !== minute) {
      this.minutes[s] = minute;
      for (const arr of this.measures) arr.fill(0, s * this.rows, (s + 1) * this.rows);
    }
    return s;
  }

  /** True when the ring holds minute `m` (within retention of the newest minute). */
  holds(m: number): boolean {
    return m > this.newestMinute - this.minutes.length && this.minutes[m % this.minutes.length] === m;
  }

  /** Brand id of a configured brand name, or -1. */
  brandId(name: string): number {
    return this.config.brands.findIndex((b) => b.name === name);
  }

  /** The metric per step over [fromMs, toMs) (social-query.ts). */
  series(metric: string, brand: string | undefined, fromMs: number, toMs: number, stepMs: number): SocialSeries {
    return socialSeries(this, metric, brand, fromMs, toMs, stepMs);
  }

  /** The metric over [fromMs, toMs) as one value: what an alert rule's metric source reads. */
  value(metric: string, brand: string | undefined, fromMs: number, toMs: number): number | null {
    return socialValue(this, metric, brand, fromMs, toMs);
  }

  summary(fromMs: number, toMs: number): BrandSummary[] {
    return socialSummary(this, fromMs, toMs);
  }

  trending(k: number, windowMs: number, nowMs: number): TrendingAnswer {
    return socialTrending(this, k, windowMs, nowMs);
  }

  brands(): BrandInfo[] {
    return socialBrands(this);
  }

  encode(): Uint8Array {
    return encodeSocial(this);
  }

  decode(bytes: Uint8Array): void {
    decodeSocial(this, bytes);
  }
}
