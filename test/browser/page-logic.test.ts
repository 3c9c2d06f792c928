// The dashboard page's pure logic, without a browser: the render gate (at most one render a second
// per panel, the newest data always shown in the end), reconnection backoff, where an SQL error is
// marked, which chart a result gets, the snapshot's derived figures and the view read from a URL.

import { expect, test } from "bun:test";
import fc from "fast-check";
import { BACKOFF_MAX_MS, reconnectDelayMs } from "../../server/dashboard/page/backoff.ts";
import { fmtDuration, fmtPct, fmtTimes } from "../../server/dashboard/page/format.ts";
import { RenderGate, type GateClock } from "../../server/dashboard/page/render-gate.ts";
import { answersView, campaignTotals, lastPoint, sumPoints, viewFromUrl, type CampaignRow, type Snapshot } from "../../server/dashboard/page/snapshot.ts";
import { chartSpec, errorSpan } from "../../server/dashboard/page/sql-result.ts";

/** A clock whose timers run only when advanced. */
function fakeClock(): GateClock & { advance(ms: number): void } {
  let now = 0, next = 1;
  const timers = new Map<number, { at: number; f: () => void }>();
  return {
    now: () => now,
    setTimeout(f, ms) { const id = next++; timers.set(id, { at: now + ms, f }); return id; },
    clearTimeout(h) { timers.delete(h as number); },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].f();
      }
      now = end;
    },
  };
}

test("the render gate renders at once, skips unchanged data, and defers a change within the second to its end", () => {
  const clock = fakeClock();
  const gate = new RenderGate(1000, clock);
  const log: string[] = [];
  const offer = (key: string) => gate.offer(key, () => log.push(`${clock.now()}:${key}`));
  const outcomes = [offer("a"), offer("a")];
  clock.advance(300);
  outcomes.push(offer("b"));
  clock.advance(200);
  outcomes.push(offer("c"));
  clock.advance(600);
  outcomes.push(offer("c"));
  clock.advance(1500);
  outcomes.push(offer("d"));
  expect({ outcomes, log }).toEqual({
    outcomes: ["rendered", "unchanged", "deferred", "deferred", "unchanged", "rendered"],
    log: ["0:a", "1000:c", "2600:d"],
  });
});

test("property: renders are at least a second apart and the last data offered is what stays on screen", () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 40 }), (steps) => {
    const clock = fakeClock();
    const gate = new RenderGate(1000, clock);
    const renders: [number, number][] = [];
    for (const [wait, key] of steps) {
      clock.advance(wait);
      gate.offer(String(key), () => renders.push([clock.now(), key]));
    }
    clock.advance(1000);
    const gaps = renders.slice(1).map((r, i) => r[0] - renders[i]![0]);
    expect({ tooClose: gaps.filter((g) => g < 1000), shown: renders[renders.length - 1]![1] }).toEqual({ tooClose: [], shown: steps[steps.length - 1]![1] });
  }), { seed: 4242, numRuns: 300 });
});

test("reconnect delays grow from 0.25-0.5 s, double per attempt, and stay under the 15 s cap", () => {
  const lows = Array.from({ length: 8 }, (_, a) => reconnectDelayMs(a, () => 0));
  const highs = Array.from({ length: 8 }, (_, a) => reconnectDelayMs(a, () => 0.999999));
  expect({ lows, highs, far: reconnectDelayMs(1000, () => 0.999999) }).toEqual({
    lows: [250, 500, 1000, 2000, 4000, 7500, 7500, 7500],
    highs: [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000],
    far: BACKOFF_MAX_MS,
  });
});

test("an SQL error's position marks the word there, with its line and column", () => {
  const sql = "SELECT type,\n  count(*)\nFROM events\nWHERE tipe = 'x'";
  expect([errorSpan(sql, sql.indexOf("tipe")), errorSpan("SELEC 1", 0), errorSpan("SELECT (", 8), errorSpan("SELECT 1\n", 8), errorSpan("a = = b", 4)]).toEqual([
    { before: "SELECT type,\n  count(*)\nFROM events\nWHERE ", marked: "tipe", after: " = 'x'", line: 4, column: 7 },
    { before: "", marked: "SELEC", after: " 1", line: 1, column: 1 },
    { before: "SELECT (", marked: " ", after: "", line: 1, column: 9 },
    { before: "SELECT 1", marked: " ", after: "\n", line: 1, column: 9 },
    { before: "a = ", marked: "=", after: " b", line: 1, column: 5 },
  ]);
});

test("a result's chart: numeric columns are series over the first other column; time draws lines", () => {
  const col = (name: string, type: string) => ({ name, type });
  const rows = [["a", 1, 2.5], ["b", 3, 4]];
  expect([
    chartSpec({ columns: [col("k", "VARCHAR"), col("n", "BIGINT"), col("r", "DOUBLE")], rows }, "auto"),
    chartSpec({ columns: [col("m", "TIMESTAMP"), col("n", "BIGINT")], rows: [["2026-01-01T00:00:00Z", 1]] }, "auto"),
    chartSpec({ columns: [col("x", "INTEGER"), col("y", "DECIMAL(18,2)")], rows: [[1, 2]] }, "line"),
    chartSpec({ columns: [col("k", "VARCHAR"), col("v", "VARCHAR")], rows }, "auto"),
    chartSpec({ columns: [col("k", "VARCHAR"), col("n", "BIGINT")], rows }, "none"),
    chartSpec({ columns: [col("k", "VARCHAR"), col("n", "BIGINT")], rows: [] }, "auto"),
    chartSpec({ columns: [col("k", "VARCHAR"), ...Array.from({ length: 8 }, (_, i) => col(`n${i}`, "INTEGER"))], rows: Array.from({ length: 150 }, () => ["k", 1, 2, 3, 4, 5, 6, 7, 8]) }, "bar"),
  ]).toEqual([
    { x: 0, ys: [1, 2], type: "bar", time: false, rows: 2 },
    { x: 0, ys: [1], type: "line", time: true, rows: 1 },
    { x: 0, ys: [1], type: "line", time: false, rows: 1 },
    null, null, null,
    { x: 0, ys: [1, 2, 3, 4, 5, 6], type: "bar", time: false, rows: 100 },
  ]);
});

test("derived figures: window sums treat null as 0, this minute is the last point, ROAS and ROI need cost", () => {
  const pts: [number, number | null, number | null][] = [[0, 3, 1], [60_000, null, 2], [120_000, 4, null]];
  const row = (campaign: string, revenue: number, cost: number): CampaignRow => ({ campaign, revenue, cost, events: 1, clicks: 0, impressions: 0, conversions: 1, ctr: null, cvr: null, roi: null, roas: null });
  const snap = { range: { from: 0, to: 60_000, step_ms: 60_000, minutes: 15 }, campaign: "x" } as Snapshot;
  expect({
    sums: [sumPoints(pts, 1), sumPoints(pts, 2), lastPoint(pts, 1), lastPoint(pts, 2), lastPoint([], 1)],
    totals: [campaignTotals([row("a", 30, 10), row("b", 10, 0)]), campaignTotals([row("a", 5, 0)])],
    answers: [answersView(snap, { minutes: 15, campaign: "x" }), answersView(snap, { minutes: 15, campaign: null }), answersView(snap, { minutes: 60, campaign: "x" })],
    views: [viewFromUrl(""), viewFromUrl("?minutes=15&campaign=c1"), viewFromUrl("?minutes=7&campaign="), viewFromUrl("?minutes=1440")],
  }).toEqual({
    sums: [7, 3, 4, 0, 0],
    totals: [{ revenue: 40, cost: 10, conversions: 2, roas: 4, roi: 3 }, { revenue: 5, cost: 0, conversions: 1, roas: null, roi: null }],
    answers: [true, false, false],
    views: [{ minutes: 60, campaign: null }, { minutes: 15, campaign: "c1" }, { minutes: 60, campaign: null }, { minutes: 1440, campaign: null }],
  });
});

test("figures without a value show a dash, never 0; durations pick their unit", () => {
  expect([fmtPct(null), fmtTimes(undefined), fmtPct(Number.NaN), fmtDuration(850), fmtDuration(null)]).toEqual(["—", "—", "—", "850 ms", "—"]);
});
