import { expect, test } from "bun:test";
import { bidEvents, noticeEvent } from "../../../../engine/serving/bid-event.ts";
import { noticeSpend, parseNotice } from "../../../../engine/serving/notice.ts";
import { fixture, harness, testConfig } from "./serving-fixtures.ts";

const CONFIG = testConfig();
const NOW = Date.UTC(2026, 11, 4, 15, 30);

/** What an exchange does to a URL with OpenRTB macros: substitutes the ones it knows. */
function substitute(url: string, values: Record<string, string>): string {
  return url.replace(/\$\{([A-Z_]+)\}/g, (m, name: string) => values[name] ?? m);
}

test("a win URL from a real response, after the exchange substitutes its macros, parses back to the bid", () => {
  const h = harness();
  const r = h.scorer.score(fixture("banner-site.json"), NOW);
  const bid = JSON.parse(r.body!).seatbid[0].bid[0];
  const url = new URL(substitute(bid.nurl, { AUCTION_ID: "80ce30c5", AUCTION_IMP_ID: "1", AUCTION_PRICE: "1.27", AUCTION_CURRENCY: "USD" }));
  const n = parseNotice("win", url.search);
  expect(n).toEqual({
    kind: "win", bidId: bid.id, auctionId: "80ce30c5", impId: "1", price: 1.27, currency: "USD", bidPrice: 1.68, bidCurrency: "USD",
    campaign: "winter_sale", creative: "cr-728", test: false,
  });
  expect(noticeSpend(n as Exclude<typeof n, string>, CONFIG)).toBeCloseTo(0.00127, 15);
  // The click URL sits in the markup, HTML-escaped.
  const href = /href="([^"]+)"/.exec(bid.adm)![1]!.replaceAll("&amp;", "&");
  expect(parseNotice("click", new URL(substitute(href, { AUCTION_ID: "80ce30c5", AUCTION_IMP_ID: "1" })).search)).toEqual({
    kind: "click", bidId: bid.id, auctionId: "80ce30c5", impId: "1", price: null, currency: null, bidPrice: null, bidCurrency: null,
    campaign: "winter_sale", creative: "cr-728", test: false,
  });
});

test("macros left unsubstituted, encoded, empty or AUDIT read as unknown, never as 0", () => {
  const q = "bid=b1&auction=${AUCTION_ID}&imp=%24%7BAUCTION_IMP_ID%7D&price=${AUCTION_PRICE}&cur=&bp=2.5&bc=EUR";
  const fields = (s: string) => { const n = parseNotice("win", s); return typeof n === "string" ? n : [n.auctionId, n.impId, n.price, n.currency, n.bidPrice, n.bidCurrency]; };
  expect([
    fields(q), fields("?bid=b1&price=AUDIT"), fields("bid=b1&price=ZW5jcnlwdGVk"), fields("bid=b1&price=-1"), fields("bid=b1&price=0"),
    fields("bid=b1&price=1e2"), fields("auction=a"), fields("bid="), fields(`bid=${"x".repeat(300)}`),
  ]).toEqual([
    [null, null, null, null, 2.5, "EUR"], [null, null, null, null, null, null], [null, null, null, null, null, null],
    [null, null, null, null, null, null], [null, null, 0, null, null, null], [null, null, 100, null, null, null],
    "bid_missing", "bid_missing", "bid_invalid",
  ]);
});

test("spend booked by a win: the clearing price converted to the base currency, else our bid; nothing for tests and clicks", () => {
  const spend = (kind: "win" | "click", q: string) => noticeSpend(parseNotice(kind, q) as Exclude<ReturnType<typeof parseNotice>, string>, CONFIG);
  expect([
    spend("win", "bid=b&price=1.8&cur=EUR&bp=2&bc=EUR"), spend("win", "bid=b&price=${AUCTION_PRICE}&bp=2&bc=EUR"),
    spend("win", "bid=b&price=1.5"), spend("win", "bid=b&price=1.5&test=1"), spend("click", "bid=b&bp=2&bc=USD"), spend("win", "bid=b&price=1&cur=CHF"),
    spend("win", "bid=b"),
  ].map((x) => Math.round(x * 1e12) / 1e12)).toEqual([0.002, 0.002222222222, 0.0015, 0, 0, 0, 0]);
});

test("bid and no_bid events of a request, with the features logged", () => {
  const h = harness();
  const body = fixture("banner-site.json") as any;
  body.imp.push({ id: "2", banner: { w: 160, h: 600 } });
  h.scorer.score(body, NOW);
  const events = bidEvents(h.batches[0]!);
  const d = h.batches[0]!.decisions;
  const common = { ts: NOW, user_id: "cus_0k3x9qa1", currency: "USD", country: "USA", device: "pc", os: "Windows", platform: "site" };
  const props = { auction_id: body.id, test: 0, at: 1, deal_id: null, pacing: 1, ctr_model: "ctr@1", cvr_model: "cvr@1", user_key_source: "buyeruid" };
  expect(events).toEqual([
    { ...common, type: "bid", event_id: "test00-0", price: 1.68, campaign: "winter_sale", creative_id: "cr-728",
      props: { ...props, imp_id: "1", reason: null, value: d[0]!.value, floor: 0.5, shaded: true, pctr: d[0]!.pctr, pcvr: d[0]!.pcvr, fs: h.env.space.fingerprint, f: d[0]!.features } },
    { ...common, type: "no_bid", campaign: null, creative_id: null,
      props: { ...props, imp_id: "2", reason: "no_creative", value: null, floor: null, shaded: false, pctr: null, pcvr: null } },
  ]);
  expect(typeof d[0]!.features).toBe("string");
});

test("win and click events of notices", () => {
  const win = parseNotice("win", "bid=b7&auction=a1&imp=1&price=1.8&cur=EUR&bp=2&bc=EUR&campaign=c&creative=cr") as Exclude<ReturnType<typeof parseNotice>, string>;
  const click = parseNotice("click", "bid=b7&auction=a1&imp=1&campaign=c&creative=cr&test=1") as Exclude<ReturnType<typeof parseNotice>, string>;
  expect([noticeEvent(win, NOW, noticeSpend(win, CONFIG), "USD"), noticeEvent(click, NOW, 0, "USD")]).toEqual([
    { type: "win", ts: NOW, campaign: "c", creative_id: "cr", price: 2, cost: 0.002, currency: "USD",
      props: { bid_id: "b7", auction_id: "a1", imp_id: "1", test: 0, bid_price: 2, bid_currency: "EUR", clearing_price: 1.8, clearing_currency: "EUR" } },
    { type: "click", ts: NOW, campaign: "c", creative_id: "cr",
      props: { bid_id: "b7", auction_id: "a1", imp_id: "1", test: 1, bid_price: null, bid_currency: null } },
  ]);
});
