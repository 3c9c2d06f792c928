// GET /v1/metrics's query over the rollups (engine/aggregate/rollup-query.ts), in process: the last
// hour by minute (the dashboard's series) and the last day by hour or in one point (breakdowns), by
// campaign, UV (sketch merges dominate) and revenue. Each is timed with the fine level's hour tables
// (rollup-hours.ts: cold = the first query builds them, warm = later ones reuse them) and against the
// floor of reading minute cells only (hourTables: false), in the same run on the same cells.
//
// Data (seeded): 24 h of EVENTS_PER_MIN events a minute, users drawn from USERS with a skew (low ids
// more often), campaigns c0..c99 skewed the same way (a few large, many small).
//
//   bun bench/metrics-query.bench.ts [events-per-minute=1000] [users=200000] [seed=5]

import { DEFAULT_ROLLUP_CONFIG } from "../engine/aggregate/rollup-config.ts";
import { queryRollups, type MetricsQuery } from "../engine/aggregate/rollup-query.ts";
import { HOUR_MS, Rollups } from "../engine/aggregate/rollups.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../test/helpers/event-feed.ts";
import { Rng } from "../test/sim/rng.ts";

const PER_MIN = Number(process.argv[2] ?? 1000), USERS = Number(process.argv[3] ?? 200_000), SEED = Number(process.argv[4] ?? 5);
const MIN = 60_000, END = Date.UTC(2026, 11, 4, 16);
const rng = new Rng(SEED), r = new Rollups(DEFAULT_ROLLUP_CONFIG);
const t0 = performance.now();
for (let m = 0; m < 24 * 60; m++) {
  const events: PlainEvent[] = [];
  for (let i = 0; i < PER_MIN; i++) {
    const c = Math.floor(100 * rng.float() ** 3);
    events.push({
      type: i % 50 === 0 ? "purchase" : "page_view", ts: END - 24 * HOUR_MS + m * MIN + Math.floor((i * MIN) / PER_MIN),
      user_id: `u${Math.floor(USERS * rng.float() * rng.float())}`, campaign: `c${c}`, channel: `ch${c % 5}`, country: `C${i % 20}`,
      device: i % 2 ? "mobile" : "pc", revenue: i % 50 === 0 ? 10 + (i % 7) : null,
    });
  }
  appendAndFeed(eventsTable(), events, [r]);
}
console.log(`metrics-query bench: ${24 * 60 * PER_MIN} events over 24 h (${PER_MIN}/min, ${USERS} users, seed ${SEED}) fed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

function time(run: () => void, n: number): number {
  const t = performance.now();
  for (let i = 0; i < n; i++) run();
  return (performance.now() - t) / n;
}

const cases: [string, MetricsQuery][] = [
  ["uv, last hour by minute (control: no hour)", { metric: "uv", by: ["campaign"], filter: {}, from: END - HOUR_MS, to: END, stepMs: MIN }],
  ["uv, last 24 h by hour x campaign", { metric: "uv", by: ["campaign"], filter: {}, from: END - 24 * HOUR_MS, to: END, stepMs: HOUR_MS }],
  ["uv, last 24 h in one point x campaign", { metric: "uv", by: ["campaign"], filter: {}, from: END - 24 * HOUR_MS, to: END, stepMs: 24 * HOUR_MS }],
  ["uv, 24 h to a minute edge by hour", { metric: "uv", by: ["campaign"], filter: {}, from: END - 24 * HOUR_MS - 17 * MIN, to: END - 17 * MIN, stepMs: HOUR_MS }],
  ["revenue, last 24 h by hour x campaign", { metric: "revenue", by: ["campaign"], filter: {}, from: END - 24 * HOUR_MS, to: END, stepMs: HOUR_MS }],
];
// Warm-up (JIT) on a query that reads no hour table, so the first row is not penalized.
time(() => queryRollups(r, { metric: "uv", by: ["campaign"], filter: {}, from: END - HOUR_MS, to: END, stepMs: MIN }), 20);
console.log("query                                     minutes only   hour tables cold   warm    cells read (minutes / hours)   warm vs minutes");
for (const [label, q] of cases) {
  const minutes = time(() => queryRollups(r, q, { hourTables: false }), 3);
  r.hours.clear();
  const cold = time(() => queryRollups(r, q), 1);
  const warm = time(() => queryRollups(r, q), 20);
  const cells = [queryRollups(r, q, { hourTables: false }).cellsRead, queryRollups(r, q).cellsRead];
  console.log(`${label.padEnd(40)} ${minutes.toFixed(2).padStart(9)} ms ${cold.toFixed(2).padStart(14)} ms ${warm.toFixed(2).padStart(8)} ms ${String(cells[0]).padStart(12)} / ${String(cells[1]).padEnd(14)} ${(minutes / warm).toFixed(1)}x faster`);
}
// Sums read hour tables only when a UV query left them (a dashboard asks both over the same range).
const day: MetricsQuery = { metric: "revenue", by: ["campaign"], filter: {}, from: END - 24 * HOUR_MS, to: END, stepMs: HOUR_MS };
queryRollups(r, { ...day, metric: "uv" });
const sums = time(() => queryRollups(r, day), 20), sumsMinutes = time(() => queryRollups(r, day, { hourTables: false }), 5);
console.log(`revenue, last 24 h by hour, hour tables left by a uv query: ${sums.toFixed(2)} ms vs ${sumsMinutes.toFixed(2)} ms minutes only (${(sumsMinutes / sums).toFixed(1)}x faster)`);
console.log(`hour tables held: ${(r.hours.byteSize / 1048576).toFixed(1)} MiB (bound ${(64).toFixed(0)} MiB); rollups in all ${(r.bytes / 1048576).toFixed(1)} MiB`);
