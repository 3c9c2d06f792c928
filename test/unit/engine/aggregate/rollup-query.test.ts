// An answer's values do not depend on when they are read: a sweep that renumbers cells after the
// query must not change them.
import { expect, test } from "bun:test";
import { DEFAULT_ROLLUP_CONFIG } from "../../../../engine/aggregate/rollup-config.ts";
import { evaluateRollups } from "../../../../engine/aggregate/rollup-query.ts";
import { Rollups } from "../../../../engine/aggregate/rollups.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../../../helpers/event-feed.ts";

const MIN = 60_000, HOUR = 3_600_000;

test("UV values read after a sweep renumbered the cells are the ones the query computed", () => {
  const r = new Rollups({ ...DEFAULT_ROLLUP_CONFIG, fineRetentionMs: HOUR });
  const t = eventsTable(), start = Date.UTC(2026, 11, 4, 10);
  const events: PlainEvent[] = [];
  // Campaign c<k> has 10 * (k + 1) users in minute k of the first hour.
  for (let k = 0; k < 5; k++) for (let u = 0; u < 10 * (k + 1); u++) events.push({ type: "page_view", ts: start + k * MIN, user_id: `u${k}-${u}`, campaign: `c${k}` });
  appendAndFeed(t, events, [r]);
  const a = evaluateRollups(r, { metric: "uv", by: ["campaign"], filter: {}, from: start, to: start + 10 * MIN, stepMs: MIN });
  const read = () => a.keys.map((_, i) => Array.from({ length: a.points }, (_, p) => a.value(i, p)));
  const before = read();
  // Two hours later: the horizon passes the first hour, whose minute cells merge into hour cells.
  appendAndFeed(t, [{ type: "page_view", ts: start + 2 * HOUR + MIN, user_id: "late-comer", campaign: "c9" }], [r]);
  expect(r.sets[1]!.fine.count).toBe(1);
  expect(read()).toEqual(before);
  expect(before.map((s) => s.reduce((x, y) => x! + y!, 0))).toEqual([10, 20, 30, 40, 50]);
});
