// Funnels and journeys against the real server: the default purchase funnel counts steps like a
// brute force over the posted events; a funnel defined over the API is logged (it survives kill -9);
// the cart-abandonment journey emits a derived event into the event stream exactly once, also
// across a restart; the dashboard shows the funnel.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";

const dataDir = tempDataDir();
let srv: CaracalProcess;
beforeAll(async () => { srv = await startCaracalProcess({ dataDir }); });
afterAll(async () => { await srv[Symbol.asyncDispose](); });

const MIN = 60_000;
const sql = async (q: string) => ((await (await fetch(`${srv.url}/v1/sql`, { method: "POST", headers: { "content-type": "text/plain" }, body: q })).json()) as any).rows;

test("the default funnel counts entrants per step; a defined funnel survives kill -9", async () => {
  const t = Date.now() - 3 * 3_600_000;
  const evs: Record<string, unknown>[] = [];
  // u0..u9 view; u0..u5 cart; u0..u2 buy; u6 carts without viewing (not an entrant of step 2).
  for (let u = 0; u < 10; u++) evs.push({ type: "page_view", user_id: `f${u}`, ts: t + u * 1000 });
  for (let u = 0; u < 6; u++) evs.push({ type: "add_to_cart", user_id: `f${u}`, item_id: "sku", ts: t + MIN + u * 1000 });
  for (let u = 0; u < 3; u++) evs.push({ type: "purchase", user_id: `f${u}`, ts: t + 2 * MIN + u * 1000 });
  evs.push({ type: "add_to_cart", user_id: "g1", ts: t + MIN });
  expect((await postEvents(srv.url, ndjson(evs))).body.accepted).toBe(evs.length);
  const r = (await (await fetch(`${srv.url}/v1/funnels/purchase`)).json()) as any;
  expect(r.steps.map((s: any) => [s.name, s.entrants])).toEqual([["view", 10], ["cart", 6], ["purchase", 3]]);
  const defined = await fetch(`${srv.url}/v1/funnels`, { method: "POST", body: JSON.stringify({ kind: "funnel", name: "view_to_buy", window_ms: 86_400_000, steps: [{ name: "v", where: { type: "page_view" } }, { name: "b", where: { type: "purchase" } }] }) });
  const bad = await fetch(`${srv.url}/v1/funnels`, { method: "POST", body: JSON.stringify({ kind: "funnel", name: "x", steps: [] }) });
  expect([defined.status, bad.status]).toEqual([201, 400]);
  await srv.kill9();
  srv = await startCaracalProcess({ dataDir });
  const after = (await (await fetch(`${srv.url}/v1/funnels/view_to_buy`)).json()) as any;
  expect(after.steps.map((s: any) => s.name)).toEqual(["v", "b"]);
  const dash = (await (await fetch(`${srv.url}/v1/dashboard`)).json()) as any;
  expect(dash.funnel.steps.map((s: any) => s.users)).toEqual([10, 6, 3]);
});

test("cart abandonment is emitted once into the event stream, also after a restart", async () => {
  const t = Date.now() - 2 * 3_600_000;
  await postEvents(srv.url, ndjson([
    { type: "page_view", user_id: "ab1", ts: t }, { type: "add_to_cart", user_id: "ab1", item_id: "shoe", campaign: "bf", ts: t + 1000 },
    { type: "page_view", user_id: "ab2", ts: t }, { type: "add_to_cart", user_id: "ab2", ts: t + 1000 }, { type: "purchase", user_id: "ab2", ts: t + 60_000 },
    // A later event moves the watermark past the 30-minute absence window.
    { type: "page_view", user_id: "later", ts: Date.now() },
  ]));
  const rows = async () => sql("SELECT user_id, item_id, campaign FROM events WHERE type = 'cart_abandonment' AND user_id IN ('ab1', 'ab2')");
  let got: any[] = [];
  for (const deadline = Date.now() + 5000; got.length === 0 && Date.now() < deadline; await Bun.sleep(50)) got = await rows();
  expect(got).toEqual([["ab1", "shoe", "bf"]]);
  expect(await srv.terminate()).toBe(0);
  srv = await startCaracalProcess({ dataDir });
  await Bun.sleep(300);
  expect(await rows()).toEqual([["ab1", "shoe", "bf"]]);
});

test("a journey event emitted just before SIGTERM is logged before the process exits, once", async () => {
  // Its own data directory: the shared server's journey watermark is already at "now", which would
  // make these events late (ignored by the journey).
  const dir = tempDataDir();
  let own = await startCaracalProcess({ dataDir: dir });
  try {
    const t = Date.now() - 2 * 3_600_000;
    // Acknowledged means the journey has seen the batch and emitted; its event is still in the
    // recorder's buffer (logged every 20 ms) when the SIGTERM arrives right after the answer.
    await postEvents(own.url, ndjson([
      { type: "page_view", user_id: "st1", ts: t }, { type: "add_to_cart", user_id: "st1", item_id: "hat", ts: t + 1000 },
      { type: "page_view", user_id: "later-st", ts: Date.now() },
    ]));
    expect(await own.terminate()).toBe(0);
    own = await startCaracalProcess({ dataDir: dir });
    const rows = async () => ((await (await fetch(`${own.url}/v1/sql`, { method: "POST", headers: { "content-type": "text/plain" }, body: "SELECT user_id, item_id FROM events WHERE type = 'cart_abandonment'" })).json()) as any).rows;
    // In the log before the exit: there at once after the restart, and nothing replays it again.
    expect(await rows()).toEqual([["st1", "hat"]]);
    await Bun.sleep(300);
    expect(await rows()).toEqual([["st1", "hat"]]);
  } finally {
    await own[Symbol.asyncDispose]();
  }
});

test("a journey's webhook gets each derived event once: retried on 503, not again after kill -9 and replay; GET hides its headers", async () => {
  const received: { id: string | null; auth: string | null; body: any }[] = [];
  let refusals = 1;
  using hook = Bun.serve({
    port: 0, hostname: "127.0.0.1",
    async fetch(req) {
      const body = await req.json();
      if (refusals-- > 0) return new Response("busy", { status: 503 });
      received.push({ id: req.headers.get("x-caracal-delivery"), auth: req.headers.get("authorization"), body });
      return new Response("ok");
    },
  });
  const def = {
    kind: "journey", name: "browse_abandon", window_ms: 3_600_000, steps: [{ name: "view", where: { type: "view_item" } }],
    then: { absent: { type: ["add_to_cart", "purchase"] }, within_ms: 600_000 }, emit: { type: "browse_abandonment", copy: ["item_id"] },
    webhook: { url: `http://127.0.0.1:${hook.port}/hook`, headers: { authorization: "Bearer s3cret" } },
  };
  expect((await fetch(`${srv.url}/v1/funnels`, { method: "POST", body: JSON.stringify(def) })).status).toBe(201);
  const listed = ((await (await fetch(`${srv.url}/v1/funnels`)).json()) as any).funnels ?? [];
  const shown = JSON.stringify(listed);
  expect(shown).toContain("browse_abandon");
  expect(shown).not.toContain("s3cret");
  // After the events of the tests before (now): later ones, or they would be late and not matched.
  const t = Date.now() + 1000;
  await postEvents(srv.url, ndjson([
    { type: "view_item", user_id: "wh1", item_id: "lamp", ts: t },
    { type: "view_item", user_id: "wh2", item_id: "desk", ts: t }, { type: "add_to_cart", user_id: "wh2", item_id: "desk", ts: t + 1000 },
    // Moves the watermark past the 10-minute absence window.
    { type: "page_view", user_id: "later2", ts: t + 700_000 },
  ]));
  for (const deadline = Date.now() + 10_000; received.length === 0 && Date.now() < deadline; await Bun.sleep(50));
  expect(received.map((r) => [r.auth, r.body.journey, r.body.type, r.body.event.user_id, r.body.event.item_id])).toEqual([["Bearer s3cret", "browse_abandon", "browse_abandonment", "wh1", "lamp"]]);
  expect(received[0]!.id).toBe(`${received[0]!.body.event.event_id}/emitted`);
  await srv.kill9();
  srv = await startCaracalProcess({ dataDir });
  await Bun.sleep(1000);
  expect(received.length).toBe(1);
  const stored = await sql("SELECT count(*) FROM events WHERE type = 'browse_abandonment'");
  expect(stored).toEqual([[1]]);
}, 30_000);
