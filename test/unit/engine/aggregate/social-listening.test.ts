import { describe, expect, test } from "bun:test";
import { SocialAnalyzer, resolveLang, scoreText } from "../../../../engine/aggregate/sentiment-score.ts";
import { socialConfigFrom, type SocialConfig } from "../../../../engine/aggregate/social-config.ts";
import { SocialListening } from "../../../../engine/aggregate/social-listening.ts";
import { SOCIAL_METRICS } from "../../../../engine/aggregate/social-query.ts";
import { StringDictionary } from "../../../../engine/column/string-dictionary.ts";
import type { Vector } from "../../../../engine/column/vector.ts";
import type { FeedBatch } from "../../../../engine/aggregate/row-feed.ts";
import { ColumnType } from "../../../../engine/core/types.ts";
import { EngineError } from "../../../../engine/core/errors.ts";
import { appendAndFeed, eventsTable, plainEventsBatch, type PlainEvent } from "../../../helpers/event-feed.ts";
import { DerivedState } from "../../../../engine/aggregate/derived-state.ts";
import { decodeBatch } from "../../../../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { Catalog } from "../../../../engine/store/catalog.ts";
import { evaluateStep, type MetricSource } from "../../../../engine/aggregate/alert-condition.ts";
import { parseAlertRule } from "../../../../engine/aggregate/alert-rules.ts";
import { Rng } from "../../../sim/rng.ts";
import labelled from "../../../fixtures/social/labelled.json";
import { referenceMatches, TEST_BRANDS } from "./social-fixtures.ts";

const SEED = Number(process.env.SEED ?? 2718);
console.log(`social listening tests: SEED=${SEED}`);

const MIN = 60_000;
const BASE = Date.UTC(2025, 0, 1);
const RETENTION = 120, WINDOW = 30;
const sentences = (labelled as { sentences: { text: string }[] }).sentences.map((s) => s.text);

function config(over: Record<string, unknown> = {}): SocialConfig {
  return socialConfigFrom({
    brands: TEST_BRANDS.map((b) => ({ name: b.name, aliases: b.aliases, competitor: b.competitor })),
    retention_minutes: RETENTION, trending_window_minutes: WINDOW, trending_capacity: 5000, ...over,
  });
}

/** Seeded events over ~200 minutes: posts (reposts, props language hints, no text, late and expired ones) among other types. */
function generate(seed: number, count: number, startMinute = 0): PlainEvent[] {
  const r = new Rng(seed), texts: string[] = [], out: PlainEvent[] = [];
  for (let i = 0; i < count; i++) {
    let minute = startMinute + Math.floor((i * 200) / count) + r.int(-3, 3);
    if (r.bool(0.02)) minute -= r.int(100, 300); // late; some beyond the retention
    const ts = BASE + minute * MIN + r.int(0, MIN - 1);
    if (r.bool(0.1)) { out.push({ type: "page_view", ts, text: r.pick(sentences) }); continue; }
    let text: string | undefined;
    if (texts.length > 0 && r.bool(0.3)) text = r.pick(texts); // a repost
    else if (!r.bool(0.03)) {
      const b = r.pick(TEST_BRANDS), alias = r.pick([b.name, ...b.aliases]);
      const mention = r.bool(0.2) ? "pineapple" : r.bool(0.5) ? alias.toUpperCase() : alias;
      text = r.bool(0.5) ? `${mention} ${r.pick(sentences)}` : `${r.pick(sentences)} #${mention}`;
      texts.push(text);
    }
    const roll = r.float();
    const props = roll < 0.4 ? JSON.stringify({ author: `u${r.int(1, 50)}`, language: r.pick(["zh", "en", "zh-CN", "en-US", "fr"]) })
      : roll < 0.6 ? JSON.stringify({ author: `u${r.int(1, 50)}` }) : roll < 0.7 ? JSON.stringify({ lang: "zh" }) : undefined;
    out.push({ type: "social_post", ts, text, props, platform: r.pick(["weibo", "x", "reddit"]) });
  }
  return out;
}

interface Post { minute: number; score: number; brands: number[]; terms: string[] }

/** The brute force: every accepted post with its score (scoreText), brands (regex reference) and terms. */
function bruteForce(events: readonly PlainEvent[], retention: number, panes: number) {
  const analyzer = new SocialAnalyzer();
  const posts: Post[] = [], trendingPosts: Post[] = [];
  let newest = -Infinity, hhNewest = -Infinity, expired = 0;
  for (const e of events) {
    if (e.type !== "social_post") continue;
    const minute = Math.floor(Number(e.ts) / MIN);
    newest = Math.max(newest, minute);
    if (minute <= newest - retention) { expired++; continue; }
    const props = e.props ? JSON.parse(String(e.props)) as { language?: string; lang?: string } : {};
    const hint = props.language ?? props.lang;
    const text = e.text === undefined ? null : String(e.text);
    const terms: string[] = [];
    if (text !== null) { analyzer.analyze(text, resolveLang(text, hint)); terms.push(...analyzer.terms.slice(0, analyzer.termCount)); }
    const p = { minute, score: text === null ? 0 : scoreText(text, hint).score, brands: text === null ? [] : referenceMatches(TEST_BRANDS, text), terms };
    posts.push(p);
    hhNewest = Math.max(hhNewest, minute);
    if (minute > hhNewest - panes) trendingPosts.push(p);
  }
  return { posts, trendingPosts, newest, expired };
}

function bruteSeries(bf: ReturnType<typeof bruteForce>, metric: string, brand: number | null, from: number, to: number, step: number, retention: number) {
  const n = Math.ceil((to - from) / step);
  // Per minute first (in feed order), then minutes in ascending order: the component's summation order.
  const perMinute = new Map<number, { m: number; pos: number; neg: number; neu: number; sum: number; all: number }>();
  for (const p of bf.posts) {
    if (p.minute <= bf.newest - retention || p.minute * MIN < from || p.minute * MIN >= to) continue;
    let a = perMinute.get(p.minute);
    if (!a) perMinute.set(p.minute, (a = { m: 0, pos: 0, neg: 0, neu: 0, sum: 0, all: 0 }));
    a.all += p.brands.length;
    if (brand !== null && !p.brands.includes(brand)) continue;
    a.m++;
    if (p.score >= 0.05) a.pos++; else if (p.score <= -0.05) a.neg++; else a.neu++;
    a.sum += p.score;
  }
  const pts = Array.from({ length: n }, () => ({ m: 0, pos: 0, neg: 0, neu: 0, sum: 0, all: 0 }));
  for (const minute of [...perMinute.keys()].sort((x, y) => x - y)) {
    const a = perMinute.get(minute)!, t = pts[Math.floor((minute * MIN - from) / step)]!;
    t.m += a.m; t.pos += a.pos; t.neg += a.neg; t.neu += a.neu; t.sum += a.sum; t.all += a.all;
  }
  return pts.map((t, i) => [from + i * step, {
    mentions: t.m, positive: t.pos, negative: t.neg, neutral: t.neu, sentiment_avg: t.m === 0 ? null : t.sum / t.m, share_of_voice: t.all === 0 ? null : t.m / t.all,
  }[metric]!] as [number, number | null]);
}

function feedAll(c: SocialListening, events: readonly PlainEvent[], table = eventsTable()) {
  for (let i = 0; i < events.length; i += 500) appendAndFeed(table, events.slice(i, i + 500), [c]);
  return table;
}

/** Every series the tests compare: each metric, for all posts and each brand, at three steps. */
function allSeries(c: SocialListening, from: number, to: number) {
  const out: Record<string, unknown> = {};
  for (const metric of SOCIAL_METRICS) {
    for (const brand of [undefined, ...TEST_BRANDS.map((b) => b.name)]) {
      if (metric === "share_of_voice" && brand === undefined) continue;
      for (const step of [MIN, 7 * MIN, 60 * MIN]) out[`${metric}/${brand}/${step}`] = c.series(metric, brand, from, to, step).points;
    }
  }
  return out;
}

describe("SocialListening", () => {
  const events = generate(SEED, 6000);
  const from = BASE - 20 * MIN + 30_000, to = BASE + 230 * MIN;

  test("series equal a brute force over the raw events, for every metric, brand and step", () => {
    const c = new SocialListening(config());
    feedAll(c, events);
    const bf = bruteForce(events, RETENTION, WINDOW);
    const want: Record<string, unknown> = {};
    for (const metric of SOCIAL_METRICS) {
      for (const brand of [undefined, ...TEST_BRANDS.map((b) => b.name)]) {
        if (metric === "share_of_voice" && brand === undefined) continue;
        const id = brand === undefined ? null : TEST_BRANDS.findIndex((b) => b.name === brand);
        for (const step of [MIN, 7 * MIN, 60 * MIN]) want[`${metric}/${brand}/${step}`] = bruteSeries(bf, metric, id, from, to, step, RETENTION);
      }
    }
    console.log(`posts ${c.counters.posts}, analyzed ${c.counters.analyzed}, cache hits ${c.counters.cacheHits}, expired ${c.counters.expired}; accepted ${bf.posts.length}`);
    expect({ series: allSeries(c, from, to), expired: c.counters.expired, posts: c.counters.posts })
      .toEqual({ series: want, expired: bf.expired, posts: bf.posts.length + bf.expired });
  });

  test("trending terms equal exact counts over the window (a capacity that never fills makes the sketch exact)", () => {
    const c = new SocialListening(config());
    feedAll(c, events);
    const bf = bruteForce(events, RETENTION, WINDOW);
    const got: Record<string, unknown> = {}, want: Record<string, unknown> = {};
    for (const [k, windowMin, nowMin] of [[10, 30, 199], [25, 10, 199], [5, 60, 190], [10, 5, 185]] as const) {
      const last = Math.floor((BASE + nowMin * MIN) / MIN), panes = Math.min(windowMin, WINDOW);
      const first = Math.max(last - panes + 1, bf.newest - WINDOW + 1);
      const counts = new Map<string, number>();
      for (const p of bf.trendingPosts) if (p.minute >= first && p.minute <= last) for (const t of p.terms) counts.set(t, (counts.get(t) ?? 0) + 1);
      const exact = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k).map(([term, n]) => ({ term, count: n, lower: n }));
      let total = 0;
      for (const n of counts.values()) total += n;
      const a = c.trending(k, windowMin * MIN, BASE + nowMin * MIN);
      got[`${k}/${windowMin}/${nowMin}`] = a;
      want[`${k}/${windowMin}/${nowMin}`] = { terms: exact, fromMs: first * MIN, toMs: (last + 1) * MIN, total, errorBound: 0 };
    }
    console.log(`trending, last 30 min: ${(got["10/30/199"] as { terms: { term: string; count: number }[] }).terms.map((t) => `${t.term}:${t.count}`).join(" ")}`);
    expect(got).toEqual(want);
  });

  test("encode/decode round trip: same answers, same bytes, and the same state after more events", () => {
    const a = new SocialListening(config()), table = feedAll(a, events);
    const b = new SocialListening(config());
    b.decode(a.encode());
    const snapshot = (c: SocialListening) => ({ series: allSeries(c, from, to), trending: c.trending(20, 30 * MIN, BASE + 199 * MIN), counters: { ...c.counters }, summary: c.summary(from, to) });
    const before = snapshot(b), original = snapshot(a);
    const bytesEqual = Buffer.from(b.encode()).equals(Buffer.from(a.encode()));
    const more = generate(SEED + 1, 2000, 150);
    const tableB = eventsTable();
    feedAll(a, more, table);
    feedAll(b, more, tableB);
    const later = (c: SocialListening) => ({ ...snapshot(c), counters: { posts: c.counters.posts, expired: c.counters.expired } });
    expect({ before, bytesEqual, after: later(b) }).toEqual({ before: original, bytesEqual: true, after: later(a) });
  });

  test("decoding into another configuration keeps brands by name and minutes within the new retention", () => {
    const a = new SocialListening(config());
    feedAll(a, events);
    const reordered = [TEST_BRANDS[3]!, TEST_BRANDS[0]!, { name: "nokia", aliases: ["诺基亚"], competitor: true }];
    const b = new SocialListening(config({ brands: reordered.map((x) => ({ name: x.name, aliases: x.aliases, competitor: x.competitor })), retention_minutes: 60, trending_window_minutes: 20 }));
    b.decode(a.encode());
    const last = a.newestMinute * MIN, kept = (a.newestMinute - 59) * MIN;
    const series = (c: SocialListening, brand: string) => c.series("mentions", brand, kept, last + MIN, MIN).points;
    let unknown = "";
    try { b.series("mentions", "samsung", kept, last, MIN); } catch (e) { unknown = (e as EngineError).code; }
    expect({
      google: series(b, "google"), apple: series(b, "apple"), nokia: series(b, "nokia").every(([, v]) => v === 0),
      older: b.series("mentions", undefined, kept - 30 * MIN, kept, MIN).points.every(([, v]) => v === 0), unknown,
      trending: b.trending(10, 20 * MIN, last).terms,
    }).toEqual({
      google: series(a, "google"), apple: series(a, "apple"), nokia: true, older: true, unknown: "bad_argument",
      trending: a.trending(10, 20 * MIN, last).terms,
    });
  });

  test("a language column, when the table has one, is the hint; results are cached per text and hint", () => {
    const c = new SocialListening(config());
    const types = new StringDictionary(), texts = new StringDictionary(), langs = new StringDictionary();
    const code = (d: StringDictionary, s: string) => { const b = new TextEncoder().encode(s); return d.codeOfBytes(b, 0, b.length); };
    const rows: [string, string | null][] = [["苹果真好用", null], ["苹果真好用", "fr"], ["苹果真好用", null], ["苹果真好用", "zh"], ["Apple rocks", "en"]];
    const vec = (type: ColumnType, dict: StringDictionary | null, codes: Uint32Array | null, f64: Float64Array | null, validity: Uint8Array | null = null): Vector =>
      ({ type, validity, f64, i32: null, u8: null, codes, dict });
    const langValid = new Uint8Array(1);
    rows.forEach(([, l], i) => { if (l !== null) langValid[0]! |= 1 << i; });
    const columns: Record<string, Vector> = {
      ts: vec(ColumnType.TIMESTAMP, null, null, Float64Array.from(rows, () => BASE)),
      type: vec(ColumnType.STRING, types, Uint32Array.from(rows, () => code(types, "social_post")), null),
      text: vec(ColumnType.STRING, texts, Uint32Array.from(rows, ([t]) => code(texts, t)), null),
      language: vec(ColumnType.STRING, langs, Uint32Array.from(rows, ([, l]) => code(langs, l ?? "")), null, langValid),
    };
    const batch: FeedBatch = { table: "events", begin: 0, end: rows.length, firstRow: 0, column: (n) => columns[n] ?? null };
    c.consume(batch);
    const zh = scoreText("苹果真好用").score;
    expect({
      sum: c.series("sentiment_avg", "apple", BASE, BASE + MIN, MIN).points[0]![1]! * 5, mentions: c.value("mentions", "apple", BASE, BASE + MIN),
      neutral: c.value("neutral", "apple", BASE, BASE + MIN), counters: { ...c.counters },
    }).toEqual({
      // 苹果真好用 scored in Chinese three times (no hint twice, "zh" once), as "other" (emoji only: 0) once.
      sum: 3 * zh + scoreText("Apple rocks", "en").score, mentions: 5, neutral: 1 + (scoreText("Apple rocks", "en").label === "neutral" ? 1 : 0),
      counters: { posts: 5, analyzed: 4, cacheHits: 1, expired: 0 },
    });
  });

  test("configuration and query limits are errors with stable codes", () => {
    const codeOf = (f: () => unknown) => { try { f(); return "ok"; } catch (e) { return e instanceof EngineError ? e.code : String(e); } };
    const c = new SocialListening(config());
    feedAll(c, events.slice(0, 200));
    expect({
      duplicate: codeOf(() => config({ brands: [{ name: "a" }, { name: "a" }] })),
      emptyAlias: codeOf(() => config({ brands: [{ name: "a", aliases: [" "] }] })),
      tooManyAliases: codeOf(() => config({ brands: [{ name: "a", aliases: Array.from({ length: 65 }, (_, i) => `x${i}`) }] })),
      tooManyBrands: codeOf(() => config({ brands: Array.from({ length: 257 }, (_, i) => ({ name: `b${i}` })) })),
      windowPastRetention: codeOf(() => config({ retention_minutes: 60, trending_window_minutes: 61 })),
      unknownField: codeOf(() => config({ brand: [] })),
      metric: codeOf(() => c.series("likes", "apple", BASE, BASE + MIN, MIN)),
      brand: codeOf(() => c.series("mentions", "nokia", BASE, BASE + MIN, MIN)),
      sovWithoutBrand: codeOf(() => c.value("share_of_voice", undefined, BASE, BASE + MIN)),
      step: codeOf(() => c.series("mentions", "apple", BASE, BASE + MIN, 30_000)),
      points: codeOf(() => c.series("mentions", "apple", BASE, BASE + 10_001 * MIN, MIN)),
      range: codeOf(() => c.series("mentions", "apple", BASE, BASE, MIN)),
      k: codeOf(() => c.trending(1001, MIN, BASE)),
      window: codeOf(() => c.trending(10, 0, BASE)),
      ok: codeOf(() => c.series("mentions", "apple", BASE, BASE + 10_000 * MIN, MIN)),
    }).toEqual({
      duplicate: "bad_config", emptyAlias: "bad_config", tooManyAliases: "bad_config", tooManyBrands: "bad_config", windowPastRetention: "bad_config",
      unknownField: "bad_config", metric: "bad_argument", brand: "bad_argument", sovWithoutBrand: "bad_argument", step: "bad_argument",
      points: "bad_argument", range: "bad_argument", k: "bad_argument", window: "bad_argument", ok: "ok",
    });
  });

  test("through DerivedState: a checkpoint restored mid-stream ends in the state of one uninterrupted feed", () => {
    const all = new SocialListening(config());
    feedAll(all, events);
    const cat = new Catalog();
    cat.create(EVENTS_SCHEMA, { segmentRows: 1024 });
    const first = new DerivedState([new SocialListening(config())]);
    const append = (d: DerivedState, part: readonly PlainEvent[]) => { cat.get("events")!.appendBatch(decodeBatch(plainEventsBatch(part)), null); d.feed(cat); };
    for (let i = 0; i < 3000; i += 700) append(first, events.slice(i, Math.min(i + 700, 3000)));
    const restarted = new DerivedState([new SocialListening(config())]);
    restarted.restore(first.snapshot());
    restarted.feed(cat); // nothing new: the checkpoint covers every row
    for (let i = 3000; i < events.length; i += 700) append(restarted, events.slice(i, i + 700));
    const c = restarted.components[0] as SocialListening;
    const view = (x: SocialListening) => ({ series: allSeries(x, from, to), trending: x.trending(20, 30 * MIN, BASE + 199 * MIN), posts: x.counters.posts });
    expect({ ...view(c), failures: [...restarted.failures] }).toEqual({ ...view(all), failures: [] });
  });

  test("a spike of negative mentions fires an anomaly rule on the negative metric of a brand", () => {
    const c = new SocialListening(config());
    const r = new Rng(SEED);
    const posts: PlainEvent[] = [];
    // Texts whose label follows from AFINN alone: terrible -3, hate -3, awful -3, broken -1 / useless -2; love 3, great 3, awesome 4.
    const negative = ["Apple is terrible", "I hate Apple", "Apple support was awful", "my Apple phone is broken and useless"];
    const positive = ["I love Apple", "Apple is great", "the new Apple phone is awesome"];
    for (let m = 0; m < 60; m++) {
      // 4 to 6 negative and 10 positive Apple posts a minute; minute 50 has 40 negative ones.
      const neg = m === 50 ? 40 : r.int(4, 6);
      for (let k = 0; k < neg; k++) posts.push({ type: "social_post", ts: BASE + m * MIN + k, text: r.pick(negative) });
      for (let k = 0; k < 10; k++) posts.push({ type: "social_post", ts: BASE + m * MIN + 100 + k, text: r.pick(positive) });
    }
    feedAll(c, posts);
    // The server maps "social.<metric>" with filter {brand} onto value(); this is that adapter.
    const source: MetricSource = { value: (metric, filter, f, t) => c.value(metric.slice("social.".length), filter?.brand, f, t) };
    const rule = parseAlertRule({ name: "apple-negative-spike", metric: "social.negative", filter: { brand: "apple" }, kind: "anomaly", baseline_minutes: 30, z_score: 4, relative_change: 1, direction: "up" });
    const verdict = (m: number) => evaluateStep(rule, source, BASE + m * MIN, BASE + (m + 1) * MIN, new Float64Array(64)).holds;
    const counts = [49, 50].map((m) => c.value("negative", "apple", BASE + m * MIN, BASE + (m + 1) * MIN));
    expect({ quiet: verdict(49), spike: verdict(50), after: verdict(51), spikeCount: counts[1] }).toEqual({ quiet: false, spike: true, after: false, spikeCount: 40 });
  });
});
