import { expect, test } from "bun:test";
import { buildBidResponse, createBidDraft, markupOf, winUrl, type BidDraft } from "../../../../engine/serving/bid-response.ts";
import { testConfig, TEST_BID_CONFIG_FILE } from "./serving-fixtures.ts";

test("the pre-escaped pieces give the same adm and nurl as encoding each bid from scratch", () => {
  const config = testConfig({
    notice_base_url: "https://bid.caracal.example/p\"x",
    creatives: [...TEST_BID_CONFIG_FILE.creatives, { ...TEST_BID_CONFIG_FILE.creatives[0]!, id: "no-click", markup: "<img src=\"https://cdn.caracal.example/a.png\">" },
      { ...TEST_BID_CONFIG_FILE.creatives[1]!, id: "crée & co", campaign: "été \"2026\"" }],
  });
  const got: unknown[] = [], want: unknown[] = [];
  for (const creative of config.creatives) {
    for (const test of [false, true]) {
      for (const bidId of ["k3x9qa-1f", "weird id&<\"é>/?"]) {
        const d: BidDraft = { ...createBidDraft(), impId: "1", bidId, price: 1.2345, creative, test };
        const bid = JSON.parse(buildBidResponse("req", "EUR", [d], 1, config)).seatbid[0].bid[0];
        got.push([bid.id, bid.adm, bid.nurl]);
        want.push([bidId, markupOf(config, d), winUrl(config, d, "EUR")]);
      }
    }
  }
  expect(got).toEqual(want);
  expect(want.length).toBe(28);
});
