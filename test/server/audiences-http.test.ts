// Audiences against the real server: a rule ("purchased in the last 7 days AND clicked campaign X AND
// NOT refunded") equals the same set computed over the raw events in SQL; set algebra counts; an
// export streams every member; definitions are logged (they survive kill -9); profiles list them.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";
import { Rng } from "../sim/rng.ts";

const dataDir = tempDataDir();
let srv: CaracalProcess;
const DAY = 86_400_000;
beforeAll(async () => {
  srv = await startCaracalProcess({ dataDir });
  const rng = new Rng(31), now = Date.now(), evs: Record<string, unknown>[] = [];
  for (let i = 0; i < 3000; i++) {
    evs.push({ type: rng.pick(["page_view", "click", "purchase", "refund", "click"]), user_id: `a${rng.int(0, 400)}`, campaign: rng.pick(["X", "Y"]), ts: now - rng.int(0, 20) * DAY - rng.int(0, DAY - 1) });
  }
  for (let i = 0; i < evs.length; i += 1000) expect((await postEvents(srv.url, ndjson(evs.slice(i, i + 1000)))).body.accepted).toBe(1000);
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

const sql = async (q: string) => ((await (await fetch(`${srv.url}/v1/sql`, { method: "POST", headers: { "content-type": "text/plain" }, body: q })).json()) as any).rows;
const rule = { name: "recent_buyers_x", rule: { and: [{ event: "purchase", within_days: 7 }, { event: "click", campaign: "X" }, { not: { event: "refund" } }] } };

test("an audience equals the same set over the raw events; export and set algebra agree", async () => {
  const made = await fetch(`${srv.url}/v1/audiences`, { method: "POST", body: JSON.stringify(rule) });
  expect(made.status).toBe(201);
  // "Last 7 days" = the current UTC day (of the newest event) and the 6 before it.
  const want = (await sql(`WITH d AS (SELECT date_trunc('day', max(ts)) AS today FROM events)
    SELECT user_id FROM events, d GROUP BY user_id, today
    HAVING count(*) FILTER (WHERE type = 'purchase' AND ts >= today - INTERVAL 6 DAY) > 0
       AND count(*) FILTER (WHERE type = 'click' AND campaign = 'X') > 0
       AND count(*) FILTER (WHERE type = 'refund') = 0 ORDER BY 1`)).map((r: string[]) => r[0]);
  const view = (await (await fetch(`${srv.url}/v1/audiences/recent_buyers_x?sample=5`)).json()) as any;
  const exported = (await (await fetch(`${srv.url}/v1/audiences/recent_buyers_x?export=ndjson`)).text()).split("\n").filter((l) => l).map((l) => JSON.parse(l).user).sort();
  const q = (await (await fetch(`${srv.url}/v1/audiences:query`, { method: "POST", body: JSON.stringify({ expr: { and_not: ["type:click", "recent_buyers_x"] } }) })).json()) as any;
  const [[clickers]] = await sql("SELECT count(DISTINCT user_id) FROM events WHERE type = 'click'");
  expect({ size: view.size, exported, andNot: q.count }).toEqual({ size: want.length, exported: want, andNot: clickers - want.length });
  const p = (await (await fetch(`${srv.url}/v1/users/${want[0]}`)).json()) as any;
  expect(p.audiences).toEqual(["recent_buyers_x"]);
});

test("definitions are logged: an audience survives kill -9; bad rules are 400", async () => {
  const bad = await fetch(`${srv.url}/v1/audiences`, { method: "POST", body: JSON.stringify({ name: "x", rule: { and: [] } }) });
  expect(bad.status).toBe(400);
  const size = ((await (await fetch(`${srv.url}/v1/audiences/recent_buyers_x`)).json()) as any).size;
  await srv.kill9();
  srv = await startCaracalProcess({ dataDir });
  expect(((await (await fetch(`${srv.url}/v1/audiences/recent_buyers_x`)).json()) as any).size).toBe(size);
  expect((await fetch(`${srv.url}/v1/audiences/recent_buyers_x`, { method: "DELETE" })).status).toBe(200);
  expect((await fetch(`${srv.url}/v1/audiences/recent_buyers_x`)).status).toBe(404);
});
