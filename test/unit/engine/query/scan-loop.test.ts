// The scan strategies of operators/scan-loop.ts against DuckDB: one pass (no WHERE, or WHERE over
// every column read), two passes for a selective WHERE (its columns first, the rest only for the
// batches that matched), and the fallback to one pass when the filter keeps too much. 20000 rows.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { newScanStats } from "../../../../engine/store/table.ts";
import { openHarness, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => { h = await openHarness({ seed: 13, rows: 20_000, segmentRows: 5000, seal: true }); });
afterAll(() => h.close());

test("selective filter: second pass reads only batches that matched", async () => {
  const stats = newScanStats();
  await h.check("SELECT * FROM events WHERE session_id = 's100' ORDER BY ts", { ordered: true, stats });
  // First pass: every row of session_id; second pass: the one or two batches holding session s100.
  expect(stats.rowsScanned).toBeLessThan(20_000 + 2 * 4096 + 1);
});

test("filter that keeps most rows falls back to one pass", async () => {
  await h.check("SELECT event_id, revenue, city FROM events WHERE country <> 'US'");
  await h.check("SELECT country, count(*), sum(revenue) FROM events WHERE device IS NOT NULL GROUP BY country");
});

test("LIMIT without ORDER BY stops both passes early", async () => {
  const stats = newScanStats();
  const r = await h.native("SELECT event_id, user_id FROM events WHERE user_id = 'u42' LIMIT 3", { stats });
  if ("unsupported" in r) throw new Error(r.unsupported);
  expect(r.rows.length).toBe(3);
  expect(r.rows.every((row) => row[1] === "u42")).toBe(true);
  expect(stats.rowsScanned).toBeLessThan(20_000);
});

test("filters mixing selective and broad terms", async () => {
  await h.check("SELECT * FROM events WHERE user_id IN ('u1', 'u2') AND revenue IS NOT NULL");
  await h.check("SELECT user_id, count(*), max(url) FROM events WHERE anonymous_id LIKE 'a1%' GROUP BY user_id");
});
