// Profiles and recommendations against the real server: a profile reflects an event as soon as it is
// acknowledged and equals SQL over the raw events; an unknown user is a 404 with a clear body;
// batchGet keeps order; tags are durable (a restart and a kill -9 keep them); recommendations rank
// the planted co-viewed items first and exclude purchases.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";
import { Rng } from "../sim/rng.ts";

const dataDir = tempDataDir();
let srv: CaracalProcess;
beforeAll(async () => { srv = await startCaracalProcess({ dataDir }); });
afterAll(async () => { await srv[Symbol.asyncDispose](); });

const get = async (path: string) => { const r = await fetch(`${srv.url}${path}`); return { status: r.status, body: (await r.json()) as any }; };
const sql = async (q: string) => ((await (await fetch(`${srv.url}/v1/sql`, { method: "POST", headers: { "content-type": "text/plain" }, body: q })).json()) as any).rows;

test("a profile reflects acknowledged events at once and equals SQL over them; unknown users are 404", async () => {
  const now = Date.now();
  const evs = [
    { type: "page_view", user_id: "p1", item_id: "a", session_id: "s1", ts: now - 30 * 60_000 },
    { type: "page_view", user_id: "p1", item_id: "b", session_id: "s1", ts: now - 2 * 3_600_000 },
    { type: "purchase", user_id: "p1", item_id: "a", session_id: "s2", revenue: 30, campaign: "bf", ts: now - 3 * 86_400_000 },
    { type: "click", anonymous_id: "anon-9", ts: now - 1000 },
  ];
  expect((await postEvents(srv.url, ndjson(evs))).body.accepted).toBe(4);
  const p = (await get("/v1/users/p1")).body;
  const [[pv24, orders, spend, sessions]] = await sql(`SELECT count(*) FILTER (WHERE type = 'page_view' AND ts >= now() - INTERVAL 24 HOUR), count(*) FILTER (WHERE type = 'purchase'), sum(revenue), count(DISTINCT session_id) FROM events WHERE user_id = 'p1'`);
  expect({ pv24: p.counts.page_view["24h"], orders: p.orders, spend: p.spend, sessions: p.sessions, viewed: p.recent.viewed.map((x: any) => x.item), campaign: p.last_campaign.value })
    .toEqual({ pv24, orders, spend, sessions, viewed: ["a", "b"], campaign: "bf" });
  const missing = await get("/v1/users/nobody");
  expect([missing.status, missing.body.error.code]).toEqual([404, "not_found"]);
  const batch = await fetch(`${srv.url}/v1/users:batchGet`, { method: "POST", body: JSON.stringify({ users: ["nobody", "anon-9", "p1"] }) });
  const profiles = ((await batch.json()) as any).profiles;
  expect(profiles.map((x: any) => x?.user ?? null)).toEqual([null, "anon-9", "p1"]);
});

test("tags are logged: they survive a graceful restart and a kill -9", async () => {
  const put = await fetch(`${srv.url}/v1/users/p1/tags`, { method: "PUT", body: JSON.stringify({ tags: ["vip", "churn-risk"] }) });
  expect([put.status, ((await put.json()) as any).tags]).toEqual([200, ["vip", "churn-risk"]]);
  const bad = await fetch(`${srv.url}/v1/users/p1/tags`, { method: "PUT", body: JSON.stringify({ tags: "vip" }) });
  expect(bad.status).toBe(400);
  await srv.kill9();
  srv = await startCaracalProcess({ dataDir });
  expect((await get("/v1/users/p1")).body.tags).toEqual(["vip", "churn-risk"]);
  expect(await srv.terminate()).toBe(0);
  srv = await startCaracalProcess({ dataDir });
  expect((await get("/v1/users/p1")).body.tags).toEqual(["vip", "churn-risk"]);
});

test("recommendations rank planted co-viewed items first and exclude purchases", async () => {
  const rng = new Rng(5);
  const now = Date.now(), evs: Record<string, unknown>[] = [];
  // Sessions that view x1 always view x2 and x3 too; noise sessions view random popular items.
  for (let s = 0; s < 60; s++) for (const item of ["x1", "x2", "x3"]) evs.push({ type: "page_view", session_id: `ps${s}`, user_id: `v${s}`, item_id: item, ts: now - rng.int(1, 600) * 1000 });
  for (let s = 0; s < 200; s++) for (let k = 0; k < 3; k++) evs.push({ type: "page_view", session_id: `ns${s}`, user_id: `n${s}`, item_id: `pop${rng.int(0, 9)}`, ts: now - rng.int(1, 600) * 1000 });
  evs.push({ type: "page_view", session_id: "me-1", user_id: "me", item_id: "x1", ts: now }, { type: "purchase", session_id: "me-1", user_id: "me", item_id: "x3", ts: now });
  expect((await postEvents(srv.url, ndjson(evs))).body.accepted).toBe(evs.length);
  const ctx = (await get("/v1/recommend?context_item=x1&k=2")).body.items.map((i: any) => i.item).sort();
  const me = (await get("/v1/recommend?user=me&k=3")).body.items;
  const unknown = (await get("/v1/recommend?user=stranger&k=3")).body.items;
  expect({ ctx, meFirst: me[0].item, meReason: me[0].reason, meHasPurchase: me.some((i: any) => i.item === "x3"), unknownReason: unknown[0]?.reason })
    .toEqual({ ctx: ["x2", "x3"], meFirst: "x2", meReason: "co_view", meHasPurchase: false, unknownReason: "trending" });
});
