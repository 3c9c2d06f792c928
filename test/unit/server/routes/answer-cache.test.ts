// GET /v1/metrics answers reused while the rollups are unchanged: a reused answer is byte for byte
// what computing it afresh gives at that moment, whatever was ingested, swept or restored between
// asks; the cache itself keeps to its bounds.
import { expect, test } from "bun:test";
import { DEFAULT_ROLLUP_CONFIG } from "../../../../engine/aggregate/rollup-config.ts";
import { Rollups } from "../../../../engine/aggregate/rollups.ts";
import { AnswerCache } from "../../../../server/routes/answer-cache.ts";
import { getMetrics } from "../../../../server/routes/metrics.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../../../helpers/event-feed.ts";
import { Rng } from "../../../sim/rng.ts";

const MIN = 60_000, HOUR = 3_600_000;
const blob = (n: number) => new Blob([new Uint8Array(n)]);

test("a hit needs the same key and stamp; least recently used entries leave first; bytes and entries stay bounded", () => {
  const c = new AnswerCache(1000, 3);
  c.set("a", "1", blob(100));
  expect(c.get("a", "1")?.size).toBe(100);
  expect(c.get("a", "2")).toBeUndefined();
  // Another stamp's entry is a miss but stays, for its series, until an answer replaces it.
  const series = new Map([['{"campaign":"c1"}', { values: new Float64Array([1, NaN]), bytes: new Uint8Array(10) }]]);
  c.set("a", "2", blob(100), series);
  expect([c.get("a", "1"), c.series("a"), c.stats().bytes]).toEqual([undefined, series, 100 + 16 + 10]);
  c.noteSeriesKept(3);
  expect(c.stats().seriesKept).toBe(3);
  expect(c.series("none").size).toBe(0);
  c.set("a", "1", blob(100)); c.set("b", "1", blob(100)); c.set("c", "1", blob(100));
  c.get("a", "1"); // a is now the most recent: b leaves first
  c.set("d", "1", blob(100));
  expect(["a", "b", "c", "d"].map((k) => c.get(k, "1") !== undefined)).toEqual([true, false, true, true]);
  c.set("e", "1", blob(240)); c.set("f", "1", blob(240)); c.set("g", "1", blob(240)); c.set("h", "1", blob(240)); c.set("i", "1", blob(240));
  expect(c.stats().bytes).toBeLessThanOrEqual(1000);
  expect(c.stats().entries).toBeLessThanOrEqual(3);
  c.set("big", "1", blob(251)); // over a quarter of the budget: not kept
  expect(c.get("big", "1")).toBeUndefined();
  expect(new AnswerCache(0).get("x", "0")).toBeUndefined();
  const z = new AnswerCache(0); z.set("x", "0", blob(1)); expect(z.get("x", "0")).toBeUndefined();
});

test("answers reused between changes, and series kept from the answer before a change, equal fresh answers after random ingest, late events, sweeps and a restore", async () => {
  const rng = new Rng(31);
  const end = Date.UTC(2026, 11, 4, 12);
  const r = new Rollups({ ...DEFAULT_ROLLUP_CONFIG, fineRetentionMs: 2 * HOUR, lateAfterMs: MIN });
  const cached = { rollups: r, metricsAnswers: new AnswerCache(1 << 20) };
  const fresh = { rollups: r, metricsAnswers: new AnswerCache(0) };
  const t = eventsTable();
  const queries = [
    `metric=uv&by=campaign&from=${end - HOUR}&to=${end}&step=1m`,
    `metric=events&by=country&from=${end - 3 * HOUR}&to=${end}&step=1h`,
    `metric=ctr&from=${end - 2 * HOUR}&to=${end}&step=5m`,
    `metric=revenue&by=campaign&campaign=c1&from=${end - HOUR}&to=${end}&step=10m`,
    `metric=uv&from=${end - 4 * HOUR}&to=${end}&step=1h`,
    // Sums over whole hours read the hour tables a UV query built (to the last bit of a money sum).
    `metric=revenue&by=campaign&from=${end - 4 * HOUR}&to=${end}&step=2h`,
    `metric=roas&from=${end - 4 * HOUR}&to=${end}&step=4h`,
    `metric=uv&by=campaign&from=${end - 4 * HOUR}&to=${end}&step=2h`,
  ];
  let clock = end - 4 * HOUR, hits = 0, earlier: Uint8Array | null = null;
  const ask = async (q: string) => {
    const a = getMetrics(new Request(`http://h/v1/metrics?${q}`), cached), b = getMetrics(new Request(`http://h/v1/metrics?${q}`), fresh);
    const [ja, jb] = [(await a.json()) as any, (await b.json()) as any];
    if (a.headers.get("x-caracal-cache") === "hit") hits++;
    expect({ q, status: a.status, body: a.status === 200 ? null : ja }).toEqual({ q, status: 200, body: null });
    // stats.elapsed_ms is when the answer was computed; everything else must agree.
    expect({ ...ja, stats: { ...ja.stats, elapsed_ms: 0 } }).toEqual({ ...jb, stats: { ...jb.stats, elapsed_ms: 0 } });
  };
  for (let round = 0; round < 80; round++) {
    for (let k = 0; k < 4; k++) await ask(queries[rng.int(0, queries.length - 1)]!);
    const events: PlainEvent[] = [];
    // Up to `end`: the horizon then stays at or before end - 2 h, so minute steps over the last 2 h are valid.
    clock = Math.min(end, clock + rng.int(0, 6 * MIN));
    for (let i = rng.int(0, 40); i > 0; i--) {
      // Mostly now, some late (minutes to hours back): they land in minutes or hours already asked for.
      const ts = rng.bool(0.8) ? clock - rng.int(0, MIN) : clock - rng.int(2 * MIN, 3 * HOUR);
      // Revenue and cost with cents: sums in another order differ in their last bits.
      events.push({ type: rng.pick(["page_view", "click", "impression", "purchase"]), ts, user_id: `u${rng.int(0, 200)}`, campaign: `c${rng.int(0, 3)}`, country: rng.pick(["US", "DE", "FR"]), revenue: rng.bool(0.3) ? rng.int(1, 50_000) / 100 : null, cost: rng.bool(0.3) ? rng.int(1, 9_999) / 100 : null });
    }
    if (events.length > 0) appendAndFeed(t, events, [r]);
    // A restore replaces every cell (here with an older state, so the answers must change).
    if (round === 20) earlier = r.encode();
    if (round === 40) {
      for (const q of queries) await ask(q);
      r.decode(earlier!);
      for (const q of queries) await ask(q);
    }
  }
  expect(hits).toBeGreaterThan(20);
  expect(cached.metricsAnswers.stats().seriesKept).toBeGreaterThan(20);
});
