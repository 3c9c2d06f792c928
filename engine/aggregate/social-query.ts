// Reading the `social` state: per-minute series by brand, one value over a range (what an alert
// rule's metric source asks), a per-brand summary, trending terms, the brand list. Reads the rings
// only; never raw events.
//
// Metrics over a range of whole minutes (a minute belongs to a point when its start is in the point):
//   mentions        posts mentioning the brand (without a brand: all posts)
//   positive, negative, neutral   the same, by sentiment label (negative per minute is the metric
//                   for "spike in negative mentions" anomaly rules)
//   sentiment_avg   sum of scores / mentions (null without mentions)
//   share_of_voice  the brand's mentions / mentions of all configured brands (null when there are
//                   none; needs a brand). A post naming two brands counts for both.
// Minutes older than the retention read as no data (0 for counts, null for ratios).

import { EngineError } from "../core/errors.ts";
import type { HeavyHitter } from "./heavy-hitters.ts";
import type { SocialListening } from "./social-listening.ts";
import { M_MENTIONS, M_NEGATIVE, M_NEUTRAL, M_POSITIVE, M_SENTIMENT, MINUTE_MS } from "./social-measures.ts";

export const SOCIAL_METRICS = ["mentions", "positive", "negative", "neutral", "sentiment_avg", "share_of_voice"] as const;
export type SocialMetric = (typeof SOCIAL_METRICS)[number];
export const SOCIAL_POINTS_MAX = 10_000;
export const TRENDING_K_MAX = 1_000;

export interface SocialSeries {
  readonly metric: SocialMetric;
  readonly brand: string | null;
  /** [point start ms, value]; null where a ratio has no denominator. */
  readonly points: [number, number | null][];
}

/** Sums over a set of minutes: the brand's row and, for share of voice, all brands' mentions. */
interface Acc { mentions: number; positive: number; negative: number; neutral: number; sentiment: number; allBrands: number }

const emptyAcc = (): Acc => ({ mentions: 0, positive: 0, negative: 0, neutral: 0, sentiment: 0, allBrands: 0 });

function rowOf(c: SocialListening, metric: string, brand: string | undefined): number {
  if (!(SOCIAL_METRICS as readonly string[]).includes(metric)) {
    throw new EngineError("bad_argument", `unknown social metric ${metric}: one of ${SOCIAL_METRICS.join(", ")}`);
  }
  if (brand === undefined) {
    if (metric === "share_of_voice") throw new EngineError("bad_argument", "share_of_voice needs a brand");
    return 0;
  }
  const id = c.brandId(brand);
  if (id < 0) throw new EngineError("bad_argument", `unknown brand ${brand}: configured brands are ${c.config.brands.map((b) => b.name).join(", ") || "none"}`);
  return 1 + id;
}

function accumulate(c: SocialListening, acc: Acc, minute: number, row: number): void {
  const base = (minute % c.minutes.length) * c.rows, ms = c.measures;
  acc.mentions += ms[M_MENTIONS]![base + row]!;
  acc.positive += ms[M_POSITIVE]![base + row]!;
  acc.negative += ms[M_NEGATIVE]![base + row]!;
  acc.neutral += ms[M_NEUTRAL]![base + row]!;
  acc.sentiment += ms[M_SENTIMENT]![base + row]!;
  const mentions = ms[M_MENTIONS]!;
  for (let r = 1; r < c.rows; r++) acc.allBrands += mentions[base + r]!;
}

function valueOf(metric: SocialMetric, a: Acc): number | null {
  switch (metric) {
    case "mentions": return a.mentions;
    case "positive": return a.positive;
    case "negative": return a.negative;
    case "neutral": return a.neutral;
    case "sentiment_avg": return a.mentions === 0 ? null : a.sentiment / a.mentions;
    case "share_of_voice": return a.allBrands === 0 ? null : a.mentions / a.allBrands;
  }
}

/** Retained minutes whose start is in [fromMs, toMs), oldest first. */
function* minutesIn(c: SocialListening, fromMs: number, toMs: number): Generator<number> {
  const first = Math.max(Math.ceil(fromMs / MINUTE_MS), c.newestMinute - c.minutes.length + 1);
  const last = Math.min(Math.ceil(toMs / MINUTE_MS) - 1, c.newestMinute);
  for (let m = first; m <= last; m++) if (c.holds(m)) yield m;
}

/** The metric per step over [fromMs, toMs); points start at fromMs, stepMs apart (a multiple of a minute). */
export function socialSeries(c: SocialListening, metric: string, brand: string | undefined, fromMs: number, toMs: number, stepMs: number): SocialSeries {
  const row = rowOf(c, metric, brand);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || !(toMs > fromMs)) throw new EngineError("bad_argument", `to (${toMs}) must be after from (${fromMs})`);
  if (!(stepMs >= MINUTE_MS) || stepMs % MINUTE_MS !== 0) throw new EngineError("bad_argument", `step ${stepMs} ms must be a positive multiple of ${MINUTE_MS} ms`);
  const n = Math.ceil((toMs - fromMs) / stepMs);
  if (n > SOCIAL_POINTS_MAX) throw new EngineError("bad_argument", `${n} points requested, at most ${SOCIAL_POINTS_MAX}: widen step or narrow the range`);
  const accs = Array.from({ length: n }, emptyAcc);
  for (const m of minutesIn(c, fromMs, toMs)) accumulate(c, accs[Math.floor((m * MINUTE_MS - fromMs) / stepMs)]!, m, row);
  return {
    metric: metric as SocialMetric, brand: brand ?? null,
    points: accs.map((a, p) => [fromMs + p * stepMs, valueOf(metric as SocialMetric, a)]),
  };
}

/** The metric over [fromMs, toMs) as one value (for alert rules: the caller maps filter.brand). */
export function socialValue(c: SocialListening, metric: string, brand: string | undefined, fromMs: number, toMs: number): number | null {
  const row = rowOf(c, metric, brand);
  const acc = emptyAcc();
  for (const m of minutesIn(c, fromMs, toMs)) accumulate(c, acc, m, row);
  return valueOf(metric as SocialMetric, acc);
}

export interface BrandSummary {
  readonly brand: string;
  readonly competitor: boolean;
  readonly mentions: number;
  readonly positive: number;
  readonly negative: number;
  readonly neutral: number;
  readonly sentiment_avg: number | null;
  readonly share_of_voice: number | null;
}

/** Every brand's figures over [fromMs, toMs), in configuration order. */
export function socialSummary(c: SocialListening, fromMs: number, toMs: number): BrandSummary[] {
  const accs = c.config.brands.map(emptyAcc);
  for (const m of minutesIn(c, fromMs, toMs)) accs.forEach((a, id) => accumulate(c, a, m, 1 + id));
  return c.config.brands.map((b, id) => {
    const a = accs[id]!;
    return {
      brand: b.name, competitor: b.competitor, mentions: a.mentions, positive: a.positive, negative: a.negative, neutral: a.neutral,
      sentiment_avg: valueOf("sentiment_avg", a), share_of_voice: valueOf("share_of_voice", a),
    };
  });
}

export interface TrendingAnswer {
  readonly terms: HeavyHitter[];
  /** The minutes read: [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Term occurrences (once per post) in those minutes. */
  readonly total: number;
  /** No count is overestimated by more than this (<= total / trending capacity). */
  readonly errorBound: number;
}

/** The k most frequent terms of the posts in the window of windowMs ending with the minute of nowMs. */
export function socialTrending(c: SocialListening, k: number, windowMs: number, nowMs: number): TrendingAnswer {
  if (!Number.isInteger(k) || k < 1 || k > TRENDING_K_MAX) throw new EngineError("bad_argument", `k ${k} must be an integer from 1 to ${TRENDING_K_MAX}`);
  if (!(windowMs > 0) || !Number.isFinite(nowMs)) throw new EngineError("bad_argument", `window ${windowMs} ms must be positive and now (${nowMs}) a time`);
  const last = Math.floor(nowMs / MINUTE_MS);
  const panes = Math.min(Math.ceil(windowMs / MINUTE_MS), c.hitters.panes);
  const top = c.hitters.top(k, last, panes);
  return { terms: top.terms, fromMs: top.firstPane * MINUTE_MS, toMs: (last + 1) * MINUTE_MS, total: top.total, errorBound: top.errorBound };
}

export interface BrandInfo {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly competitor: boolean;
}

export function socialBrands(c: SocialListening): BrandInfo[] {
  return c.config.brands.map((b) => ({ name: b.name, aliases: [...b.aliases], competitor: b.competitor }));
}
