// The dashboard's data channel against the real server: the snapshot's panels equal SQL over the raw
// events, the WebSocket sends a frame at once and pushes a change within 2 s of an ingested event,
// views filtered by campaign, and bad views are refused.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ndjson, postEvents, startCaracalProcess, type CaracalProcess } from "../helpers/caracal-process.ts";

let srv: CaracalProcess;
const now = Date.now();
beforeAll(async () => {
  srv = await startCaracalProcess();
  const events = Array.from({ length: 400 }, (_, i) => ({
    event_id: `d${i}`, ts: now - (i % 50) * 60_000, type: ["page_view", "click", "purchase", "impression"][i % 4],
    user_id: `u${i % 37}`, campaign: `c${i % 3}`, country: ["US", "DE", "JP"][i % 3], device: i % 2 ? "mobile" : "desktop",
    item_id: `item${i % 7}`, revenue: i % 4 === 2 ? 10 + (i % 5) : undefined, cost: i % 4 === 1 ? 0.5 : undefined,
  }));
  expect((await postEvents(srv.url, ndjson(events))).body.accepted).toBe(400);
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

async function sql(q: string): Promise<any[][]> {
  return ((await (await fetch(`${srv.url}/v1/sql`, { method: "POST", headers: { "content-type": "text/plain" }, body: q })).json()) as any).rows;
}

test("the snapshot's panels equal SQL over the same events", async () => {
  const snap = (await (await fetch(`${srv.url}/v1/dashboard?minutes=60`)).json()) as any;
  const from = snap.range.from, to = snap.range.to;
  const where = `ts >= epoch_ms(${from}::BIGINT) AND ts < epoch_ms(${to}::BIGINT)`;
  const pvTotal = snap.traffic.points.reduce((s: number, p: number[]) => s + p[1]!, 0);
  const revTotal = snap.conversions.points.reduce((s: number, p: number[]) => s + p[2]!, 0);
  const [[pv, rev]] = await sql(`SELECT count(*) FILTER (WHERE type = 'page_view'), sum(revenue) FROM events WHERE ${where}`) as [[number, number]];
  const byCountry = Object.fromEntries(await sql(`SELECT country, count(*) FROM events WHERE ${where} GROUP BY 1`));
  const topItem = (await sql(`SELECT item_id, count(*) FILTER (WHERE type = 'page_view') AS v FROM events WHERE ${where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`))[0]!;
  expect({
    pvTotal, revTotal, countries: Object.fromEntries(snap.countries.map((c: any) => [c.country, c.events])),
    topItem: [snap.top_items[0].item_id, snap.top_items[0].views], campaigns: snap.campaigns.length, units: snap.traffic.unit,
  }).toEqual({ pvTotal: pv, revTotal: rev, countries: byCountry, topItem, campaigns: 3, units: "per minute" });
});

test("a campaign view filters every panel", async () => {
  const snap = (await (await fetch(`${srv.url}/v1/dashboard?minutes=60&campaign=c1`)).json()) as any;
  const [[n]] = await sql(`SELECT count(*) FROM events WHERE campaign = 'c1' AND type = 'page_view'`) as [[number]];
  const devices = Object.fromEntries(await sql(`SELECT device, count(*) FROM events WHERE campaign = 'c1' GROUP BY 1`));
  expect({
    pv: snap.traffic.points.reduce((s: number, p: number[]) => s + p[1]!, 0), campaigns: snap.campaigns.map((c: any) => c.campaign),
    devices: Object.fromEntries(snap.devices.map((d: any) => [d.device, d.events])),
  }).toEqual({ pv: n, campaigns: ["c1"], devices });
});

test("the WebSocket sends a frame at once and pushes a new event within 2 s", async () => {
  const ws = new WebSocket(`${srv.url.replace("http", "ws")}/v1/dashboard/ws?minutes=10`);
  const frames: any[] = [];
  let wake = () => {};
  ws.onmessage = (m) => { frames.push(JSON.parse(String(m.data))); wake(); };
  const next = (pred: (f: any) => boolean, ms: number) => new Promise<any>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no matching frame within ${ms} ms`)), ms);
    const check = () => { const f = frames.find(pred); if (f) { clearTimeout(t); resolve(f); } };
    wake = check;
    check();
  });
  const first = await next(() => true, 3000);
  const pvOf = (f: any) => f.traffic.points.reduce((s: number, p: number[]) => s + p[1]!, 0);
  const before = pvOf(first);
  const t0 = performance.now();
  await postEvents(srv.url, ndjson([{ type: "page_view", ts: Date.now(), user_id: "live" }]));
  const changed = await next((f) => pvOf(f) === before + 1, 2500);
  expect({ changed: pvOf(changed), within2s: performance.now() - t0 < 2000 }).toEqual({ changed: before + 1, within2s: true });
  ws.send(JSON.stringify({ minutes: 0 }));
  const err = await next((f) => f.error !== undefined, 2000);
  expect(err.error.code).toBe("bad_argument");
  ws.close();
});

test("bad views are 400", async () => {
  const r = await fetch(`${srv.url}/v1/dashboard?minutes=99999`);
  expect([r.status, ((await r.json()) as any).error.code]).toEqual([400, "bad_argument"]);
});
