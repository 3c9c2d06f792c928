// Differential tests, the ClickHouse spellings (uniq, uniqExact, countIf, sumIf, toStartOfMinute/
// Hour/Day, toStartOfInterval): DuckDB binds them as storage/duckdb.ts's macros, the native engine
// expands them itself (functions/clickhouse-fns.ts); both must answer alike, with the same column
// names and types. 3000 seeded rows over ~31 hours (seed 53, 700-row segments, unsealed tail), and
// 2000 rows spread over 1968..2030 for the calendar widths of toStartOfInterval.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { DuckDb } from "../../../../storage/duckdb.ts";
import { eventRows, type Cell } from "../../../helpers/duck-reference.ts";
import { Rng } from "../../../sim/rng.ts";
import { diffResults } from "./compare-results.ts";
import { openHarness, type Harness } from "./harness.ts";

const SEED = 53;
/** DuckDB's approx_count_distinct is off by up to ~20% here (differential-aggregate.test.ts). */
const APPROX_TOLERANCE = 0.3;
const TS = EVENTS_SCHEMA.columns.findIndex((c) => c.name === "ts");

/** Rows whose ts runs from 1968 to about 2030, 11.3 days apart on average, at any time of day. */
function wideRows(seed: number, count: number): Cell[][] {
  const r = new Rng(seed);
  let ts = Date.UTC(1968, 0, 1);
  return eventRows(seed, count).map((row) => {
    ts += r.int(0, 22 * 86_400) * 1000 + r.int(0, 999);
    return row.map((v, i) => (i === TS ? ts : v));
  });
}

let h: Harness;
let wide: Harness;
beforeAll(async () => {
  h = await openHarness({ seed: SEED, rows: 3000, segmentRows: 700 });
  wide = await openHarness({ seed: SEED + 1, rows: 2000, segmentRows: 700, data: wideRows(SEED + 1, 2000) });
});
afterAll(() => { h.close(); wide.close(); });

const AGGREGATES = [
  "SELECT uniqExact(user_id) AS a, uniqexact(country) AS b, UNIQEXACT(session_id) AS c, uniqExact(ts) AS d FROM events",
  "SELECT type, uniqExact(session_id), uniqExact(user_id) FROM events GROUP BY type",
  "SELECT countIf(type = 'purchase') AS p, countif(price > 100), COUNTIF(device IS NULL) AS d FROM events",
  "SELECT country, countIf(type = 'click') AS clicks, countIf(revenue < 0) AS refunds FROM events GROUP BY country",
  "SELECT sumIf(revenue, type = 'purchase') AS r, sumIf(quantity, device = 'mobile') AS q, sumIf(cost, country IN ('US', 'DE')) AS c FROM events",
  "SELECT country, sumIf(revenue, type = 'purchase'), sumIf(quantity, quantity > 2), sumIf(quantity::INTEGER, quantity > 2) FROM events GROUP BY country",
  "SELECT sumIf(price, price > 1e9) AS none, sumIf(revenue, type = 'click') AS all_null, sumIf(price, NULL) AS null_cond FROM events",
  "SELECT sumIf(price, device = 'mobile') AS a, sum(price) FILTER (WHERE device = 'mobile') AS b, sum(CASE WHEN device = 'mobile' THEN price END) AS c FROM events",
  "SELECT sumIf(quantity, price > 10) AS q FROM events WHERE false",
  "SELECT country, uniqExact(user_id) AS users FROM events GROUP BY country HAVING uniqExact(user_id) > 50",
  "SELECT sumIf(price, type = 'purchase') + countIf(type = 'purchase') AS mixed, uniqExact(city) * 2 AS twice FROM events",
];

const ORDERED = [
  "SELECT device, sumIf(revenue, type = 'purchase') AS r FROM events GROUP BY device ORDER BY sumIf(revenue, type = 'purchase') DESC NULLS LAST, device",
  "SELECT country, uniqExact(user_id) AS u FROM events GROUP BY country ORDER BY u DESC, country NULLS FIRST LIMIT 3",
];

const SCALARS = [
  "SELECT event_id, toStartOfMinute(ts), toStartOfHour(ts), toStartOfDay(ts), TOSTARTOFHOUR(received_at), tostartofday(received_at) FROM events",
  "SELECT toStartOfMinute(ts) AS m, count(*), uniqExact(user_id) FROM events GROUP BY m",
  "SELECT toStartOfHour(ts), count(*) FROM events GROUP BY 1",
  "SELECT toStartOfDay(ts) AS d, type, sumIf(revenue, revenue > 0) FROM events GROUP BY d, type",
  "SELECT toStartOfHour(ts) AS h, count(*) FROM events GROUP BY toStartOfHour(ts)",
  "SELECT count(*) FROM events WHERE toStartOfHour(ts) = TIMESTAMP '2026-01-10 05:00:00' OR toStartOfDay(ts) = '2026-01-11'",
  "SELECT event_id, toStartOfInterval(ts, INTERVAL 5 MINUTE), toStartOfInterval(ts, INTERVAL 1 HOUR), toStartOfInterval(received_at, INTERVAL '90 seconds') FROM events",
  "SELECT event_id, toStartOfMinute(ts) = date_trunc('minute', ts), toStartOfInterval(ts, INTERVAL 1 DAY) = toStartOfDay(ts) FROM events",
];

/** Widths of every origin rule in clickhouse-fns.ts, including the ones DuckDB cannot tell apart. */
const WIDTHS = [
  "INTERVAL 1 SECOND", "INTERVAL 30 SECOND", "INTERVAL '250 milliseconds'", "INTERVAL 1 MINUTE", "INTERVAL 7 MINUTE",
  "INTERVAL 15 MINUTE", "INTERVAL '90 minutes'", "INTERVAL 1 HOUR", "INTERVAL 5 HOUR", "INTERVAL 7 HOUR", "INTERVAL 25 HOUR",
  "INTERVAL 48 HOUR", "INTERVAL '1 day 2 hours'", "INTERVAL 1 DAY", "INTERVAL 3 DAY", "INTERVAL 7 DAY", "INTERVAL 1 WEEK",
  "INTERVAL 2 WEEK", "INTERVAL 1 MONTH", "INTERVAL 7 MONTH", "INTERVAL 1 QUARTER", "INTERVAL '2 quarters'", "INTERVAL 1 YEAR", "INTERVAL 3 YEAR",
  "INTERVAL 36 MONTH", "INTERVAL 10 YEAR",
];

describe(`native vs DuckDB, ClickHouse spellings (seed ${SEED})`, () => {
  for (const q of AGGREGATES) test(q, async () => { await h.check(q); });
  for (const q of ORDERED) test(q, async () => { await h.check(q, { ordered: true }); });
  for (const q of SCALARS) test(q, async () => { await h.check(q); });
  for (const w of WIDTHS) {
    const q = `SELECT toStartOfInterval(ts, ${w}) AS b, count(*) FROM events GROUP BY b`;
    test(q, async () => { await h.check(q); await wide.check(q); });
  }

  test("uniq is DuckDB's approx_count_distinct, and natively the exact count", async () => {
    const q = "SELECT country, uniq(user_id), uniq(anonymous_id), approx_count_distinct(user_id) FROM events GROUP BY country";
    await h.check(q, { approx: { 1: APPROX_TOLERANCE, 2: APPROX_TOLERANCE, 3: APPROX_TOLERANCE } });
    const ours = await h.native(q);
    if ("unsupported" in ours) throw new Error(ours.unsupported);
    const exact = await h.duck.run("SELECT country, count(DISTINCT user_id), count(DISTINCT anonymous_id), count(DISTINCT user_id) FROM events GROUP BY country");
    expect(diffResults(ours.rows, exact)).toBeNull();
  });

  test("output names and types are DuckDB's binder's", async () => {
    const aggs = "SELECT uniq(user_id), uniqExact(user_id), countIf(type = 'click'), sumIf(CAST(quantity AS INTEGER), quantity > 1), sumIf(price, price > 1) FROM events";
    const times = "SELECT toStartOfMinute(ts), toStartOfDay(ts), toStartOfInterval(ts, INTERVAL 5 MINUTE) FROM events";
    const columns = [...(await h.check(aggs, { approx: { 0: APPROX_TOLERANCE } })).columns, ...(await h.check(times)).columns];
    expect(columns).toEqual([
      { name: "uniq(user_id)", type: "BIGINT" },
      { name: "uniqexact(user_id)", type: "BIGINT" },
      { name: "countif((\"type\" = 'click'))", type: "HUGEINT" },
      { name: "sumif(CAST(quantity AS INTEGER), (quantity > 1))", type: "HUGEINT" },
      { name: "sumif(price, (price > 1))", type: "DOUBLE" },
      { name: "tostartofminute(ts)", type: "TIMESTAMP" },
      { name: "tostartofday(ts)", type: "TIMESTAMP" },
      { name: "tostartofinterval(ts, to_minutes(CAST(trunc(CAST(5 AS DOUBLE)) AS BIGINT)))", type: "TIMESTAMP" },
    ]);
  });

  test("toStartOfInterval starts buckets where ClickHouse does", async () => {
    // ClickHouse's answers for 2025-03-01 10:17:33 (a Saturday), by its documented origins.
    const widths = ["5 HOUR", "7 MINUTE", "1 WEEK", "2 WEEK", "3 DAY", "7 MONTH", "1 QUARTER", "3 YEAR", "25 HOUR"];
    const q = `SELECT ${widths.map((w) => `toStartOfInterval(TIMESTAMP '2025-03-01 10:17:33', INTERVAL ${w})`).join(", ")} FROM events LIMIT 1`;
    const ours = await h.check(q, { ordered: true });
    expect(ours.rows[0]!.map((d) => (d as Date).toISOString())).toEqual([
      "2025-03-01T10:00:00.000Z", // hours count from midnight: 00, 05, 10, ...
      "2025-03-01T10:13:00.000Z", // minutes from the epoch: 2025-03-01 00:00 is 3 minutes into a bucket
      "2025-02-24T00:00:00.000Z", // weeks start on Monday
      "2025-02-17T00:00:00.000Z", // two-week buckets from Monday 1970-01-05: 1438 * 14 days later
      "2025-03-01T00:00:00.000Z", // days from 1970-01-01: day 20148 = 3 * 6716
      "2024-11-01T00:00:00.000Z", // months from 1900-01: month 1498 = 7 * 214
      "2025-01-01T00:00:00.000Z",
      "2025-01-01T00:00:00.000Z", // years from year 0: 2025 = 3 * 675
      "2025-03-01T00:00:00.000Z", // hours beyond a day: midnight
    ]);
  });

  test("what the native engine declines, DuckDB still answers", async () => {
    for (const q of [
      "SELECT toStartOfInterval(now(), INTERVAL 1 HOUR) FROM events",
      "SELECT sumIf(price, quantity) FROM events",
    ]) expect(await h.native(q)).toHaveProperty("unsupported");
  });
});

describe("DuckDb.open defines the macros on both connections", () => {
  test("described (meta connection) and run (main connection); SHOW TABLES lists no macro", async () => {
    await using duck = { db: await DuckDb.open(), async [Symbol.asyncDispose]() { await this.db.close(); } };
    const sql = "SELECT uniqExact(x) AS u, sumIf(x, x > 1) AS s, toStartOfHour(TIMESTAMP '2025-03-01 10:17:33') AS h FROM (VALUES (1), (2), (2)) v(x)";
    const described = await duck.db.describe(sql);
    const answer = await duck.db.exclusive(async (s) => ({ rows: await s.query(sql, [], 10), tables: await s.query("SHOW TABLES", [], 10) }));
    expect({ columns: described.columns, rows: answer.rows.rows, tables: answer.tables.rows }).toEqual({
      columns: [{ name: "u", type: "BIGINT" }, { name: "s", type: "HUGEINT" }, { name: "h", type: "TIMESTAMP" }],
      rows: [[2n, 4n, new Date("2025-03-01T10:00:00Z")]],
      tables: [],
    });
  });
});
