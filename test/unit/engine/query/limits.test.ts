// Runtime limits and run-time declines: result_too_large and query_timeout (EngineErrors with the
// numbers), zone-map pruning (segments skipped, same answer as DuckDB), history overlap, and values
// the native engine cannot match exactly (integer overflow, IEEE infinities, case mappings, parameter
// types) giving the query back to DuckDB.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EngineError } from "../../../../engine/core/errors.ts";
import { isUnsupported } from "../../../../engine/query/native.ts";
import { newScanStats } from "../../../../engine/store/table.ts";
import { openHarness, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => { h = await openHarness({ seed: 5, rows: 5000, segmentRows: 1000, seal: true }); });
afterAll(() => h.close());

async function errorOf(f: () => Promise<unknown>): Promise<{ code: string; message: string } | null> {
  try {
    await f();
    return null;
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return { code: e.code, message: e.message };
  }
}

describe("result_too_large", () => {
  const cases = [
    "SELECT event_id FROM events",
    "SELECT event_id FROM events ORDER BY ts",
    "SELECT user_id, count(*) FROM events GROUP BY user_id",
    "SELECT DISTINCT anonymous_id FROM events",
  ];
  for (const sql of cases) {
    test(sql, async () => {
      expect(await errorOf(() => h.native(sql, { maxRows: 100 }))).toEqual({
        code: "result_too_large", message: "query result has more than 100 rows (the most a query may return)",
      });
    });
  }
  test("a LIMIT within maxRows is fine", async () => {
    const r = await h.check("SELECT event_id FROM events ORDER BY ts DESC LIMIT 100", { maxRows: 100, ordered: true });
    expect(r.rows.length).toBe(100);
  });
});

test("query_timeout: the deadline is checked between batches", async () => {
  const err = await errorOf(() => h.native("SELECT count(*) FROM events", { deadline: performance.now() - 1 }));
  expect(err?.code).toBe("query_timeout");
  expect(err?.message).toMatch(/^query ran past its deadline after \d+ ms \(\d+ rows scanned\)$/);
});

test("a time range skips segments by their zone maps and answers as DuckDB does", async () => {
  const sql = "SELECT type, count(*), sum(revenue) FROM events WHERE ts >= '2026-01-11 00:00:00' AND ts < TIMESTAMP '2026-01-11 06:00:00' GROUP BY type";
  const stats = newScanStats();
  const r = await h.check(sql, { stats });
  expect(stats.segmentsSkipped).toBeGreaterThan(0);
  expect(stats.segmentsScanned).toBeLessThan(h.table.segmentCount);
  expect(r.stats.rowsScanned).toBe(stats.rowsScanned);
  expect(stats.rowsScanned).toBeLessThan(5000);
});

test("history: the query's time range is asked, and an overlap declines", async () => {
  const asked: [number, number][] = [];
  const overlaps = (lo: number, hi: number) => { asked.push([lo, hi]); return lo < Date.UTC(2026, 0, 11); };
  const late = await h.native("SELECT count(*) FROM events WHERE ts >= '2026-01-11 12:00:00'", { historyOverlaps: overlaps });
  const early = await h.native("SELECT count(*) FROM events WHERE ts <= '2026-01-11 12:00:00'", { historyOverlaps: overlaps });
  const all = await h.native("SELECT count(*) FROM events", { historyOverlaps: overlaps });
  expect([isUnsupported(late), isUnsupported(early), isUnsupported(all)]).toEqual([false, true, true]);
  const t = Date.UTC(2026, 0, 11, 12);
  expect(asked).toEqual([[t, Infinity], [-Infinity, t + 1], [-Infinity, Infinity]]);
});

describe("declined at run time", () => {
  const cases: [string, string, unknown[]][] = [
    ["INTEGER overflow", "SELECT CAST(quantity AS INTEGER) * 2147483647 FROM events", []],
    ["DOUBLE division by zero is inf in DuckDB", "SELECT revenue / 0 FROM events", []],
    ["DOUBLE modulo by zero is NaN in DuckDB", "SELECT price % 0 FROM events", []],
    ["case mapping DuckDB may do differently", "SELECT lower(region) FROM events", []],
    ["ILIKE over such a value", "SELECT count(*) FROM events WHERE region ILIKE 'i%'", []],
    ["fractional parameter for an integer", "SELECT count(*) FROM events WHERE CAST(quantity AS INTEGER) = $1", [1.5]],
    ["number parameter for a timestamp", "SELECT count(*) FROM events WHERE ts > $1", [1]],
    ["sub-millisecond timestamp text", "SELECT count(*) FROM events WHERE ts > '2026-01-11 00:00:00.0005'", []],
    ["text that is no date", "SELECT count(*) FROM events WHERE ts > '2026-02-30'", []],
  ];
  for (const [why, sql, params] of cases) {
    test(why, async () => {
      let r;
      try {
        r = await h.native(sql, { params: params as never });
      } catch (e) {
        // DuckDB's binder already rejects it (constant text that is no timestamp).
        expect(why).toBe("text that is no date");
        return;
      }
      expect(isUnsupported(r)).toBe(true);
    });
  }
});
