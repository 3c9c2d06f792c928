// Rollups, /v1/metrics, rollup_* tables and alerts against the real server: the figures equal the
// same SQL over the raw events, a metrics query reads cells and no raw row, and they come back the
// same after a graceful restart and after kill -9.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";
import { Rng } from "../sim/rng.ts";

let srv: CaracalProcess;
const dataDir = tempDataDir();
const MIN = 60_000;
const now = Date.now();
const from = Math.floor((now - 60 * MIN) / MIN) * MIN, to = Math.ceil((now + MIN) / MIN) * MIN;

beforeAll(async () => {
  srv = await startCaracalProcess({ dataDir });
  const rng = new Rng(77);
  const types = ["page_view", "page_view", "click", "impression", "purchase"];
  const events = Array.from({ length: 3000 }, (_, i) => {
    const type = types[rng.int(0, types.length - 1)]!;
    return {
      event_id: `agg-${i}`, type, ts: now - rng.int(0, 55 * MIN), user_id: rng.bool(0.8) ? `u${rng.int(0, 300)}` : undefined,
      anonymous_id: `a${rng.int(0, 100)}`, campaign: `c${rng.int(0, 4)}`, country: rng.pick(["US", "DE"]),
      revenue: type === "purchase" ? rng.int(100, 9999) / 100 : undefined, cost: type === "click" ? rng.int(1, 99) / 100 : undefined,
    };
  });
  for (let i = 0; i < events.length; i += 500) expect((await postEvents(srv.url, ndjson(events.slice(i, i + 500)))).body.accepted).toBe(500);
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

async function metrics(q: string): Promise<any> {
  const r = await fetch(`${srv.url}/v1/metrics?from=${from}&to=${to}&${q}`);
  expect(r.status).toBe(200);
  return r.json();
}

async function sql(query: string, params: unknown[] = []): Promise<any[][]> {
  const r = await fetch(`${srv.url}/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql: query, params }) });
  const body = (await r.json()) as any;
  if (r.status !== 200) throw new Error(JSON.stringify(body));
  return body.rows;
}

/** Series as {key|bucket: value} for comparison with SQL rows [key, bucket ms, value]. */
const flat = (m: any, dim: string) => Object.fromEntries(m.series.flatMap((s: any) => s.points.filter((p: any) => p[1] !== 0).map((p: any) => [`${s.key[dim]}|${p[0]}`, p[1]])));

test("metrics by campaign per 5 minutes equal SQL over the raw events, without scanning them", async () => {
  const bucket = `epoch_ms(time_bucket(INTERVAL 5 MINUTE, ts, epoch_ms(${from}::BIGINT)))`;
  for (const [metric, expr] of [["pv", "count(*) FILTER (WHERE type IN ('page_view', 'screen_view'))"], ["revenue", "coalesce(sum(revenue), 0)"], ["clicks", "count(*) FILTER (WHERE type = 'click')"], ["events", "count(*)"]] as const) {
    const m = await metrics(`metric=${metric}&by=campaign&step=5m`);
    expect({ scanned: m.stats.rows_scanned, source: m.stats.source, someCells: m.stats.cells_read > 0 }).toEqual({ scanned: 0, source: "rollup_campaign", someCells: true });
    const rows = await sql(`SELECT campaign, ${bucket} AS b, ${expr} AS v FROM events WHERE ts >= epoch_ms(${from}::BIGINT) AND ts < epoch_ms(${to}::BIGINT) GROUP BY ALL`);
    const want = Object.fromEntries(rows.filter((r) => r[2] !== 0).map((r) => [`${r[0]}|${r[1]}`, r[2]]));
    const got = flat(m, "campaign");
    for (const k of Object.keys(want)) got[k] = Math.round(got[k] * 1e6) / 1e6, want[k] = Math.round(want[k] * 1e6) / 1e6;
    expect({ metric, got }).toEqual({ metric, got: want });
  }
});

test("UV per campaign over the hour is within 3 standard errors of count(DISTINCT)", async () => {
  const m = await metrics(`metric=uv&by=campaign&step=${to - from}`);
  const rows = await sql(`SELECT campaign, count(DISTINCT coalesce(user_id, 'anon:' || anonymous_id)) FROM events GROUP BY 1 ORDER BY 1`);
  const sigma = 1.04 / Math.sqrt(2 ** 14);
  const off = rows.filter(([c, n]) => Math.abs(m.series.find((s: any) => s.key.campaign === c).points[0][1] - n) > Math.max(1, 3 * sigma * n));
  expect({ campaigns: m.series.length, off }).toEqual({ campaigns: rows.length, off: [] });
});

test("rollup tables answer SQL; ratios come from sums", async () => {
  const [pv, clicks, imps] = (await sql("SELECT sum(pv), sum(clicks), sum(impressions) FROM rollup_campaign"))[0]!;
  const [pv2, clicks2, imps2] = (await sql("SELECT count(*) FILTER (WHERE type = 'page_view'), count(*) FILTER (WHERE type = 'click'), count(*) FILTER (WHERE type = 'impression') FROM events"))[0]!;
  const ctr = await metrics(`metric=ctr&step=${to - from}`);
  expect({ pv, clicks, imps, ctr: ctr.series[0].points[0][1] }).toEqual({ pv: pv2, clicks: clicks2, imps: imps2, ctr: clicks2 / imps2 });
});

test("a repeated ask reuses the answer; after an event the answer asked for is computed again before the next ask; /metrics counts each", async () => {
  const ask = async () => {
    const r = await fetch(`${srv.url}/v1/metrics?from=${from}&to=${to}&metric=events&step=${to - from}`);
    return { cache: r.headers.get("x-caracal-cache"), body: await r.text() };
  };
  const counter = async (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(await (await fetch(`${srv.url}/metrics`)).text())?.[1]);
  const first = await ask(), again = await ask();
  expect(again).toEqual({ cache: "hit", body: first.body });
  const total = (body: string) => JSON.parse(body).series[0].points[0][1] as number;
  const before = total(again.body), refreshed = await counter("caracal_metrics_answers_refreshed_total");
  expect((await postEvents(srv.url, ndjson([{ event_id: "cache-1", type: "page_view", ts: now - MIN, user_id: "u1", campaign: "c0" }]))).body.accepted).toBe(1);
  // Nobody asks until the rollups have taken the event and an answer was computed again (answers
  // asked by earlier tests are too, but the most recently used goes first): the next ask is a hit
  // with the new count.
  for (const until = Date.now() + 10_000; (await counter("caracal_metrics_answers_refreshed_total")) === refreshed && Date.now() < until; await Bun.sleep(20));
  const seen = await ask();
  expect({ total: total(seen.body), cache: seen.cache }).toEqual({ total: before + 1, cache: "hit" });
  expect(await counter('caracal_metrics_answers_total\\{cache="hit"\\}')).toBeGreaterThanOrEqual(2);
  expect(await counter('caracal_metrics_answers_total\\{cache="miss"\\}')).toBeGreaterThanOrEqual(1);
  expect(await counter("caracal_metrics_answers_refreshed_total")).toBeGreaterThan(refreshed);
});

test("bad metrics requests are 400 with a reason", async () => {
  const bad = async (q: string) => { const r = await fetch(`${srv.url}/v1/metrics?${q}`); return [r.status, ((await r.json()) as any).error.code]; };
  expect(await Promise.all([bad("metric=nope"), bad("metric=pv&by=os"), bad("metric=pv&step=7s"), bad("metric=pv&from=yesterday"), bad("metric=pv&colour=red")]))
    .toEqual(Array.from({ length: 5 }, () => [400, "bad_argument"]) as never);
});

test("an alert rule fires, is logged in _alerts, survives a restart, and can be deleted", async () => {
  const rule = { name: "many_clicks", metric: "clicks", kind: "threshold", op: ">", value: 0, step_seconds: 1, for_seconds: 1, severity: "warning" };
  const made = await fetch(`${srv.url}/v1/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
  expect(made.status).toBe(201);
  const invalid = await fetch(`${srv.url}/v1/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...rule, op: "!=" }) });
  expect([invalid.status, ((await invalid.json()) as any).error.message]).toEqual([400, expect.stringContaining("op")]);
  // Clicks keep arriving "now", so every one-second step has clicks: the rule fires within a few ticks.
  const deadline = Date.now() + 15_000;
  let state = "";
  while (state !== "firing" && Date.now() < deadline) {
    await postEvents(srv.url, ndjson([{ type: "click", ts: Date.now(), user_id: "u1", campaign: "c1" }]));
    state = (((await (await fetch(`${srv.url}/v1/alerts/many_clicks`)).json()) as any).status?.state) ?? "";
    if (state !== "firing") await Bun.sleep(200);
  }
  expect(state).toBe("firing");
  let logged: any[][] = [];
  while (logged.length === 0 && Date.now() < deadline) logged = await sql("SELECT rule, state, severity FROM _alerts WHERE rule = 'many_clicks'");
  expect(logged[0]).toEqual(["many_clicks", "firing", "warning"]);
  expect(await srv.terminate()).toBe(0);
  srv = await startCaracalProcess({ dataDir });
  const after = (await (await fetch(`${srv.url}/v1/alerts/many_clicks`)).json()) as any;
  expect([after.name, after.status.state]).toEqual(["many_clicks", "firing"]);
  expect((await fetch(`${srv.url}/v1/alerts/many_clicks`, { method: "DELETE" })).status).toBe(200);
  expect((await fetch(`${srv.url}/v1/alerts/many_clicks`)).status).toBe(404);
});

test("rollups are the same after a graceful restart and after kill -9", async () => {
  const q = `metric=revenue&by=campaign&step=10m`;
  const before = await metrics(q);
  expect(await srv.terminate()).toBe(0);
  srv = await startCaracalProcess({ dataDir });
  const graceful = await metrics(q);
  await srv.kill9();
  srv = await startCaracalProcess({ dataDir });
  const crashed = await metrics(q);
  expect([graceful.series, crashed.series]).toEqual([before.series, before.series]);
});
