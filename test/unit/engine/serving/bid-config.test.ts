import { expect, test } from "bun:test";
import { EngineError } from "../../../../engine/core/errors.ts";
import { parseBidConfig } from "../../../../engine/serving/bid-config.ts";
import { TEST_BID_CONFIG_FILE } from "./serving-fixtures.ts";

const minimal = {
  notice_base_url: "https://bid.example", value_per_conversion: 25, max_cpm: 10,
  creatives: [{ id: "c1", campaign: "k", media: "banner", w: 300, h: 250, adomain: ["a.example"], landing_url: "https://a.example", markup: "<a href=\"{CLICK_URL}\">x</a>" }],
};

test("defaults of a minimal section, and the markup split at {CLICK_URL}", () => {
  const c = parseBidConfig(minimal);
  expect({ ...c, fx: [...c.fx], dealIds: [...c.dealIds] }).toEqual({
    seat: "caracal", noticeBaseUrl: "https://bid.example", baseCurrency: "USD", fx: [["USD", 1]], currencies: ["USD"], valuePerConversion: 25,
    maxCpm: 10, shadeFactor: 0.7, hourlyBudget: 0, pacingHeadroom: 0.2, priceDecimals: 4, deadlineMs: 5, minTmaxMs: 20, bodyBytesMax: 65536,
    bidOnTest: true, ourEidSources: [], dealIds: [], ctrModel: "ctr", cvrModel: "cvr", hashBuckets: 16384,
    creatives: [{ id: "c1", campaign: "k", media: "banner", w: 300, h: 250, adomain: ["a.example"], cat: [], bundle: null, landingUrl: "https://a.example", markup: ['<a href="', '">x</a>'] }],
  });
  expect(parseBidConfig(TEST_BID_CONFIG_FILE).creatives.length).toBe(5);
});

test("bad sections are refused naming the field", () => {
  const err = (raw: unknown) => {
    try { parseBidConfig(raw); return "accepted"; } catch (e) { return e instanceof EngineError ? `${e.code}: ${e.message}` : String(e); }
  };
  expect([
    err({ ...minimal, notice_base_url: "https://bid.example/" }),
    err({ ...minimal, currencies: ["EUR"] }),
    err({ ...minimal, fx: { USD: 2 } }),
    err({ ...minimal, base_currency: "usd" }),
    err({ ...minimal, hash_buckets: 1000 }),
    err({ ...minimal, shade_factor: 0 }),
    err({ ...minimal, creatives: [] }),
    err({ ...minimal, surprise: 1 }),
  ]).toEqual([
    "bad_config: bidding.notice_base_url: an http(s) URL without a trailing slash, query or fragment",
    "bad_config: bidding.currencies: EUR has no rate in bidding.fx",
    "bad_config: bidding.fx: the base currency USD must have rate 1, not 2",
    "bad_config: bidding.base_currency: an ISO-4217 code in upper case",
    "bad_config: bidding.hash_buckets: a power of two in [256, 4194304]",
    "bad_config: bidding.shade_factor: Too small: expected number to be >0",
    "bad_config: bidding.creatives: Too small: expected array to have >=1 items",
    'bad_config: bidding: Unrecognized key: "surprise"',
  ]);
});
