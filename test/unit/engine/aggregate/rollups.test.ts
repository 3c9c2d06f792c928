// Rollups against a brute-force computation over the raw events: every measure of every point of
// every series, for several dimension sets, steps and ranges, with late and out-of-order events and
// sweeps of fine cells into hour cells. UV is an estimate: within 3 standard errors of the exact count
// (1.04 / sqrt(2^p)), and exact-ish for tiny sets (sparse sketches).
import { expect, test } from "bun:test";
import { DEFAULT_ROLLUP_CONFIG, type RollupConfig } from "../../../../engine/aggregate/rollup-config.ts";
import { METRICS, queryRollups, type Metric, type MetricsQuery } from "../../../../engine/aggregate/rollup-query.ts";
import { Rollups } from "../../../../engine/aggregate/rollups.ts";
import { Rng } from "../../../sim/rng.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../../../helpers/event-feed.ts";

const seed = Number(process.env.SEED ?? 4242);
console.log(`rollups seed=${seed}`);
const HOUR = 3_600_000, T0 = Date.UTC(2026, 11, 1);
const config: RollupConfig = { ...DEFAULT_ROLLUP_CONFIG, fineRetentionMs: 6 * HOUR, dimensions: [["campaign"], ["country"], ["campaign", "country"]] };

function stream(rng: Rng, n: number): PlainEvent[] {
  const types = ["page_view", "page_view", "click", "impression", "impression", "purchase", "add_to_cart"];
  const out: PlainEvent[] = [];
  let clock = T0;
  for (let i = 0; i < n; i++) {
    clock += rng.int(0, 40_000);
    // 8% arrive late (up to 10 h behind: some land in hour cells), a few far back.
    const ts = rng.bool(0.08) ? clock - rng.int(60_000, 10 * HOUR) : clock;
    const type = types[rng.int(0, types.length - 1)]!;
    out.push({
      ts, type, user_id: rng.bool(0.9) ? `u${rng.int(0, 400)}` : null, anonymous_id: rng.bool(0.5) ? `a${rng.int(0, 100)}` : null,
      campaign: rng.bool(0.9) ? `c${rng.int(0, 5)}` : null, country: ["US", "DE", "FR", "BR"][rng.int(0, 3)],
      revenue: type === "purchase" ? rng.int(1, 20_000) / 100 : null, cost: type === "click" ? rng.int(1, 300) / 100 : null,
    });
  }
  return out;
}

/** The same figure by brute force over the events with ts in [from, to) matching the series key. */
function bruteForce(events: readonly PlainEvent[], metric: Metric, match: (e: PlainEvent) => boolean, from: number, to: number, lateOf: Map<PlainEvent, boolean>): number | null {
  const es = events.filter((e) => (e.ts as number) >= from && (e.ts as number) < to && match(e));
  const count = (f: (e: PlainEvent) => boolean) => es.filter(f).length;
  const sum = (k: "revenue" | "cost") => es.reduce((s, e) => s + ((e[k] as number | null) ?? 0), 0);
  const t = config.types;
  const m = {
    events: es.length, pv: count((e) => t.pv.includes(e.type as string)), clicks: count((e) => t.click.includes(e.type as string)),
    impressions: count((e) => t.impression.includes(e.type as string)), conversions: count((e) => t.conversion.includes(e.type as string)),
    revenue: sum("revenue"), cost: sum("cost"), late: count((e) => lateOf.get(e)!),
    uv: new Set(es.filter((e) => e.user_id != null || e.anonymous_id != null).map((e) => e.user_id ?? `anon:${e.anonymous_id}`)).size,
  };
  if (metric === "ctr") return m.impressions === 0 ? null : m.clicks / m.impressions;
  if (metric === "cvr") return m.clicks === 0 ? null : m.conversions / m.clicks;
  if (metric === "roas") return m.cost === 0 ? null : m.revenue / m.cost;
  if (metric === "roi") return m.cost === 0 ? null : (m.revenue - m.cost) / m.cost;
  return m[metric as keyof typeof m];
}

/** The points where the rollups and brute force disagree (beyond float rounding; UV beyond 3 sigma). */
function mismatches(r: Rollups, events: readonly PlainEvent[], lateOf: Map<PlainEvent, boolean>, q: MetricsQuery): unknown[] {
  const a = queryRollups(r, q), bad: unknown[] = [];
  const sigma = 1.04 / Math.sqrt(2 ** config.hllPrecision);
  for (const s of a.series) {
    const match = (e: PlainEvent) => Object.entries({ ...s.key, ...q.filter }).every(([d, v]) => (e[d] ?? null) === v);
    for (const [at, got] of s.points) {
      const want = bruteForce(events, q.metric, match, at, at + q.stepMs, lateOf);
      const tol = q.metric === "uv" ? Math.max(1, 3 * sigma * (want as number)) : 1e-9 * Math.max(1, Math.abs(want ?? 0));
      const same = want === null || got === null ? want === got : Math.abs(got - want) <= tol;
      if (!same) bad.push({ metric: q.metric, key: s.key, at, got, want });
    }
  }
  // Every series with data is present: the point count over all series equals the brute-force events.
  if (q.metric === "events") {
    const total = a.series.reduce((n, s) => n + s.points.reduce((m, p) => m + (p[1] as number), 0), 0);
    const want = events.filter((e) => (e.ts as number) >= q.from && (e.ts as number) < q.to && Object.entries(q.filter).every(([d, v]) => e[d] === v)).length;
    if (total !== want) bad.push({ metric: "events total", got: total, want });
  }
  return bad;
}

test("rollups equal brute force over raw events, before and after encode/decode, across sweeps", () => {
  const rng = new Rng(seed);
  const events = stream(rng, Number(process.env.ROLLUP_EVENTS ?? 12_000));
  // "Late" is judged against the newest event time seen before the event, in arrival order.
  const lateOf = new Map<PlainEvent, boolean>();
  let wm = -Infinity;
  for (const e of events) { lateOf.set(e, (e.ts as number) < wm - config.lateAfterMs); wm = Math.max(wm, e.ts as number); }
  const table = eventsTable();
  const r = new Rollups(config);
  const half = events.length >> 1;
  for (let i = 0; i < half; i += 250) appendAndFeed(table, events.slice(i, Math.min(half, i + 250)), [r]);
  const restored = new Rollups(config);
  restored.decode(r.encode());
  for (let i = half; i < events.length; i += 250) appendAndFeed(table, events.slice(i, i + 250), [r, restored]);
  expect(r.horizon).toBeGreaterThan(T0);
  expect(r.sets.every((s) => s.coarse.count > 0)).toBe(true);
  const newest = Math.max(...events.map((e) => e.ts as number));
  const recentFrom = Math.floor((newest - 2 * HOUR) / 60_000) * 60_000, to = Math.ceil(newest / HOUR) * HOUR + HOUR;
  const queries: MetricsQuery[] = [];
  for (const metric of METRICS) {
    queries.push({ metric, by: ["campaign"], filter: {}, from: recentFrom, to, stepMs: 5 * 60_000 });
    queries.push({ metric, by: [], filter: {}, from: T0, to, stepMs: HOUR });
    queries.push({ metric, by: ["country"], filter: { campaign: "c2" }, from: T0, to, stepMs: 6 * HOUR });
  }
  let points = 0;
  for (const q of queries) points += queryRollups(r, q).series.reduce((n, s) => n + s.points.length, 0);
  expect(points).toBeGreaterThan(1000);
  expect([r, restored].flatMap((rr) => queries.flatMap((q) => mismatches(rr, events, lateOf, q)))).toEqual([]);
  expect(restored.encode()).toEqual(r.encode());
});

test("queries that cannot be answered say why", () => {
  const r = new Rollups(config);
  const at = Date.UTC(2026, 11, 4, 12);
  const table = eventsTable();
  appendAndFeed(table, [{ ts: at, type: "page_view", user_id: "u", campaign: "c" }, { ts: at - 20 * HOUR, type: "page_view", user_id: "u" }], [r]);
  const q = (over: Partial<MetricsQuery>) => () => queryRollups(r, { metric: "pv", by: [], filter: {}, from: at - HOUR, to: at + HOUR, stepMs: 60_000, ...over });
  expect(q({ by: ["device"] })).toThrow("no rollup covers the dimensions device");
  expect(q({ stepMs: 90_000 })).toThrow("multiple of the rollup granularity");
  expect(q({ from: at - 24 * HOUR })).toThrow("kept per hour");
  expect(q({ to: at - 2 * HOUR })).toThrow("must be after");
  expect(queryRollups(r, { metric: "pv", by: [], filter: {}, from: at - 24 * HOUR, to: at + HOUR, stepMs: HOUR }).series[0]!.points.reduce((s, p) => s + (p[1] as number), 0)).toBe(2);
});

test("hour tables answer exactly as minute cells while events, late ones included, keep arriving", () => {
  const rng = new Rng(seed + 1);
  const events = stream(rng, 8_000);
  const table = eventsTable();
  const r = new Rollups(config);
  const answers = (q: MetricsQuery) => [queryRollups(r, q), queryRollups(r, q, { hourTables: false })].map((a) => ({ ...a, cellsRead: 0 }));
  let compared = 0;
  for (let i = 0; i < events.length; i += 400) {
    appendAndFeed(table, events.slice(i, i + 400), [r]);
    const end = Math.ceil(r.watermark / 60_000) * 60_000;
    const queries: MetricsQuery[] = [
      { metric: "uv", by: ["campaign"], filter: {}, from: end - 5 * HOUR, to: end, stepMs: HOUR }, // unaligned: ragged edges in minutes
      { metric: "uv", by: [], filter: {}, from: Math.floor(end / HOUR) * HOUR - 4 * HOUR, to: Math.floor(end / HOUR) * HOUR, stepMs: HOUR },
      { metric: "revenue", by: ["country"], filter: { campaign: "c1" }, from: end - 5 * HOUR, to: end, stepMs: 5 * HOUR },
      { metric: "ctr", by: ["campaign", "country"], filter: {}, from: Math.floor(end / HOUR) * HOUR - 5 * HOUR, to: end, stepMs: 2 * HOUR },
    ];
    for (const q of queries) {
      const [cached, minutes] = answers(q);
      // The same series and points; sums may differ in the last bit (another order of additions),
      // sketch estimates not at all (merging is a register-wise max, in any order).
      const rounded = (a: typeof cached) => ({ ...a, series: a!.series.map((x) => ({ ...x, points: x.points.map(([t, v]) => [t, v === null || q.metric === "uv" ? v : Number(v.toPrecision(12))]) })) });
      expect(rounded(cached)).toEqual(rounded(minutes));
      compared++;
    }
  }
  // The tables were reused, and rebuilt when late events changed an hour already built.
  expect(compared).toBe(4 * Math.ceil(events.length / 400));
  expect(r.hours.counters.hits).toBeGreaterThan(0);
  expect(r.hours.counters.builds).toBeGreaterThan(new Set(events.map((e) => Math.floor((e.ts as number) / HOUR))).size);
});

test("a range reaching far past the data builds hour tables only for hours that can hold fine cells", () => {
  const r = new Rollups(config);
  const at = Date.UTC(2026, 11, 4, 12, 30);
  appendAndFeed(eventsTable(), [{ ts: at, type: "page_view", user_id: "u", campaign: "c" }], [r]);
  const from = Date.UTC(2026, 11, 4), to = from + 20_000 * HOUR; // two years and more, one point
  const q: MetricsQuery = { metric: "uv", by: ["campaign"], filter: {}, from, to, stepMs: to - from };
  expect(queryRollups(r, q)).toEqual(queryRollups(r, q, { hourTables: false }));
  expect(r.hours.counters.builds).toBeLessThanOrEqual(13); // hours 00:00-12:00 of the day, at most
});

test("a checkpoint decoded over warm hour tables answers from its own cells (same and other granularity)", () => {
  const T = Date.UTC(2026, 11, 4);
  const feed = (r: Rollups, users: number) => appendAndFeed(eventsTable(), Array.from({ length: 600 }, (_, i) => ({ ts: T + i * 30_000, type: "page_view", user_id: `u${i % users}`, campaign: `c${i % 3}` })), [r]);
  for (const granularityMs of [60_000, 300_000]) {
    const r = new Rollups(DEFAULT_ROLLUP_CONFIG), other = new Rollups({ ...DEFAULT_ROLLUP_CONFIG, granularityMs });
    feed(r, 5);
    feed(other, 200);
    const q: MetricsQuery = { metric: "uv", by: ["campaign"], filter: {}, from: T, to: T + 5 * HOUR, stepMs: HOUR };
    const before = queryRollups(r, q);
    r.decode(other.encode());
    const after = queryRollups(r, q);
    expect(after.series).toEqual(queryRollups(r, q, { hourTables: false }).series);
    expect(after.series).toEqual(queryRollups(other, q, { hourTables: false }).series);
    expect(after.series).not.toEqual(before.series);
  }
});
