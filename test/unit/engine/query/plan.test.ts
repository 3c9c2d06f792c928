// The plan is data: planNative's output for a few queries, asserted whole; and every category of
// query the native engine declines (planNative returns { unsupported }, the query runs in DuckDB).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isUnsupported } from "../../../../engine/query/native.ts";
import { openHarness, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => { h = await openHarness({ seed: 3, rows: 50 }); });
afterAll(() => h.close());

const col = (column: number, name: string, type: string) => ({ kind: "column", type, column, name });

test("a filtered scan: columns read, WHERE bound and typed, no time bounds", async () => {
  expect((await h.plan("SELECT event_id FROM events WHERE revenue > 10")) as unknown).toEqual({
    kind: "native_plan", table: "events", columns: [{ name: "event_id", type: "VARCHAR" }], timeColumn: "ts", timeBounds: [],
    scan: ["event_id", "revenue"],
    where: { kind: "compare", type: "BOOLEAN", op: ">", left: col(1, "revenue", "DOUBLE"), right: { kind: "const", type: "INTEGER", value: 10 } },
    aggregate: null, outputs: [col(0, "event_id", "VARCHAR")], order: [], limit: null, offset: null,
  });
});

test("a dashboard query: time bound from WHERE, parameter typed by its context, keys, aggregates, top-k", async () => {
  const sql = "SELECT country, count(*) AS n FROM events WHERE ts >= TIMESTAMP '2026-01-10 00:00:00' AND type = $1 GROUP BY country ORDER BY n DESC LIMIT 5";
  const tsBound = { kind: "const", type: "TIMESTAMP", value: Date.UTC(2026, 0, 10) };
  const count = { kind: "agg", type: "BIGINT", index: 0 };
  expect((await h.plan(sql)) as unknown).toEqual({
    kind: "native_plan", table: "events", timeColumn: "ts",
    columns: [{ name: "country", type: "VARCHAR" }, { name: "n", type: "BIGINT" }],
    timeBounds: [{ op: ">=", value: tsBound }],
    scan: ["country", "ts", "type"],
    where: {
      kind: "and", type: "BOOLEAN", args: [
        { kind: "compare", type: "BOOLEAN", op: ">=", left: col(1, "ts", "TIMESTAMP"), right: tsBound },
        { kind: "compare", type: "BOOLEAN", op: "=", left: col(2, "type", "VARCHAR"), right: { kind: "param", type: "VARCHAR", index: 0 } },
      ],
    },
    aggregate: { keys: [col(0, "country", "VARCHAR")], aggs: [{ fn: "count_star", arg: null, filter: null, type: "BIGINT", approx: false }], having: null },
    outputs: [{ kind: "key", type: "VARCHAR", index: 0 }, count],
    order: [{ expr: count, output: 1, desc: true, nullsFirst: false }],
    limit: { kind: "const", type: "INTEGER", value: 5 }, offset: null,
  });
});

test("INTERVAL literals fold to constants; now() stays for execution", async () => {
  const plan = await h.plan("SELECT count(*) FROM events WHERE ts > now() - INTERVAL 90 MINUTE");
  if (isUnsupported(plan)) throw new Error(plan.unsupported);
  expect(plan.timeBounds).toEqual([{
    op: ">", value: { kind: "call", type: "TIMESTAMP WITH TIME ZONE", fn: "-", args: [
      { kind: "now", type: "TIMESTAMP WITH TIME ZONE" },
      { kind: "const", type: "INTERVAL", value: { months: 0, days: 0, ms: 90 * 60_000 } },
    ] },
  }]);
});

test("plans are frozen", async () => {
  const plan = await h.plan("SELECT type, sum(revenue) FROM events GROUP BY type");
  expect(Object.isFrozen(plan)).toBe(true);
  expect(Object.isFrozen((plan as unknown as { outputs: unknown[] }).outputs[0])).toBe(true);
});

const DECLINED: [string, string][] = [
  ["join", "SELECT * FROM events a JOIN events b ON a.event_id = b.event_id"],
  ["cross join", "SELECT count(*) FROM events, events e2"],
  ["window function", "SELECT event_id, row_number() OVER (ORDER BY ts) FROM events"],
  ["window aggregate", "SELECT sum(revenue) OVER (PARTITION BY country) FROM events"],
  ["subquery in FROM", "SELECT * FROM (SELECT * FROM events) x"],
  ["scalar subquery", "SELECT (SELECT max(ts) FROM events) AS m FROM events"],
  ["IN subquery", "SELECT event_id FROM events WHERE user_id IN (SELECT user_id FROM events WHERE type = 'purchase')"],
  ["EXISTS", "SELECT event_id FROM events WHERE EXISTS (SELECT 1 FROM events)"],
  ["CTE", "WITH x AS (SELECT * FROM events) SELECT count(*) FROM x"],
  ["CTE shadowing the table", "WITH events AS (SELECT 1 AS ts) SELECT * FROM events"],
  ["UNION", "SELECT type FROM events UNION SELECT country FROM events"],
  ["no FROM", "SELECT 1"],
  ["table function", "SELECT * FROM range(10)"],
  ["GROUP BY ALL", "SELECT country, count(*) FROM events GROUP BY ALL"],
  ["ROLLUP", "SELECT country, device, count(*) FROM events GROUP BY ROLLUP (country, device)"],
  ["QUALIFY", "SELECT event_id FROM events QUALIFY row_number() OVER () = 1"],
  ["SAMPLE", "SELECT * FROM events USING SAMPLE 10"],
  ["DISTINCT ON", "SELECT DISTINCT ON (country) country, ts FROM events"],
  ["unknown function", "SELECT md5(event_id) FROM events"],
  ["unsupported aggregate", "SELECT country, median(revenue) FROM events GROUP BY country"],
  ["string_agg ORDER BY", "SELECT string_agg(country, ',' ORDER BY ts) FROM events"],
  ["DECIMAL arithmetic", "SELECT 1.5 + 1 FROM events"],
  ["DOUBLE to text", "SELECT CAST(revenue AS VARCHAR) FROM events"],
  ["regex POSIX class", "SELECT regexp_matches(url, '[[:alpha:]]+') FROM events"],
  ["regex Unicode class", "SELECT regexp_matches(url, '\\pL') FROM events"],
  ["regex option i", "SELECT regexp_matches(url, 'CART', 'i') FROM events"],
  ["star EXCLUDE", "SELECT * EXCLUDE (props) FROM events"],
  ["LIMIT percent", "SELECT * FROM events LIMIT 10%"],
  ["mixed string and number comparison", "SELECT event_id FROM events WHERE user_id = 5"],
  ["time_bucket with origin", "SELECT time_bucket(INTERVAL 1 HOUR, ts, TIMESTAMP '2000-01-01 00:30:00') FROM events"],
  ["sum(DISTINCT)", "SELECT sum(DISTINCT revenue) FROM events"],
  ["timestamp difference", "SELECT received_at - ts FROM events"],
  ["JSON function", "SELECT props->>'k' FROM events"],
  ["unknown table", "SELECT * FROM other_table_not_here"],
];

describe("declined queries", () => {
  for (const [why, sql] of DECLINED) {
    test(why, async () => {
      let plan;
      try {
        plan = await h.plan(sql);
      } catch {
        // DuckDB itself rejects the statement (binder error): it never reaches the native engine.
        if (why === "unknown table" || why === "JSON function") return;
        throw new Error(`DuckDB rejected ${sql}`);
      }
      expect(isUnsupported(plan)).toBe(true);
    });
  }
});
