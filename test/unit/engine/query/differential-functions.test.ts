// Differential tests, scalar functions: strings (code points, UTF-8 order, DuckDB's case mapping,
// LIKE, RE2 regular expressions), time (date_trunc, time_bucket, date_part and its aliases, epoch,
// interval arithmetic on the calendar), casts and rounding. 3000 seeded rows (seed 37), 700-row
// segments, unsealed tail included.

import { afterAll, beforeAll, describe, test } from "bun:test";
import { openHarness, type Harness } from "./harness.ts";

const SEED = 37;
let h: Harness;
beforeAll(async () => { h = await openHarness({ seed: SEED, rows: 3000, segmentRows: 700 }); });
afterAll(() => h.close());

const PARTS = ["year", "month", "day", "hour", "minute", "second", "millisecond", "microsecond", "epoch", "dow", "isodow", "doy", "week", "quarter", "isoyear", "yearweek"];
const TRUNCS = ["second", "minute", "hour", "day", "week", "month", "quarter", "year", "MINUTE", "mins", "h", "millisecond"];
const BUCKETS = ["INTERVAL 5 MINUTE", "INTERVAL '15 minutes'", "INTERVAL 1 HOUR", "INTERVAL '7 days'", "INTERVAL 1 WEEK", "INTERVAL '1 month'", "INTERVAL 3 MONTH", "INTERVAL '90 seconds'", "INTERVAL 1 DAY", "INTERVAL '1 year'"];

const QUERIES = [
  "SELECT event_id, lower(city), upper(city), lower(campaign), upper(campaign), lcase(country), ucase(type) FROM events",
  "SELECT event_id, length(city), length(campaign), strlen(city), length(url), len(text) FROM events",
  "SELECT event_id, substring(city, 2, 3), substring(campaign, -3), substr(url, 9, 4), substring(city, 0, 2), substring(city, -2, 5) FROM events",
  "SELECT event_id, strpos(url, 'cart'), instr(city, 'ü'), position('a' IN campaign), strpos(campaign, '') FROM events",
  "SELECT event_id, contains(url, 'utm=sale'), starts_with(url, 'https://shop'), ends_with(campaign, 'sale'), prefix(city, 'S'), suffix(city, 'n') FROM events",
  "SELECT event_id FROM events WHERE contains(lower(campaign), 'ü') OR starts_with(city, 'Z')",
  "SELECT event_id, concat(country, '/', device), country || '/' || device, concat(campaign, quantity::INTEGER), concat('x', NULL) FROM events",
  "SELECT event_id, trim(referrer), ltrim('  ' || country), rtrim(country || '  '), replace(url, 'https://', '') FROM events",
  "SELECT event_id, regexp_matches(url, 'cart/[0-9]+'), regexp_matches(url, '^https://shop\\.example\\.com/p/\\d{2}\\?'), regexp_matches(text, 'x.y') FROM events",
  "SELECT event_id FROM events WHERE regexp_matches(campaign, '(sale|brand)$')",
  "SELECT event_id, regexp_replace(url, '[0-9]+', '#'), regexp_replace(url, '[0-9]', '#', 'g'), regexp_replace(url, '(\\w+)://', '\\1 - ') FROM events",
  "SELECT event_id, regexp_replace(city, '\\s', '_', 'g'), regexp_matches(text, '\\S+\\s\\S+'), regexp_replace(text, 'a*', '-', 'g') FROM events",
  "SELECT event_id FROM events WHERE campaign SIMILAR TO '[a-z_]+'",
  "SELECT event_id, lower(region) FROM events WHERE region IS NULL OR region = 'Bayern'",
  "SELECT event_id, campaign ILIKE '%ÜN%', city ILIKE '_ü%' FROM events",
  ...PARTS.map((p) => `SELECT event_id, date_part('${p}', ts), extract(${p === "yearweek" ? "year" : p} FROM received_at) FROM events`),
  ...TRUNCS.map((p) => `SELECT event_id, date_trunc('${p}', ts) FROM events`),
  ...BUCKETS.map((b) => `SELECT time_bucket(${b}, ts) AS b, count(*) FROM events GROUP BY b`),
  "SELECT event_id, year(ts), month(ts), day(ts), hour(ts), minute(ts), second(ts), dayofweek(ts), dayofyear(ts), week(ts), quarter(ts), isodow(ts), yearweek(ts) FROM events",
  "SELECT event_id, epoch(ts), epoch_ms(ts), epoch_us(ts), epoch_ms(ts) - epoch_ms(received_at) FROM events",
  "SELECT event_id, ts + INTERVAL 1 MONTH, ts - INTERVAL '2 months', ts + INTERVAL 1 YEAR, ts - INTERVAL '1 day 2 hours', ts + INTERVAL 90 SECOND FROM events",
  "SELECT event_id, ts + INTERVAL 45 DAY, ts - INTERVAL 1 WEEK, INTERVAL 10 MINUTE + ts FROM events WHERE ts < '2026-01-11'",
  "SELECT event_id, date_trunc('hour', now()), now() - INTERVAL 1 DAY, date_part('hour', now()) FROM events WHERE ts > now() - INTERVAL 1 HOUR",
  "SELECT event_id, round(price), round(price, 1), round(cost, 3), round(-price, 0), floor(price), ceil(cost), abs(revenue), trunc(price / 7) FROM events",
  "SELECT event_id, abs(CAST(quantity AS INTEGER) - 3), round(revenue / 3, 2) FROM events",
  "SELECT event_id, CAST('2026-01-11 10:00:00' AS TIMESTAMP) < ts, CAST('12' AS INTEGER) + 1, CAST('1.25' AS DOUBLE) * price, CAST('t' AS BOOLEAN) FROM events",
  "SELECT event_id, CAST(price > 10 AS INTEGER), CAST(price > 10 AS VARCHAR), TRY_CAST(quantity AS DOUBLE) FROM events",
  "SELECT event_id, coalesce(ts, now()), coalesce(CAST(quantity AS INTEGER), CAST(1 AS BIGINT)) FROM events",
];

describe(`native vs DuckDB, functions (seed ${SEED})`, () => {
  for (const q of QUERIES) test(q, async () => { await h.check(q); });
});
