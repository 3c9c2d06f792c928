// The /v1/metrics body written as bytes must be the text JSON.stringify gives for the same answer.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { DEFAULT_ROLLUP_CONFIG } from "../../../../engine/aggregate/rollup-config.ts";
import { evaluateRollups, METRICS, queryRollups, type RollupSeries } from "../../../../engine/aggregate/rollup-query.ts";
import { Rollups } from "../../../../engine/aggregate/rollups.ts";
import { metricsJsonBody } from "../../../../server/routes/metrics-json.ts";
import { appendAndFeed, eventsTable } from "../../../helpers/event-feed.ts";

const utf8d = new TextDecoder();
const value = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }), fc.double(), fc.constantFrom(null, 0, -0, NaN, Infinity, -Infinity, 1e21, Number.MAX_SAFE_INTEGER, 2 ** 60, -7),
);

test("property: the bytes equal JSON.stringify of the same answer, any keys, values and times", () => {
  fc.assert(fc.property(
    fc.array(fc.dictionary(fc.string({ unit: "grapheme", maxLength: 6 }), fc.option(fc.string({ unit: "grapheme", maxLength: 8 }), { nil: null }), { maxKeys: 2 }), { maxLength: 8 }),
    fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 42 }), fc.integer({ min: 1, max: 10 ** 7 }), fc.array(value, { minLength: 1, maxLength: 64 }),
    (keys, points, from, stepMs, values) => {
      const a: RollupSeries = { table: "t", cellsRead: 3, cellsPerPoint: new Int32Array(points), from, stepMs, points, keys, value: (i, p) => values[(i * 7 + p) % values.length]! };
      const head = { metric: "uv", by: ["campaign"], from: "2026-12-04T10:00:00.000Z", step_ms: stepMs };
      const stats = { elapsed_ms: 0.123, cells_read: 3, rows_scanned: 0, source: "rollup_campaign" };
      const expected = JSON.stringify({
        ...head, series: keys.map((key, i) => ({ key, points: Array.from({ length: points }, (_, p) => [from + p * stepMs, a.value(i, p)]) })), stats,
      });
      expect(utf8d.decode(metricsJsonBody(head, a, stats))).toBe(expected);
    }), { seed: 11, numRuns: 300 });
});

test("every metric of real rollups, by zero, one and two dimensions: the same text as the answer queryRollups gives", () => {
  const r = new Rollups({ ...DEFAULT_ROLLUP_CONFIG, dimensions: [...DEFAULT_ROLLUP_CONFIG.dimensions, ["campaign", "country"]] });
  const T0 = Date.UTC(2026, 11, 4, 10), table = eventsTable();
  const types = ["page_view", "click", "impression", "purchase", "add_to_cart"];
  for (let m = 0; m < 30; m++) {
    appendAndFeed(table, Array.from({ length: 40 }, (_, i) => ({
      type: types[(i * 7 + m) % types.length]!, ts: T0 + m * 60_000 + i * 1000, user_id: `u${(i * 13 + m) % 37}`,
      campaign: i % 9 === 0 ? null : `c${i % 4}`, country: ["DE", "日本", "US"][i % 3]!, revenue: i % 5 === 0 ? 9.99 + i : null, cost: i % 3 === 0 ? 0.5 : null,
    })), [r]);
  }
  const bodies: [string, boolean][] = [];
  for (const metric of METRICS) {
    for (const by of [[], ["campaign"], ["campaign", "country"]]) {
      const q = { metric, by, filter: {}, from: T0, to: T0 + 30 * 60_000, stepMs: 5 * 60_000 };
      const answer = queryRollups(r, q);
      const head = { metric, by, step_ms: q.stepMs }, stats = { cells_read: answer.cellsRead };
      const got = utf8d.decode(metricsJsonBody(head, evaluateRollups(r, q), stats));
      bodies.push([`${metric} by ${by.join(",")}`, got === JSON.stringify({ ...head, series: answer.series, stats })]);
    }
  }
  expect(bodies.filter(([, same]) => !same)).toEqual([]);
  expect(bodies.length).toBe(METRICS.length * 3);
});
