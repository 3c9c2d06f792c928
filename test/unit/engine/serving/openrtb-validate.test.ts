import { expect, test } from "bun:test";
import { checkBidResponse } from "../../../../engine/serving/openrtb-validate.ts";
import { fixture, harness } from "./serving-fixtures.ts";

const NOW = Date.UTC(2026, 11, 4, 15, 30);

test("the checker names each rule a response breaks", () => {
  const h = harness();
  const request = fixture("banner-site.json") as any;
  const good = JSON.parse(h.scorer.score(request, NOW).body!);
  const o = { currencies: ["USD", "EUR"], fx: h.env.config.fx };
  const broken = (edit: (r: any, req: any) => void): string[] => {
    const r = structuredClone(good), req = structuredClone(request);
    edit(r, req);
    return checkBidResponse(req, r, o);
  };
  const bid = (r: any) => r.seatbid[0].bid[0];
  expect({
    good: checkBidResponse(request, good, o),
    id: broken((r) => { r.id = "other"; }),
    cur: broken((r) => { r.cur = "GBP"; }),
    curNotOurs: broken((r, req) => { req.cur = ["USD", "JPY"]; r.cur = "JPY"; }),
    empty: broken((r) => { r.seatbid = []; }),
    wseat: broken((_, req) => { req.wseat = ["x"]; }),
    bseat: broken((r, req) => { req.bseat = [r.seatbid[0].seat]; }),
    noId: broken((r) => { bid(r).id = ""; }),
    repeated: broken((r) => { r.seatbid[0].bid.push({ ...bid(r), impid: "1" }); }),
    impid: broken((r) => { bid(r).impid = "9"; }),
    price: broken((r) => { bid(r).price = 0; }),
    floor: broken((r) => { bid(r).price = 0.49; }),
    floorEur: broken((r, req) => { req.imp[0].bidfloor = 1.6; req.imp[0].bidfloorcur = "EUR"; }), // 1.6 EUR = 1.78 USD > 1.68
    floorUnknownCur: broken((_, req) => { req.imp[0].bidfloorcur = "CHF"; }),
    crid: broken((r) => { delete bid(r).crid; }),
    markup: broken((r) => { delete bid(r).adm; delete bid(r).nurl; }),
    badv: broken((_, req) => { req.badv = ["caracal.example"]; }),
    bcat: broken((_, req) => { req.bcat = ["IAB22"]; }),
    bapp: broken((r, req) => { bid(r).bundle = "com.x"; req.bapp = ["com.x"]; }),
    mtype: broken((r) => { bid(r).mtype = 2; }),
    size: broken((r) => { bid(r).w = 300; bid(r).h = 250; }),
    deal: broken((r) => { bid(r).dealid = "D1"; }),
    privateAuction: broken((_, req) => { req.imp[0].pmp = { private_auction: 1, deals: [{ id: "D1", bidfloor: 1 }] }; }),
    dealFloor: broken((r, req) => { req.imp[0].pmp = { private_auction: 1, deals: [{ id: "D1", bidfloor: 2 }] }; bid(r).dealid = "D1"; }),
  }).toEqual({
    good: [],
    id: ['response id "other" is not the request id "80ce30c53c16e6ede735f123ef6e32361bfc7b22"'],
    cur: ['currency "GBP" is not accepted by the request (USD,EUR)', "currency GBP is not one we allow"],
    curNotOurs: ["currency JPY is not one we allow", "bid test00-0: price 1.68 JPY is below the floor 0.5 USD"],
    empty: ["a 200 response without bids (no bid is a 204)"],
    wseat: ['seat "caracal-seat" is not in wseat'],
    bseat: ['seat "caracal-seat" is in bseat'],
    noId: ["bid without an id"],
    repeated: ["bid id test00-0 repeated"],
    impid: ['bid test00-0: impid "9" names no imp'],
    price: ["bid test00-0: price 0 is not > 0", "bid test00-0: price 0 USD is below the floor 0.5 USD"],
    floor: ["bid test00-0: price 0.49 USD is below the floor 0.5 USD"],
    floorEur: ["bid test00-0: price 1.68 USD is below the floor 1.6 EUR"],
    floorUnknownCur: ["bid test00-0: floor in CHF cannot be compared with USD"],
    crid: ["bid test00-0: no crid"],
    markup: ["bid test00-0: neither adm nor nurl"],
    badv: ["bid test00-0: adomain shop.caracal.example is blocked (badv)"],
    bcat: ["bid test00-0: category IAB22 is blocked (bcat)"],
    bapp: ["bid test00-0: bundle com.x is blocked (bapp)"],
    mtype: ["bid test00-0: mtype 2 is not offered by the imp"],
    size: ["bid test00-0: size 300x250 is not offered"],
    deal: ["bid test00-0: dealid D1 is not a deal of imp 1"],
    privateAuction: ["bid test00-0: private auction bid without one of its deals"],
    dealFloor: ["bid test00-0: price 1.68 USD is below the floor 2 USD"],
  });
});
