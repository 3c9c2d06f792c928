import { expect, test } from "bun:test";
import fc from "fast-check";
import { computeFeatures, featureSpace, FeatureVector } from "../../../../engine/serving/bid-features.ts";
import { decodeFeatures, encodeFeatures } from "../../../../engine/serving/feature-log.ts";
import { createNormalizedRequest, normalizeBidRequest } from "../../../../engine/serving/openrtb-request.ts";
import { checkBidResponse } from "../../../../engine/serving/openrtb-validate.ts";
import { PacingController } from "../../../../engine/serving/pacing.ts";
import { fixture, harness, testConfig, type Harness } from "./serving-fixtures.ts";

const seed = Number(process.env.SEED ?? 20261204);
console.log(`bid-scorer seed=${seed}`);
const NOW = Date.UTC(2026, 11, 4, 15, 30);

function run(h: Harness, body: unknown) {
  const r = h.scorer.score(body, NOW);
  const response = r.body === null ? null : JSON.parse(r.body);
  const violations = response === null ? [] : checkBidResponse(body, response, { currencies: h.env.config.currencies, fx: h.env.config.fx });
  const batch = h.batches.at(-1);
  return { status: r.status, malformed: r.malformed, response, violations, batch };
}

/** status, violations, and per imp [reason, price] as the decisions say. */
function summary(h: Harness, body: unknown) {
  const before = h.batches.length;
  const r = run(h, body);
  const decisions = h.batches.length > before ? r.batch!.decisions.map((d) => [d.impId, d.reason, d.price]) : null;
  const bids = r.response === null ? [] : r.response.seatbid.flatMap((s: any) => s.bid.map((b: any) => [b.impid, b.price, b.crid, b.dealid ?? null]));
  return { status: r.status as number, violations: r.violations, decisions, bids, cur: r.response?.cur ?? null };
}

test("the fixtures: prices, creatives and currencies, every response valid", () => {
  const h = harness();
  const got = Object.fromEntries(["banner-site.json", "banner-site-ortb25-ext.json", "banner-app-mobile.json", "video-app.json", "native-site.json",
    "native-request-as-object.json", "no-user-id-pmp.json", "coercible-types.json", "bidfloor-above-any-bid.json", "tmax-too-small.json"]
    .map((name) => [name, summary(h, fixture(name))]));
  // Constant models: pCTR 0.002 x pCVR 0.03 x 40 = 2.40 CPM; first price bids 0.7 x 2.40 = 1.68.
  expect(got).toEqual({
    "banner-site.json": { status: 200, violations: [], decisions: [["1", null, 1.68]], bids: [["1", 1.68, "cr-728", null]], cur: "USD" },
    "banner-site-ortb25-ext.json": { status: 200, violations: [], decisions: [["1", null, 1.68]], bids: [["1", 1.68, "cr-728", null]], cur: "USD" },
    "banner-app-mobile.json": { status: 200, violations: [], decisions: [["1", null, 2.4]], bids: [["1", 2.4, "cr-320", null]], cur: "USD" },
    "video-app.json": { status: 204, violations: [], decisions: [["1", "below_floor", 0]], bids: [], cur: null },
    "native-site.json": { status: 200, violations: [], decisions: [["1", null, 1.68]], bids: [["1", 1.68, "cr-native", null]], cur: "USD" },
    "native-request-as-object.json": { status: 200, violations: [], decisions: [["1", null, 1.68]], bids: [["1", 1.68, "cr-native", null]], cur: "USD" },
    // DX-1234 admits another seat only; DX-5678 is a fixed-price (at=3) deal at 1.25 EUR = 1.3889 USD (rounded up)
    "no-user-id-pmp.json": { status: 200, violations: [], decisions: [["1", null, 1.3889]], bids: [["1", 1.3889, "cr-300", "DX-5678"]], cur: "USD" },
    "coercible-types.json": { status: 200, violations: [], decisions: [["1", null, 1.68]], bids: [["1", 1.68, "cr-300", null]], cur: "USD" },
    "bidfloor-above-any-bid.json": { status: 204, violations: [], decisions: [["1", "below_floor", 0], ["2", "below_floor", 0]], bids: [], cur: null },
    "tmax-too-small.json": { status: 204, violations: [], decisions: [["1", "tmax", 0]], bids: [], cur: null },
  });
});

test("the whole BidResponse of banner-site.json", () => {
  const h = harness();
  const body = fixture("banner-site.json");
  const { response } = run(h, body);
  const base = "https://bid.caracal.example/v1/notify";
  const click = `${base}/click?bid=test00-0&auction=\${AUCTION_ID}&imp=\${AUCTION_IMP_ID}&campaign=winter_sale&creative=cr-728`;
  expect(response).toEqual({
    id: "80ce30c53c16e6ede735f123ef6e32361bfc7b22",
    seatbid: [{
      seat: "caracal-seat",
      bid: [{
        id: "test00-0", impid: "1", price: 1.68,
        adm: `<a href="${click.replaceAll("&", "&amp;")}" target="_blank"><img src="https://cdn.caracal.example/728x90.png" width="728" height="90"></a>`,
        nurl: `${base}/win?bid=test00-0&auction=\${AUCTION_ID}&imp=\${AUCTION_IMP_ID}&price=\${AUCTION_PRICE}&cur=\${AUCTION_CURRENCY}&bp=1.68&bc=USD&campaign=winter_sale&creative=cr-728`,
        adomain: ["shop.caracal.example"], crid: "cr-728", cid: "winter_sale", cat: ["IAB22"], mtype: 1, w: 728, h: 90,
      }],
    }],
    cur: "USD",
  });
});

test("the decision carries the features scored, exactly as the feature function computes them", () => {
  const h = harness();
  const body = fixture("banner-site.json");
  const { batch } = run(h, body);
  const d = batch!.decisions[0]!;
  const req = createNormalizedRequest();
  normalizeBidRequest(body, req, { ourEidSources: ["caracal.example"] });
  const v = new FeatureVector(h.env.space.dimension), back = new FeatureVector(h.env.space.dimension);
  computeFeatures(h.env.space, req, req.imps[0]!, null, NOW, v);
  expect(decodeFeatures(d.features!, back)).toBe(true);
  const r9 = (x: number) => Math.round(x * 1e9) / 1e9;
  expect({ ...d, features: encodeFeatures(back), creative: d.creative!.id, value: r9(d.value), pctr: r9(d.pctr), pcvr: r9(d.pcvr) }).toEqual({
    impId: "1", reason: null, bidId: "test00-0", price: 1.68, value: 2.4, floor: 0.5, shaded: true, at: 1, dealId: null, creative: "cr-728",
    pctr: 0.002, pcvr: 0.03, features: encodeFeatures(v),
  });
  expect({ count: batch!.count, currency: batch!.currency, pacing: batch!.pacing, status: batch!.status, fingerprint: batch!.fingerprint,
    ctr: batch!.ctrModel, cvr: batch!.cvrModel })
    .toEqual({ count: 1, currency: "USD", pacing: 1, status: 200, fingerprint: h.env.space.fingerprint, ctr: "ctr@1", cvr: "cvr@1" });
});

test("malformed requests are 400 with no body and no decisions", () => {
  const h = harness();
  const results = ["bad-missing-imp.json", "bad-site-and-app.json", "bad-null-body.json", "bad-bidfloor-text.json"].map((n) => {
    const r = h.scorer.score(fixture(n), NOW);
    return [r.status, r.body, r.malformed];
  });
  expect({ results, batches: h.batches.length }).toEqual({
    results: [[400, null, "imp_missing"], [400, null, "site_and_app"], [400, null, "not_object"], [400, null, "bidfloor_invalid"]], batches: 0,
  });
});

test("no bid (204) for blocked categories, advertisers, apps; a currency we do not bid in; seats; private auctions", () => {
  const h = harness();
  const site = () => fixture("banner-site.json") as any;
  const cases: Record<string, unknown> = {};
  const add = (name: string, edit: (b: any) => void, base = site) => { const b = base(); edit(b); cases[name] = b; };
  add("bcat", (b) => b.bcat.push("IAB22"));
  add("badv exact", (b) => b.badv.push("shop.caracal.example"));
  add("badv parent domain", (b) => b.badv.push("CARACAL.example"));
  add("badv lookalike", (b) => b.badv.push("ar.caracal.example.com"));
  add("bapp", (b) => b.bapp.push("com.caracal.shop"), () => fixture("banner-app-mobile.json"));
  add("cur JPY only", (b) => { b.cur = ["JPY"]; });
  add("cur EUR first", (b) => { b.cur = ["EUR", "USD"]; });
  add("wseat other", (b) => { b.wseat = ["someone-else"]; });
  add("wseat ours", (b) => { b.wseat = ["someone-else", "caracal-seat"]; });
  add("bseat ours", (b) => { b.bseat = ["caracal-seat"]; });
  add("private auction, no deal of ours", (b) => { b.imp[0].pmp = { private_auction: 1, deals: [{ id: "NOT-OURS", bidfloor: 1 }] }; });
  add("no size we have", (b) => { b.imp[0].banner.format = [{ w: 160, h: 600 }]; });
  add("audio only", (b) => { delete b.imp[0].banner; b.imp[0].audio = { mimes: ["audio/mp4"] }; });
  const got = Object.fromEntries(Object.entries(cases).map(([k, b]) => [k, summary(h, b)]));
  const noBid = (reason: string) => ({ status: 204, violations: [], decisions: [["1", reason, 0]], bids: [], cur: null });
  expect(got).toEqual({
    "bcat": noBid("blocked"), "badv exact": noBid("blocked"), "badv parent domain": noBid("blocked"),
    "badv lookalike": { status: 200, violations: [], decisions: [["1", null, 1.68]], bids: [["1", 1.68, "cr-728", null]], cur: "USD" },
    "bapp": noBid("blocked"), "cur JPY only": noBid("currency"),
    // 2.40 USD = 2.16 EUR, shaded 1.512
    "cur EUR first": { status: 200, violations: [], decisions: [["1", null, 1.512]], bids: [["1", 1.512, "cr-728", null]], cur: "EUR" },
    "wseat other": noBid("seat"),
    "wseat ours": { status: 200, violations: [], decisions: [["1", null, 1.68]], bids: [["1", 1.68, "cr-728", null]], cur: "USD" },
    "bseat ours": noBid("seat"), "private auction, no deal of ours": noBid("private_auction"), "no size we have": noBid("no_creative"),
    "audio only": noBid("no_creative"),
  });
});

test("test auctions: bid and marked in the notice URLs by default, or no bid when bid_on_test is off", () => {
  const body = fixture("banner-site.json") as any;
  body.test = 1;
  const on = run(harness(), body), off = summary(harness({ config: testConfig({ bid_on_test: false }) }), body);
  const bid = on.response.seatbid[0].bid[0];
  expect({ status: on.status, win: bid.nurl.endsWith("&test=1"), click: bid.adm.includes("&amp;test=1"), off })
    .toEqual({ status: 200, win: true, click: true, off: { status: 204, violations: [], decisions: [["1", "test", 0]], bids: [], cur: null } });
});

test("no model, no CVR model configured, and an exhausted budget", () => {
  const h = harness();
  h.env.models.delete("cvr");
  const missing = summary(h, fixture("banner-site.json"));
  const perClick = summary(harness({ config: testConfig({ cvr_model: null, value_per_conversion: 0.5 }) }), fixture("banner-site.json"));
  const pacing = new PacingController(10, 0.2);
  pacing.recordSpend(10, NOW);
  const spent = summary(harness({ pacing }), fixture("banner-site.json"));
  expect({ missing, perClick, spent }).toEqual({
    missing: { status: 204, violations: [], decisions: [["1", "no_model", 0]], bids: [], cur: null },
    // no CVR model: value per click, 1000 x 0.002 x 0.5 = 1.00 CPM, shaded 0.70
    perClick: { status: 200, violations: [], decisions: [["1", null, 0.7]], bids: [["1", 0.7, "cr-728", null]], cur: "USD" },
    spent: { status: 204, violations: [], decisions: [["1", "pacing", 0]], bids: [], cur: null },
  });
});

test("several imps: bids only where it can, one response", () => {
  const body = fixture("banner-site.json") as any;
  body.imp = [
    { id: "a", banner: { format: [{ w: 300, h: 250 }] }, bidfloor: 0.2 },
    { id: "b", banner: { format: [{ w: 160, h: 600 }] } },
    { id: "c", banner: { w: 728, h: 90 }, bidfloor: 5 },
    { id: "d", native: { request: "{}" }, bidfloor: 1.2, bidfloorcur: "EUR" },
  ];
  expect(summary(harness(), body)).toEqual({
    status: 200, violations: [], cur: "USD",
    decisions: [["a", null, 1.68], ["b", "no_creative", 0], ["c", "below_floor", 0], ["d", null, 1.68]],
    bids: [["a", 1.68, "cr-300", null], ["d", 1.68, "cr-native", null]],
  });
});

test("the internal deadline answers 204 and no decision claims a bid", () => {
  const body = fixture("banner-site.json") as any;
  body.imp = [1, 2, 3].map((i) => ({ id: String(i), banner: { w: 728, h: 90 } }));
  const h = harness();
  h.tick = 2; // 2 ms per clock read, 5 ms deadline: imps 1 and 2 are scored, 3 is not, and the end is late
  const late = summary(h, body);
  h.tick = 0;
  const inTime = summary(h, body);
  expect({ late, inTime: inTime.decisions }).toEqual({
    late: { status: 204, violations: [], decisions: [["1", "deadline", 0], ["2", "deadline", 0], ["3", "deadline", 0]], bids: [], cur: null },
    inTime: [["1", null, 1.68], ["2", null, 1.68], ["3", null, 1.68]],
  });
});

test("random variations of the fixtures: every 200 is valid, every bid decided is in the response and nothing else (property)", () => {
  const names = ["banner-site.json", "banner-app-mobile.json", "native-site.json", "no-user-id-pmp.json", "video-app.json", "coercible-types.json"];
  const h = harness({ space: featureSpace(1 << 10) });
  fc.assert(fc.property(
    fc.constantFrom(...names), fc.option(fc.double({ min: 0, max: 4, noNaN: true })), fc.constantFrom("USD", "EUR", "GBP", "JPY", undefined),
    fc.constantFrom(1, 2, undefined), fc.option(fc.constantFrom(["USD"], ["EUR"], ["JPY", "EUR"], ["GBP"])),
    fc.subarray(["IAB22", "IAB1"]), fc.subarray(["caracal.example", "other.example"]),
    (name, floor, floorCur, at, cur, bcat, badv) => {
      const body = fixture(name) as any;
      if (floor !== null) body.imp[0].bidfloor = floor;
      if (floorCur !== undefined) body.imp[0].bidfloorcur = floorCur;
      if (at !== undefined) body.at = at; else delete body.at;
      if (cur !== null) body.cur = cur;
      body.bcat = bcat;
      body.badv = badv;
      const r = run(h, body);
      const decided = r.batch!.decisions.filter((d) => d.reason === null).map((d) => [d.impId, d.bidId, d.price]);
      const sent = r.response === null ? [] : r.response.seatbid.flatMap((s: any) => s.bid.map((b: any) => [b.impid, b.id, b.price]));
      expect({ violations: r.violations, sent, status: r.status }).toEqual({ violations: [], sent: decided, status: decided.length > 0 ? 200 : 204 });
    }), { seed, numRuns: 400 });
});
