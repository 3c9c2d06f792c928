// GET /v1/metrics answers reused while the rollups are unchanged: a reused answer is byte for byte
// what computing it afresh gives at that moment, whatever was ingested, swept or restored between
// asks; the cache itself keeps to its bounds.
import { expect, test } from "bun:test";
import { DEFAULT_ROLLUP_CONFIG } from "../../../../engine/aggregate/rollup-config.ts";
import { FineHourCache } from "../../../../engine/aggregate/rollup-hours.ts";
import { Rollups } from "../../../../engine/aggregate/rollups.ts";
import { AnswerCache } from "../../../../server/routes/answer-cache.ts";
import { getMetrics } from "../../../../server/routes/metrics.ts";
import { MetricsRefresh } from "../../../../server/routes/metrics-refresh.ts";
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
  const kept = {
    generation: 2, heldVersion: 0, table: "rollup_campaign", cellsPerPoint: new Int32Array(2), keys: [{ campaign: "c1" }],
    keyTexts: ['{"campaign":"c1"}'], values: [new Float64Array([1, NaN])], bytes: [new Uint8Array(10)],
  };
  c.set("a", "2", blob(100), kept);
  expect([c.get("a", "1"), c.kept("a"), c.stats().bytes]).toEqual([undefined, kept, 100 + 8 + 16 + 10]);
  c.noteSeriesKept(3);
  expect(c.stats().seriesKept).toBe(3);
  expect(c.kept("none")).toBeNull();
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

const END = Date.UTC(2026, 11, 4, 12);

/**
 * Asks `queries` (random picks, 4 a round) through a caching route and a route that computes every
 * answer (the caching one's answers refreshed after some changes, some of them only partly), over 120 rounds of random events (mostly now, some minutes late, some hours late: into
 * hour cells once the horizon passes them: `hoursLate` of the late ones), with a restore of an older state at round 40; every
 * answer must be the same but for when it was computed. Returns what the cache did.
 */
async function differential(seed: number, queries: readonly string[], hoursLate = 0.3, hourCacheBytes?: number) {
  const rng = new Rng(seed);
  const r = new Rollups({ ...DEFAULT_ROLLUP_CONFIG, fineRetentionMs: 2 * HOUR, lateAfterMs: MIN });
  // A small hour-table cache: UV queries evict each other's tables, and the held set keeps moving.
  if (hourCacheBytes !== undefined) Object.assign(r, { hours: new FineHourCache(MIN, hourCacheBytes) });
  const cached = { rollups: r, metricsAnswers: new AnswerCache(1 << 20) };
  const fresh = { rollups: r, metricsAnswers: new AnswerCache(0) };
  const refresh = new MetricsRefresh(cached, () => {});
  const t = eventsTable();
  let clock = END - 4 * HOUR, earlier: Uint8Array | null = null;
  const ask = async (q: string) => {
    const a = getMetrics(new Request(`http://h/v1/metrics?${q}`), cached), b = getMetrics(new Request(`http://h/v1/metrics?${q}`), fresh);
    const [ja, jb] = [(await a.json()) as any, (await b.json()) as any];
    expect({ q, status: a.status, body: a.status === 200 ? null : ja }).toEqual({ q, status: 200, body: null });
    // stats.elapsed_ms is when the answer was computed; everything else must agree.
    expect({ ...ja, stats: { ...ja.stats, elapsed_ms: 0 } }).toEqual({ ...jb, stats: { ...jb.stats, elapsed_ms: 0 } });
  };
  for (let round = 0; round < 120; round++) {
    for (let k = 0; k < 4; k++) {
      // A refresh between asks too (after one built or evicted hour tables), not only after events.
      if (rng.bool(0.25)) refresh.step();
      await ask(queries[rng.int(0, queries.length - 1)]!);
    }
    const events: PlainEvent[] = [];
    // Up to END: the horizon then stays at or before END - 2 h, so minute steps over the last 2 h are valid.
    clock = Math.min(END, clock + rng.int(0, 6 * MIN));
    for (let i = rng.int(0, 40); i > 0; i--) {
      const ts = rng.bool(0.8) ? clock - rng.int(0, MIN) : clock - rng.int(2 * MIN, rng.bool(hoursLate) ? 3 * HOUR : 90 * MIN);
      // Revenue and cost with cents: sums in another order differ in their last bits.
      events.push({ type: rng.pick(["page_view", "click", "impression", "purchase"]), ts, user_id: `u${rng.int(0, 200)}`, campaign: `c${rng.int(0, 3 + Math.floor(round / 8))}`, country: rng.pick(["US", "DE", "FR"]), revenue: rng.bool(0.3) ? rng.int(1, 50_000) / 100 : null, cost: rng.bool(0.3) ? rng.int(1, 9_999) / 100 : null });
    }
    if (events.length > 0) appendAndFeed(t, events, [r]);
    if (rng.bool(0.5)) while (refresh.step());
    else if (rng.bool(0.3)) refresh.step();
    // A restore replaces every cell (here with an older state, so the answers must change).
    if (round === 20) earlier = r.encode();
    if (round === 40) {
      for (const q of queries) await ask(q);
      r.decode(earlier!);
      for (const q of queries) await ask(q);
    }
  }
  return cached.metricsAnswers.stats();
}

test("answers reused, brought up to date from the one before, or with series kept equal fresh answers: a dashboard's mix of questions", async () => {
  const stats = await differential(31, [
    `metric=uv&by=campaign&from=${END - HOUR}&to=${END}&step=1m`,
    `metric=events&by=country&from=${END - 3 * HOUR}&to=${END}&step=1h`,
    `metric=ctr&from=${END - 2 * HOUR}&to=${END}&step=5m`,
    `metric=revenue&by=campaign&campaign=c1&from=${END - HOUR}&to=${END}&step=10m`,
    `metric=uv&from=${END - 4 * HOUR}&to=${END}&step=1h`,
    // Sums over whole hours read the hour tables a UV query built (to the last bit of a money sum).
    `metric=revenue&by=campaign&from=${END - 4 * HOUR}&to=${END}&step=2h`,
    `metric=roas&from=${END - 4 * HOUR}&to=${END}&step=4h`,
    `metric=uv&by=campaign&from=${END - 4 * HOUR}&to=${END}&step=2h`,
    // A ratio by campaign: a campaign that first appears mid-way is null (not 0) where it has no cells.
    `metric=cvr&by=campaign&from=${END - 2 * HOUR}&to=${END}&step=5m`,
  ]);
  expect(stats.hits).toBeGreaterThan(20);
  expect(stats.seriesKept).toBeGreaterThan(20);
  expect(stats.updated).toBeGreaterThan(20);
  expect(stats.refreshed).toBeGreaterThan(20);
});

test("answers over hours the horizon passes (sums only, so no hour table is built) stay equal to fresh ones through sweeps and late events into hour cells", async () => {
  const stats = await differential(5, [
    `metric=revenue&by=campaign&from=${END - 4 * HOUR}&to=${END}&step=1h`,
    `metric=events&by=country&from=${END - 4 * HOUR}&to=${END}&step=2h`,
    `metric=roi&from=${END - 4 * HOUR}&to=${END}&step=1h`,
  ], 0.8);
  expect(stats.updated).toBeGreaterThan(20);
});

test("with hour tables evicted and built by each other's queries, refreshed and reused answers still equal fresh ones", async () => {
  const stats = await differential(23, [
    `metric=uv&by=campaign&from=${END - 4 * HOUR}&to=${END}&step=1h`,
    `metric=uv&by=country&from=${END - 4 * HOUR}&to=${END}&step=2h`,
    `metric=revenue&by=campaign&from=${END - 4 * HOUR}&to=${END}&step=2h`,
    `metric=roas&by=country&from=${END - 4 * HOUR}&to=${END}&step=1h`,
    `metric=revenue&by=campaign&from=${END - HOUR}&to=${END}&step=1m`,
  ], 0.3, 64 << 10);
  expect(stats.refreshed).toBeGreaterThan(20);
  expect(stats.hits).toBeGreaterThan(20);
});

/**
 * A dashboard of two panels polled after every event, asked in `order`; returns each panel's misses
 * after its first ask and the refreshes made.
 */
function twoPanels(order: "uv-first" | "revenue-first") {
  const r = new Rollups(DEFAULT_ROLLUP_CONFIG), t = eventsTable(), ctx = { rollups: r, metricsAnswers: new AnswerCache(1 << 24) };
  const refresh = new MetricsRefresh(ctx, () => {});
  const T0 = Date.UTC(2026, 11, 4, 0);
  const uv = `metric=uv&by=campaign&from=${T0}&to=${T0 + 24 * HOUR}&step=1h`;
  const revenue = `metric=revenue&by=campaign&from=${T0 + 11 * HOUR}&to=${T0 + 12 * HOUR}&step=1m`;
  const panels = order === "uv-first" ? [uv, revenue] : [revenue, uv];
  const misses = new Map(panels.map((q) => [q, -1]));
  for (let i = 0; i < 30; i++) {
    appendAndFeed(t, [{ type: "purchase", ts: T0 + 11 * HOUR + 30 * MIN + i * 1000, user_id: `u${i}`, campaign: `c${i % 3}`, revenue: 1.25 }], [r]);
    while (refresh.step());
    for (const q of panels) if (getMetrics(new Request(`http://h/v1/metrics?${q}`), ctx).headers.get("x-caracal-cache") === "miss") misses.set(q, misses.get(q)! + 1);
  }
  return { uv: misses.get(uv), revenue: misses.get(revenue), refreshed: ctx.metricsAnswers.stats().refreshed };
}

test("a UV-by-hour panel that builds hour tables does not make a minute panel's refreshed answer stale, in either order", () => {
  // Found in review: both stamps held the hour tables' version, so refreshing the UV panel after the
  // revenue one left revenue stale: it missed on every poll (29 of 29) and was computed twice.
  expect(twoPanels("uv-first")).toEqual({ uv: 0, revenue: 0, refreshed: 58 });
  expect(twoPanels("revenue-first")).toEqual({ uv: 0, revenue: 0, refreshed: 58 });
});

/**
 * Rollups, an events table and a caching route context with its MetricsRefresh, driven by hand:
 * deferred turns wait in `turns` (runTurns), timers in `timers`; `advance(ms)` moves the clock (and
 * the wall clock with it, from `wall0`), firing the timers due and the turns they leave.
 */
function refreshRig(o: { cacheBytes?: number; wall0?: number } = {}) {
  const rig = { clock: 0, turns: [] as (() => void)[], timers: [] as { at: number; f: () => void }[] };
  const wall0 = o.wall0 ?? Date.UTC(2026, 11, 4, 11);
  const r = new Rollups(DEFAULT_ROLLUP_CONFIG), t = eventsTable();
  const ctx: Parameters<typeof getMetrics>[1] = { rollups: r, metricsAnswers: new AnswerCache(o.cacheBytes ?? 1 << 20, 256, () => rig.clock), now: () => wall0 + rig.clock };
  const refresh = new MetricsRefresh(ctx, (f) => rig.turns.push(f), { setTimeout: (f, ms) => rig.timers.push({ at: rig.clock + ms, f }) });
  Object.assign(ctx, { metricsRefresh: refresh });
  const runTurns = () => { while (rig.turns.length > 0) rig.turns.shift()!(); };
  return {
    ...rig, r, ctx, refresh, runTurns,
    get clock() { return rig.clock; },
    stats: () => ctx.metricsAnswers.stats(),
    feed: (events: PlainEvent[]) => appendAndFeed(t, events, [r]),
    ask: (q: string) => getMetrics(new Request(`http://h/v1/metrics?${q}`), ctx),
    advance(to: number) {
      for (let x = rig.timers.findIndex((y) => y.at <= to); x >= 0; x = rig.timers.findIndex((y) => y.at <= to)) {
        const [due] = rig.timers.splice(x, 1);
        rig.clock = Math.max(rig.clock, due!.at);
        due!.f();
        runTurns();
      }
      rig.clock = to;
    },
  };
}

test("an answer asked once is refreshed once, however many changes follow", () => {
  const g = refreshRig(), t0 = Date.UTC(2026, 11, 4, 10);
  g.feed([{ type: "click", ts: t0 + MIN, user_id: "u0", campaign: "a" }]);
  g.ask(`metric=clicks&from=${t0}&to=${t0 + HOUR}`);
  const refreshedAfter: number[] = [];
  for (let i = 1; i <= 5; i++) {
    g.feed([{ type: "click", ts: t0 + (i + 1) * MIN, user_id: `u${i}`, campaign: "a" }]);
    while (g.refresh.step());
    refreshedAfter.push(g.stats().refreshed);
  }
  expect(refreshedAfter).toEqual([1, 1, 1, 1, 1]);
});

/** Both routes' answers to `q`, minus elapsed_ms, and their statuses. */
async function both(r: Rollups, cached: AnswerCache, q: string) {
  const body = async (res: Response) => { const j = (await res.json()) as any; return { status: res.status, ...j, stats: j.stats ? { ...j.stats, elapsed_ms: 0 } : undefined }; };
  return [await body(getMetrics(new Request(`http://h/v1/metrics?${q}`), { rollups: r, metricsAnswers: cached })), await body(getMetrics(new Request(`http://h/v1/metrics?${q}`), { rollups: r, metricsAnswers: new AnswerCache(0) }))];
}

test("a filter on a value not seen yet reads and checks the cells like any filter, so its kept answer updates like any other", async () => {
  const r = new Rollups({ ...DEFAULT_ROLLUP_CONFIG, fineRetentionMs: 2 * HOUR }), t = eventsTable(), cache = new AnswerCache(1 << 20);
  const t0 = Date.UTC(2026, 11, 4, 10);
  appendAndFeed(t, [{ type: "click", ts: t0 + 5 * MIN, user_id: "u1", campaign: "a" }], [r]);
  const q = `metric=events&campaign=b&from=${t0}&to=${t0 + HOUR}&step=10m`;
  const [a0, b0] = await both(r, cache, q);
  expect(a0).toEqual(b0);
  appendAndFeed(t, [{ type: "click", ts: t0 + 45 * MIN, user_id: "u2", campaign: "b" }], [r]);
  const [a1, b1] = await both(r, cache, q);
  expect([a1, cache.stats().updated]).toEqual([b1, 1]);
  expect(a1.stats.cells_read).toBe(2);
});

test("a consume that fails midway is a change no kept answer is brought up to date across", async () => {
  const r = new Rollups(DEFAULT_ROLLUP_CONFIG), t = eventsTable(), cache = new AnswerCache(1 << 20);
  const t0 = Date.UTC(2026, 11, 4, 10);
  appendAndFeed(t, [{ type: "click", ts: t0 + 5 * MIN, user_id: "u1", campaign: "a" }], [r]);
  const q = `metric=events&by=campaign&from=${t0}&to=${t0 + HOUR}&step=10m`;
  await both(r, cache, q);
  appendAndFeed(t, [{ type: "click", ts: t0 + 6 * MIN, user_id: "u2", campaign: "a" }], [r]);
  // The campaign set's cells fail after the first row's counts are written (as a bug would).
  const fine = r.sets.find((s) => s.dims.join() === "campaign")!.fine, touch = fine.touch.bind(fine);
  fine.touch = () => { throw new Error("boom"); };
  expect(() => appendAndFeed(t, [{ type: "click", ts: t0 + 40 * MIN, user_id: "u3", campaign: "a" }], [r])).toThrow("boom");
  fine.touch = touch;
  appendAndFeed(t, [{ type: "click", ts: t0 + 7 * MIN, user_id: "u4", campaign: "a" }], [r]);
  const [a, b] = await both(r, cache, q);
  expect(a).toEqual(b);
  expect(a.series[0].points[4][1]).toBe(1); // 10:40, counted before the failure
});

test("only answers asked for since they were computed are refreshed, most recently used first; a refresh is not a use", () => {
  const c = new AnswerCache(1 << 20, 3), question = (key: string) => ({ key, query: {} as never, head: {}, rolling: null });
  c.set("a", "1", blob(10), null, question("a"));
  c.set("b", "1", blob(10), null, question("b"));
  c.set("q", "1", blob(10)); // no question: nothing to compute it from
  expect(c.staleAsked(() => "1")).toBeNull();
  expect(c.staleAsked(() => "2")?.key).toBe("b");
  c.set("b", "2", blob(10), null, question("b"), false); // refreshed: not asked since
  expect(c.staleAsked(() => "2")?.key).toBe("a");
  c.set("a", "2", blob(10), null, question("a"), false);
  expect(c.staleAsked(() => "2")).toBeNull();
  expect(c.stats().bytes).toBe(30); // each refresh replaced its entry's bytes
  expect(c.staleAsked(() => "3")).toBeNull();
  expect(c.get("a", "2")).toBeDefined(); // asked again: refreshed after the next change
  expect(c.staleAsked(() => "3")?.key).toBe("a");
  // Refreshed entries kept their place: b, the least recently used, leaves first.
  c.set("d", "1", blob(10));
  expect(["a", "b", "q", "d"].map((k) => c.kept(k) !== null || c.get(k, "1") !== undefined || c.get(k, "2") !== undefined)).toEqual([true, false, true, true]);
  c.drop("a");
  expect([c.get("a", "2"), c.stats().entries]).toEqual([undefined, 2]);
});

test("schedule defers one turn at a time until nothing asked is stale", () => {
  const g = refreshRig(), t0 = Date.UTC(2026, 11, 4, 10), range = `&from=${t0}&to=${t0 + HOUR}`;
  g.feed([{ type: "click", ts: t0 + MIN, user_id: "u1", campaign: "a" }]);
  g.ask(`metric=events&step=10m${range}`); g.ask(`metric=clicks&by=campaign${range}`);
  g.feed([{ type: "click", ts: t0 + 2 * MIN, user_id: "u2", campaign: "b" }]);
  g.refresh.schedule(); g.refresh.schedule();
  expect(g.turns.length).toBe(1);
  g.runTurns();
  expect(g.stats().refreshed).toBe(2);
  expect(g.ask(`metric=clicks&by=campaign${range}`).headers.get("x-caracal-cache")).toBe("hit");
});

test("refreshNow refreshes at least one answer in the same turn and defers the rest", () => {
  const g = refreshRig(), t0 = Date.UTC(2026, 11, 4, 10), range = `&from=${t0}&to=${t0 + HOUR}`;
  g.feed([{ type: "click", ts: t0 + MIN, user_id: "u1", campaign: "a" }]);
  g.ask(`metric=events${range}`); g.ask(`metric=clicks${range}`); g.ask(`metric=uv&by=campaign${range}`);
  g.feed([{ type: "click", ts: t0 + 2 * MIN, user_id: "u2", campaign: "b" }]);
  g.refresh.refreshNow(0);
  expect([g.stats().refreshed, g.turns.length]).toEqual([1, 1]);
  expect(g.ask(`metric=uv&by=campaign${range}`).headers.get("x-caracal-cache")).toBe("hit"); // the most recently asked went first
  g.runTurns();
  expect(g.stats().refreshed).toBe(3);
  g.refresh.refreshNow(10); // nothing stale: nothing done, nothing deferred
  expect([g.stats().refreshed, g.turns.length]).toEqual([3, 0]);
});

test("a refresh that fails forgets the answer: the next ask computes it and reports the error", async () => {
  const g = refreshRig({ cacheBytes: 1 << 24 }), t0 = Date.UTC(2026, 11, 4, 10), q = `metric=events&by=campaign&from=${t0}&to=${t0 + HOUR}&step=1h`;
  g.feed(Array.from({ length: 1000 }, (_, i) => ({ type: "click", ts: t0 + MIN, user_id: "u1", campaign: `c${i}` })));
  expect(g.ask(q).status).toBe(200);
  g.feed([{ type: "click", ts: t0 + 2 * MIN, user_id: "u1", campaign: "one-too-many" }]);
  expect([g.refresh.step(), g.stats().entries, g.refresh.step()]).toEqual([true, 0, false]);
  const res = g.ask(q);
  expect([res.status, ((await res.json()) as any).error.message]).toEqual([400, expect.stringContaining("more than 1000 series")]);
});

test("an answer polled slowly is refreshed just before its next ask is due, after the changes in between; one polled often, at each change", () => {
  const g = refreshRig(), t0 = Date.UTC(2026, 11, 4, 10);
  let n = 0;
  const event = () => { g.feed([{ type: "click", ts: t0 + MIN, user_id: `u${n++}`, campaign: "a" }]); g.refresh.refreshNow(0); g.runTurns(); };
  const ask = (q: string) => g.ask(`${q}&from=${t0}&to=${t0 + HOUR}&step=1h`).headers.get("x-caracal-cache");
  event();
  // The slow question is asked every second, the fast one every 20 ms; events come between.
  const slow: (string | null)[] = [], fast: (string | null)[] = [];
  for (let s = 0; s < 4; s++) {
    for (let k = 0; k < 50; k++) {
      g.advance(s * 1000 + k * 20);
      if (k === 0) slow.push(ask("metric=clicks"));
      const f = ask("metric=events");
      if (s === 3 && k > 0) fast.push(f);
      if (k % 10 === 5) event();
    }
  }
  // Ask 1 computes; ask 2 misses (no gap known yet: refreshed at the first change after ask 1, then
  // changed again); from ask 3 on the refresh waits for the gap: due 950 ms after the last ask, after
  // that second's last event (at +900 ms), so the ask finds it fresh. Refreshed at the first change,
  // asks 3 and 4 would miss too.
  expect(slow).toEqual(["miss", "miss", "hit", "hit"]);
  // The fast question is refreshed at every change: its asks in the last second are all hits.
  expect(fast.every((x) => x === "hit")).toBe(true);
});

test("a question whose window follows the clock is answered for the next window when the minute turns, before its next ask", async () => {
  const B = Date.UTC(2026, 11, 4, 10, 30), g = refreshRig({ wall0: B - 30_000 });
  g.feed([{ type: "click", ts: B - 20 * MIN, user_id: "u1", campaign: "a" }]);
  const ask = async () => {
    const res = g.ask("metric=clicks&step=1m");
    return { cache: res.headers.get("x-caracal-cache"), to: ((await res.json()) as any).to };
  };
  // Polled every 5 s; the window (the last hour, by minute) ends at B until the clock passes it.
  const seen: { cache: string | null; to: string }[] = [];
  for (let k = 0; k < 12; k++) {
    g.advance(k * 5_000);
    seen.push(await ask());
  }
  // Asked at B-30 s ... B+25 s: the first computes, the ones after B are the next window's, made when
  // the clock passed B (the timer armed by the first ask), so none computes again.
  expect(seen.map((s) => s.cache)).toEqual(["miss", ...Array(11).fill("hit")]);
  expect(seen.map((s) => s.to)).toEqual([...Array(7).fill(new Date(B).toISOString()), ...Array(5).fill(new Date(B + MIN).toISOString())]);
  // After a change, the new window is refreshed just before its next ask is due (polled every 5 s);
  // the old window is not refreshed any more.
  g.feed([{ type: "click", ts: B + 10_000, user_id: "u2", campaign: "a" }]);
  const before = g.stats().refreshed;
  g.refresh.refreshNow(10);
  g.runTurns();
  expect(g.stats().refreshed - before).toBe(0);
  g.advance(g.clock + 4_990);
  expect(g.stats().refreshed - before).toBe(1);
  expect(await ask()).toEqual({ cache: "hit", to: new Date(B + MIN).toISOString() });
});
