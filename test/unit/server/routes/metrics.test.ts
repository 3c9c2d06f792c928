// GET /v1/metrics reads its parameters: an API key sent in the query string is not a filter.
import { expect, test } from "bun:test";
import { DEFAULT_ROLLUP_CONFIG } from "../../../../engine/aggregate/rollup-config.ts";
import { Rollups } from "../../../../engine/aggregate/rollups.ts";
import { AnswerCache } from "../../../../server/routes/answer-cache.ts";
import { getMetrics } from "../../../../server/routes/metrics.ts";
import { appendAndFeed, eventsTable } from "../../../helpers/event-feed.ts";

test("api_key in the query is accepted as the key, not refused as an unknown dimension", async () => {
  const r = new Rollups(DEFAULT_ROLLUP_CONFIG), at = Date.UTC(2026, 11, 4, 10);
  appendAndFeed(eventsTable(), [{ type: "page_view", ts: at, user_id: "u1", campaign: "c1" }], [r]);
  const ask = async (q: string) => {
    const res = getMetrics(new Request(`http://h/v1/metrics?metric=events&from=${at}&to=${at + 60_000}&${q}`), { rollups: r, metricsAnswers: new AnswerCache(0) });
    return [res.status, ((await res.json()) as any).series?.[0]?.points?.[0]?.[1] ?? null];
  };
  expect(await ask("api_key=ck_abc")).toEqual([200, 1]);
  expect((await ask("colour=red"))[0]).toBe(400);
});
