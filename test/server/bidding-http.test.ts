// Bidding against the real server: OpenRTB answers (ids echoed, impid matches, price >= floor,
// currency allowed, checked with the response validator), 204 and 400 cases, gzip bodies, oversize
// refused before parsing, decisions and notices recorded as events; then the model loop: seeded
// requests with a planted click signal, wins and clicks through the notice URLs, compaction to
// Parquet, `caracal train`, and the running server hot-swapping the trained models.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkBidResponse } from "../../engine/serving/openrtb-validate.ts";
import { startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";
import { Rng } from "../sim/rng.ts";

const MAIN = join(import.meta.dir, "../../server/main.ts");
const fixture = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/openrtb/banner-site.json"), "utf8"));
const dataDir = tempDataDir();
let srv: CaracalProcess;

beforeAll(async () => {
  const conf = join(tempDataDir("caracal-conf-"), "bid.json");
  writeFileSync(conf, JSON.stringify({
    storage: { segment_rows: 256, compaction_min_rows: 256, compaction_interval_ms: 200 },
    // A generous internal deadline: CI machines are shared, and a no-bid on time is not what is tested here.
    bidding: {
      deadline_ms: 200, value_per_conversion: 20, max_cpm: 10,
      creatives: [{ id: "c1", campaign: "demo", media: "banner", adomain: ["example.com"], landing_url: "https://example.com/", markup: '<a href="{CLICK_URL}"><img src="https://example.com/b.png"></a>' }],
    },
  }));
  srv = await startCaracalProcess({ dataDir, args: ["--config", conf] });
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

const bid = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}/v1/bid`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body) });
const sql = async (q: string) => ((await (await fetch(`${srv.url}/v1/sql?q=${encodeURIComponent(q)}`)).json()) as any).rows;

test("a valid request gets a valid BidResponse; gzip works; malformed is 400 with no body; oversize is refused", async () => {
  const r = await bid(fixture);
  const body = (await r.json()) as any;
  const problems = checkBidResponse(fixture, body, { currencies: ["USD"], fx: new Map([["USD", 1]]) });
  expect({ status: r.status, problems, id: body.id, impid: body.seatbid[0].bid[0].impid, cur: body.cur }).toEqual({ status: 200, problems: [], id: fixture.id, impid: "1", cur: "USD" });
  const gz = await bid(Bun.gzipSync(new TextEncoder().encode(JSON.stringify({ ...fixture, id: "gz-1" }))), { "content-encoding": "gzip" });
  expect([gz.status, ((await gz.json()) as any).id]).toEqual([200, "gz-1"]);
  const bad = await bid("{not json");
  const noImp = await bid({ id: "x", imp: [] });
  expect([bad.status, await bad.text(), noImp.status, await noImp.text()]).toEqual([400, "", 400, ""]);
  const huge = await bid("x".repeat(200 * 1024));
  expect(huge.status).toBe(413);
});

test("no bid is 204 with an empty body: a floor above anything we pay, an unknown currency", async () => {
  const high = await bid({ ...fixture, id: "hi", imp: [{ ...fixture.imp[0], bidfloor: 500 }] });
  const cur = await bid({ ...fixture, id: "cur", cur: ["JPY"] });
  expect([high.status, await high.text(), cur.status]).toEqual([204, "", 204]);
});

test("decisions are events: bids with their price and features, no-bids with a reason", async () => {
  let rows: any[] = [];
  for (const deadline = Date.now() + 5000; rows.length === 0 && Date.now() < deadline; await Bun.sleep(50)) {
    rows = await sql("SELECT type, count(*) FROM events WHERE type IN ('bid', 'no_bid') GROUP BY 1 ORDER BY 1");
  }
  const [[reason]] = await sql("SELECT json_extract_string(props, '$.reason') FROM events WHERE type = 'no_bid' AND json_extract_string(props, '$.auction_id') = 'hi'");
  const [[f]] = await sql("SELECT json_extract_string(props, '$.f') IS NOT NULL FROM events WHERE type = 'bid' LIMIT 1");
  expect({ rows, reason, features: f }).toEqual({ rows: [["bid", 2], ["no_bid", 2]], reason: "below_floor", features: true });
});

test("the model loop: planted click signal -> notices -> Parquet -> caracal train -> hot swap", async () => {
  const rng = new Rng(99);
  const clicksByDevice: Record<number, number> = { 4: 0.3, 2: 0.02 };
  let clicks = 0, wins = 0;
  for (let i = 0; i < 1200; i++) {
    const devicetype = rng.bool(0.5) ? 4 : 2;
    const req = { ...fixture, id: `train-${i}`, device: { ...fixture.device, devicetype }, user: { buyeruid: `bu-${rng.int(0, 300)}` } };
    const r = await bid(req);
    if (r.status !== 200) continue;
    const b = ((await r.json()) as any).seatbid[0].bid[0];
    const nurl = (b.nurl as string).replace("${AUCTION_ID}", req.id).replace("${AUCTION_IMP_ID}", "1").replace("${AUCTION_PRICE}", String(b.price * 0.8)).replace("${AUCTION_CURRENCY}", "USD");
    expect((await fetch(nurl)).status).toBe(204);
    wins++;
    if (rng.bool(clicksByDevice[devicetype]!)) {
      const href = /href="([^"]+)"/.exec(b.adm)![1]!.replaceAll("&amp;", "&").replace("${AUCTION_ID}", req.id).replace("${AUCTION_IMP_ID}", "1");
      const c = await fetch(href, { redirect: "manual" });
      expect([c.status, c.headers.get("location")]).toEqual([302, "https://example.com/"]);
      clicks++;
    }
  }
  // Everything compacted (but a partial last segment) before training reads the Parquet history.
  const total = () => sql("SELECT count(*) FROM events").then((r: any[]) => Number(r[0][0]));
  const n = await total();
  const manifest = join(dataDir, "parquet", "_manifest.json");
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await Bun.sleep(200)) {
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).tables.events?.compactedRows >= n - 256) break;
  }
  const p = Bun.spawnSync([process.execPath, MAIN, "train", "--data", dataDir, "--server", srv.url, "--days", "1"], { stdout: "pipe", stderr: "pipe" });
  const out = p.stdout.toString() + p.stderr.toString();
  const auc = Number(/ctr: .*AUC ([\d.]+)/.exec(out)?.[1]);
  if (p.exitCode !== 0) console.log(out);
  const models = ((await (await fetch(`${srv.url}/v1/models`)).json()) as any).models;
  const ctr = models.find((m: any) => m.name === "ctr");
  // Device is the only signal: the best holdout AUC it allows is about 0.76, and ~240 holdout rows
  // (bid ids, random per run, decide the split) put a standard error of ~0.04 on it; 0.7 failed
  // about one run in twenty. 0.6 is still well above a model that learned nothing (0.5).
  expect({ exit: p.exitCode, wins: wins > 1000, clicks: clicks > 50, aucOk: auc > 0.6, swapped: ctr.version !== "prior", file: existsSync(join(dataDir, "models", "ctr.json")) })
    .toEqual({ exit: 0, wins: true, clicks: true, aucOk: true, swapped: true, file: true });
  // The new model prices phones above desktops.
  const price = async (devicetype: number) => ((await (await bid({ ...fixture, id: `after-${devicetype}`, device: { ...fixture.device, devicetype } })).json()) as any).seatbid?.[0]?.bid?.[0]?.price ?? 0;
  expect((await price(4)) > (await price(2))).toBe(true);
}, 120_000);
