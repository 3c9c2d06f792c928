// Differential tests for the aggregation fast paths over realistic events (bench/data.ts: sessions fix
// country, device and users, so MAPPED chunks, nullable FOR keys and sparse money columns occur):
// flat-index group ids from codes in place, dense sums, store-side count(DISTINCT) marks, the shared
// FILTER partition and fused funnel marks, MAPPED refines over nullable keys. Every query is checked
// against DuckDB, on a sealed table and on one whose last segment is still raw. Seed 5, 30000 rows.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { eventStream } from "../../../../bench/data.ts";
import type { Cell } from "../../../helpers/duck-reference.ts";
import { openHarness, type Harness } from "./harness.ts";

const SEED = 5;
console.log(`aggregate fast paths: SEED=${SEED}`);

function rows(count: number): Cell[][] {
  const out: Cell[][] = [];
  for (const e of eventStream(SEED, count)) {
    const byName = e as unknown as Record<string, unknown>;
    out.push(EVENTS_SCHEMA.columns.map((c) => {
      const v = c.name === "received_at" ? e.ts : byName[c.name];
      if (v === undefined || v === null) return null;
      return typeof v === "object" ? JSON.stringify(v) : (v as Cell);
    }));
  }
  return out;
}

const QUERIES = [
  // funnels: fused marks (two and three views, overlapping and duplicate filters), and the fallbacks
  "SELECT count(DISTINCT anonymous_id) FILTER (WHERE type = 'page_view') AS a, count(DISTINCT anonymous_id) FILTER (WHERE type = 'add_to_cart') AS b, count(DISTINCT anonymous_id) FILTER (WHERE type = 'purchase') AS c FROM events",
  "SELECT count(DISTINCT user_id) FILTER (WHERE type = 'page_view'), count(DISTINCT user_id) FILTER (WHERE type = 'purchase') FROM events",
  "SELECT count(DISTINCT anonymous_id) FILTER (WHERE type IN ('page_view', 'purchase')), count(DISTINCT anonymous_id) FILTER (WHERE type = 'purchase'), count(DISTINCT anonymous_id) FILTER (WHERE type = 'purchase') AS again FROM events",
  "SELECT count(DISTINCT country) FILTER (WHERE device = 'mobile'), count(DISTINCT country) FILTER (WHERE device = 'desktop'), count(*) FROM events",
  "SELECT count(DISTINCT anonymous_id) FILTER (WHERE type = 'page_view'), count(DISTINCT anonymous_id) FILTER (WHERE type = 'nothing') FROM events WHERE country = 'US'",
  "SELECT count(DISTINCT user_id) FILTER (WHERE type = 'page_view'), count(DISTINCT user_id) FILTER (WHERE type = 'screen_view') FROM events WHERE ts >= TIMESTAMP '2025-03-01 02:00:00'",
  "SELECT count(DISTINCT type) FILTER (WHERE type = 'page_view'), count(DISTINCT type) FILTER (WHERE type <> 'page_view') FROM events",
  "SELECT count(DISTINCT anonymous_id) FILTER (WHERE lower(type) LIKE '%view%'), count(DISTINCT anonymous_id) FILTER (WHERE type = 'purchase') FROM events",
  "SELECT count(*) FILTER (WHERE type = 'page_view'), count(*) FILTER (WHERE type = 'purchase'), sum(revenue) FILTER (WHERE type = 'purchase'), count(*) FILTER (WHERE type IN ('purchase', 'refund')), count(*) FILTER (WHERE type = 'refund') FROM events",
  // flat-index group ids, with and without an unfiltered count(*)
  "SELECT country, device, sum(revenue) AS revenue, count(*) AS n FROM events GROUP BY country, device",
  "SELECT type, count(*) AS n FROM events GROUP BY type",
  "SELECT channel, campaign, sum(revenue), avg(revenue), count(DISTINCT user_id), count(*) FROM events GROUP BY channel, campaign",
  "SELECT country, count(*) FILTER (WHERE type = 'purchase'), sum(cost) FROM events GROUP BY country",
  "SELECT device, type, count(*) FILTER (WHERE type = 'page_view'), count(*) FILTER (WHERE type = 'add_to_cart') FROM events GROUP BY device, type",
  "SELECT campaign, sum(revenue) AS revenue, count(DISTINCT user_id) AS buyers FROM events WHERE type = 'purchase' GROUP BY campaign",
  "SELECT country, device, platform, min(price), max(price), count(price) FROM events WHERE country IN ('US', 'DE') GROUP BY 1, 2, 3",
  // dense sums under filters
  "SELECT sum(revenue) AS revenue, sum(cost) AS cost, avg(price) AS avg_price FROM events WHERE channel = 'paid_search' AND country IN ('US', 'DE', 'GB') AND device <> 'tablet'",
  "SELECT sum(cost), avg(cost), sum(price), min(cost) FROM events WHERE channel IN ('email', 'paid_search', 'display')",
  "SELECT sum(revenue), count(revenue), avg(price) FROM events WHERE channel IS NULL",
  "SELECT count(*), sum(revenue), max(ts) FROM events WHERE user_id = 'USER'",
  // grouped count(DISTINCT)
  "SELECT date_trunc('minute', ts) AS minute, count(*) FILTER (WHERE type = 'page_view') AS pv, count(DISTINCT anonymous_id) AS uv FROM events WHERE ts >= TIMESTAMP '2025-03-01 03:00:00' GROUP BY 1",
  "SELECT country, count(DISTINCT session_id), count(DISTINCT anonymous_id) FROM events GROUP BY country",
];

const DATA = rows(30_000);
const USER = DATA.map((r) => r[EVENTS_SCHEMA.columns.findIndex((c) => c.name === "user_id")]).find((u) => u !== null) as string;

describe("aggregation fast paths against DuckDB", () => {
  for (const seal of [true, false]) {
    let h: Harness;
    beforeAll(async () => { h = await openHarness({ seed: SEED, rows: DATA.length, data: DATA, segmentRows: 9000, seal }); });
    afterAll(() => h.close());
    if (seal) {
      test("the data has the encodings the fast paths read", () => {
        const enc = (name: string) => Object.keys(h.table.columnMemory().find((c) => c.name === name)!.encodings).sort().join(",");
        expect(["country", "anonymous_id", "channel", "campaign", "type"].map(enc)).toEqual(["mapped", "for,mapped", "mapped", "for", "for"]);
      });
    }
    for (const sql of QUERIES) {
      test(`${seal ? "sealed" : "raw tail"}: ${sql}`, async () => { await h.check(sql.replace("USER", USER)); }, 30_000);
    }
  }
});
