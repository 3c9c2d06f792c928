// Differential tests, rows without aggregates: projections, WHERE (three-valued logic, IN, BETWEEN,
// LIKE, IS NULL, CASE, CAST, arithmetic), ORDER BY with NULLS FIRST/LAST, LIMIT/OFFSET (top-k),
// parameters. Each query runs natively and in DuckDB over the same 4000 seeded rows (seed 11; 1000-row
// segments, the last one an unsealed tail): the answers must match (compare-results.ts).

import { afterAll, beforeAll, describe, test } from "bun:test";
import { openHarness, type Harness } from "./harness.ts";

const SEED = 11;
let h: Harness;
beforeAll(async () => { h = await openHarness({ seed: SEED, rows: 4000 }); });
afterAll(() => h.close());

const UNORDERED = [
  "SELECT * FROM events WHERE user_id = 'u17'",
  "SELECT event_id, type, revenue FROM events WHERE revenue > 100",
  "SELECT event_id FROM events WHERE revenue >= 100 AND revenue < 200 AND country = 'DE'",
  "SELECT event_id, campaign FROM events WHERE campaign IN ('brand', 'spring_sale', 'nope')",
  "SELECT event_id FROM events WHERE campaign NOT IN ('brand', 'spring_sale')",
  "SELECT event_id FROM events WHERE campaign NOT IN ('brand', NULL)",
  "SELECT event_id FROM events WHERE campaign IN ('brand', NULL)",
  "SELECT event_id, country FROM events WHERE country <> 'US'",
  "SELECT event_id FROM events WHERE NOT (country = 'US')",
  "SELECT event_id FROM events WHERE country = 'US' OR device = 'tablet'",
  "SELECT event_id FROM events WHERE NOT (country = 'US' OR device IS NULL)",
  "SELECT event_id FROM events WHERE (country = 'US') IS NULL",
  "SELECT event_id, country = 'US' AND device = 'mobile' AS both FROM events",
  "SELECT event_id, country = 'US' OR device = 'mobile' AS either, NOT (revenue > 10) AS n FROM events",
  "SELECT event_id FROM events WHERE user_id IS NULL",
  "SELECT event_id FROM events WHERE revenue IS NOT NULL AND cost IS NULL",
  "SELECT event_id FROM events WHERE price BETWEEN 10 AND 20.5",
  "SELECT event_id FROM events WHERE price NOT BETWEEN 10 AND 900",
  "SELECT event_id FROM events WHERE ts BETWEEN '2026-01-10 12:00:00' AND '2026-01-10 13:00:00'",
  "SELECT event_id FROM events WHERE ts >= TIMESTAMP '2026-01-11 00:00:00' AND ts < '2026-01-11 06:00'::TIMESTAMP",
  "SELECT event_id FROM events WHERE ts > DATE '2026-01-11'",
  "SELECT event_id, url FROM events WHERE url LIKE '%/cart/%'",
  "SELECT event_id FROM events WHERE url LIKE 'https://shop.example.com/p/1_?%'",
  "SELECT event_id FROM events WHERE url NOT LIKE '%sale'",
  "SELECT event_id FROM events WHERE url LIKE '%100!%' ESCAPE '!'",
  "SELECT event_id FROM events WHERE url LIKE '%a\\_b%'",
  "SELECT event_id FROM events WHERE text LIKE '%\\path%'",
  "SELECT event_id FROM events WHERE campaign ILIKE 'ZEBRA'",
  "SELECT event_id FROM events WHERE city ILIKE '%zür%' OR city ILIKE 'ålesund'",
  "SELECT event_id FROM events WHERE city NOT ILIKE '%o%'",
  "SELECT event_id FROM events WHERE text LIKE 'x_y%'",
  "SELECT event_id, revenue * 2, revenue / 3, revenue - cost, -revenue, revenue + 1 FROM events WHERE revenue IS NOT NULL",
  "SELECT event_id, quantity * price AS total, price // 2, price % 7 FROM events",
  "SELECT event_id, revenue // 0, CAST(quantity AS INTEGER) % 0, CAST(quantity AS INTEGER) // 0 FROM events",
  "SELECT event_id, CAST(quantity AS INTEGER) AS q, CAST(quantity AS INTEGER) + 1, CAST(quantity AS INTEGER) // 2, CAST(quantity AS INTEGER) % 2, CAST(quantity AS INTEGER) / 2 FROM events",
  "SELECT event_id, CAST(price AS INTEGER), CAST(price AS BIGINT), CAST(price * 100 AS BIGINT) FROM events",
  "SELECT event_id, CAST(quantity AS INTEGER)::VARCHAR, CAST(ts AS DATE), CAST(ts AS VARCHAR), ts::DATE::VARCHAR FROM events",
  "SELECT event_id, CASE WHEN revenue > 100 THEN 'big' WHEN revenue > 0 THEN 'small' ELSE 'none' END AS size FROM events",
  "SELECT event_id, CASE country WHEN 'US' THEN 1 WHEN 'DE' THEN 2 END AS c FROM events",
  "SELECT event_id, CASE WHEN price > 500 THEN price ELSE 0 END FROM events",
  "SELECT event_id, CASE WHEN device = 'mobile' THEN quantity END FROM events",
  "SELECT event_id, coalesce(campaign, channel, 'none'), coalesce(revenue, 0), coalesce(quantity, price) FROM events",
  "SELECT event_id, nullif(country, 'US'), nullif(quantity, 1) FROM events",
  "SELECT event_id, revenue IS DISTINCT FROM NULL, country IS NOT DISTINCT FROM 'US', country IS DISTINCT FROM device FROM events",
  "SELECT event_id, ts, received_at FROM events WHERE received_at - INTERVAL 2 SECOND > ts",
  "SELECT event_id FROM events WHERE ts + INTERVAL '1 day' > TIMESTAMP '2026-01-12 00:00:00'",
  "SELECT event_id FROM events WHERE ts > now() - INTERVAL 3 HOUR",
  "SELECT event_id, now(), current_timestamp FROM events WHERE ts >= now() - INTERVAL '90 minutes'",
  "SELECT e.event_id, e.type FROM events e WHERE e.country = 'FR'",
  "SELECT events.event_id FROM events WHERE events.revenue < 0",
  "SELECT event_id AS id, revenue AS r FROM events WHERE r > 300",
  "SELECT event_id FROM events WHERE false",
  "SELECT event_id FROM events WHERE NULL",
  "SELECT event_id FROM events WHERE country = 'XX'",
  "SELECT event_id FROM events WHERE user_id = 'u1' AND user_id = 'u2'",
  "SELECT event_id, props FROM events WHERE props IS NOT NULL AND type = 'click'",
  "SELECT DISTINCT country FROM events",
  "SELECT DISTINCT country, device FROM events",
  "SELECT DISTINCT date_trunc('hour', ts) FROM events",
  "SELECT event_id, price > 100 AND quantity > 2 FROM events",
  "SELECT event_id, country < 'FR', country >= 'GB', campaign > 'zebra', campaign < 'émoji' FROM events",
  "SELECT * FROM events WHERE event_id = 'e11-77'",
  "SELECT event_id, ts FROM events WHERE event_id IN ('e11-1', 'e11-2', 'nope') OR event_id LIKE 'e11-39_'",
  "SELECT event_id FROM events WHERE session_id = 's12' AND ts > '2026-01-10'",
];

const ORDERED = [
  "SELECT event_id, ts FROM events ORDER BY ts LIMIT 10",
  "SELECT event_id, ts FROM events ORDER BY ts DESC LIMIT 10 OFFSET 5",
  "SELECT event_id, revenue FROM events ORDER BY revenue DESC NULLS LAST, event_id LIMIT 20",
  "SELECT event_id, revenue FROM events ORDER BY revenue NULLS FIRST, event_id LIMIT 20",
  "SELECT event_id, revenue FROM events ORDER BY revenue, event_id DESC LIMIT 7",
  "SELECT event_id, revenue FROM events WHERE revenue IS NOT NULL ORDER BY revenue DESC, ts",
  "SELECT event_id, campaign FROM events ORDER BY campaign, event_id LIMIT 50",
  "SELECT event_id, campaign FROM events ORDER BY campaign DESC, event_id LIMIT 50",
  "SELECT event_id FROM events ORDER BY price * quantity DESC NULLS LAST, event_id LIMIT 10",
  "SELECT event_id, ts FROM events ORDER BY 2 DESC, 1 LIMIT 3",
  "SELECT event_id AS id FROM events ORDER BY id LIMIT 15",
  "SELECT event_id FROM events WHERE country = 'JP' ORDER BY ts LIMIT 5 OFFSET 100000",
  "SELECT event_id FROM events ORDER BY ts LIMIT 0",
  "SELECT DISTINCT country FROM events ORDER BY country",
  "SELECT DISTINCT country FROM events ORDER BY 1 DESC NULLS FIRST",
  "SELECT event_id, -price AS price FROM events ORDER BY price NULLS FIRST, event_id LIMIT 12",
  "SELECT event_id, ts AS received_at FROM events ORDER BY received_at DESC LIMIT 5",
];

describe(`native vs DuckDB, rows (seed ${SEED})`, () => {
  for (const q of UNORDERED) test(q, async () => { await h.check(q); });
  for (const q of ORDERED) test(q, async () => { await h.check(q, { ordered: true }); });
  test("LIMIT without ORDER BY returns the right number of rows that all match", async () => {
    const limited = await h.native("SELECT event_id, country FROM events WHERE country = 'US' LIMIT 25");
    if ("unsupported" in limited) throw new Error(limited.unsupported);
    if (limited.rows.length !== 25 || limited.rows.some((r) => r[1] !== "US")) throw new Error("bad LIMIT");
  });
  test("parameters", async () => {
    await h.check("SELECT event_id FROM events WHERE user_id = $1 AND revenue > $2", { params: ["u5", 10] });
    await h.check("SELECT event_id FROM events WHERE ts >= ? AND country IN (?, ?)", { params: [new Date("2026-01-11T00:00:00Z"), "US", "DE"] });
    await h.check("SELECT event_id FROM events WHERE contains(url, $1) ORDER BY ts LIMIT $2", { params: ["cart", 7], ordered: true });
    await h.check("SELECT event_id FROM events WHERE price BETWEEN $1 AND $2", { params: [10.5, 20] });
  });
});
