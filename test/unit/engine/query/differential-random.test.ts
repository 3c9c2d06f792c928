// Randomly composed dashboard-like queries (seeded; the seed is printed): a WHERE from random terms,
// GROUP BY from random keys, random aggregates, sometimes HAVING, ORDER BY and LIMIT. Every query
// must either match DuckDB or decline; nearly all must run natively.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { Rng } from "../../../sim/rng.ts";
import { openHarness, type Harness } from "./harness.ts";

const SEED = Number(process.env.QUERY_FUZZ_SEED ?? 20260110);
const QUERIES = 80;

const TERMS = [
  "country = 'US'", "country IN ('DE', 'FR')", "device <> 'mobile'", "revenue > 50", "revenue IS NULL", "user_id IS NOT NULL",
  "ts >= '2026-01-10 18:00:00'", "ts < TIMESTAMP '2026-01-11 12:00:00'", "ts > now() - INTERVAL 20 HOUR", "url LIKE '%/p/%'",
  "campaign ILIKE '%sale%'", "price BETWEEN 5 AND 300", "NOT (type = 'click')", "type = 'purchase' OR type = 'refund'",
  "coalesce(channel, 'none') <> 'email'", "quantity * price > 100", "length(city) > 5", "extract(hour FROM ts) BETWEEN 8 AND 20",
];
const KEYS = ["country", "device", "type", "campaign", "user_id", "date_trunc('hour', ts)", "time_bucket(INTERVAL 30 MINUTE, ts)", "revenue > 0", "lower(city)", "platform"];
const AGGS = [
  "count(*)", "count(revenue)", "sum(revenue)", "avg(price)", "min(ts)", "max(campaign)", "count(DISTINCT user_id)",
  "sum(price * quantity)", "count(*) FILTER (WHERE device = 'mobile')", "max(revenue) FILTER (WHERE country = 'US')", "min(city)",
];

let h: Harness;
beforeAll(async () => { h = await openHarness({ seed: SEED % 1000, rows: 4000, segmentRows: 800 }); });
afterAll(() => h.close());

function query(r: Rng): { sql: string; ordered: boolean } {
  const where = Array.from({ length: r.int(0, 3) }, () => r.pick(TERMS));
  const keys = [...new Set(Array.from({ length: r.int(0, 2) }, () => r.pick(KEYS)))];
  const aggs = [...new Set(Array.from({ length: r.int(1, 3) }, () => r.pick(AGGS)))];
  const select = [...keys.map((k, i) => `${k} AS k${i}`), ...aggs.map((a, i) => `${a} AS a${i}`)];
  let sql = `SELECT ${select.join(", ")} FROM events`;
  if (where.length > 0) sql += ` WHERE ${where.join(r.bool(0.8) ? " AND " : " OR ")}`;
  if (keys.length > 0) sql += ` GROUP BY ${keys.map((_, i) => i + 1).join(", ")}`;
  if (keys.length > 0 && r.bool(0.3)) sql += " HAVING count(*) > 3";
  let ordered = false;
  if (r.bool(0.5)) {
    // Ordering by every key (NULLs placed) determines the order fully; a LIMIT then cuts no ties.
    const by = select.map((_, i) => `${i + 1} ${r.bool() ? "DESC" : "ASC"} NULLS ${r.bool() ? "FIRST" : "LAST"}`);
    sql += ` ORDER BY ${keys.length > 0 ? by.slice(0, keys.length).join(", ") : by.join(", ")}`;
    ordered = true;
    if (r.bool(0.5)) sql += ` LIMIT ${r.int(1, 20)}${r.bool(0.3) ? ` OFFSET ${r.int(1, 5)}` : ""}`;
  }
  return { sql, ordered };
}

test(`random queries match DuckDB (seed ${SEED})`, async () => {
  const r = new Rng(SEED);
  let declined = 0;
  for (let q = 0; q < QUERIES; q++) {
    const { sql, ordered } = query(r);
    const ours = await h.native(sql);
    if ("unsupported" in ours) { declined++; continue; }
    await h.check(sql, { ordered });
  }
  expect(declined).toBeLessThan(QUERIES / 10);
});
