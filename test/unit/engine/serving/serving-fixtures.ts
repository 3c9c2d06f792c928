// Shared test setup for the bid path: the fixtures under test/fixtures/openrtb, a bidding config
// with creatives for every media, and models with a chosen constant rate.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseBidConfig, type BidConfig } from "../../../../engine/serving/bid-config.ts";
import { featureSpace, type FeatureSpace } from "../../../../engine/serving/bid-features.ts";
import { bidIdGenerator, BidScorer, type DecisionBatch, type ScorerEnv } from "../../../../engine/serving/bid-scorer.ts";
import type { LogisticModel, ModelTarget } from "../../../../engine/serving/ctr-model.ts";
import { ModelRegistry } from "../../../../engine/serving/model-registry.ts";
import { PacingController } from "../../../../engine/serving/pacing.ts";

export const FIXTURES = join(import.meta.dir, "../../../fixtures/openrtb");

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

export const TEST_BID_CONFIG_FILE = {
  seat: "caracal-seat",
  notice_base_url: "https://bid.caracal.example",
  base_currency: "USD",
  fx: { USD: 1, EUR: 0.9, GBP: 0.8, JPY: 150 },
  currencies: ["USD", "EUR"],
  value_per_conversion: 40,
  max_cpm: 20,
  shade_factor: 0.7,
  price_decimals: 4,
  deadline_ms: 5,
  min_tmax_ms: 20,
  our_eid_sources: ["caracal.example"],
  deal_ids: ["DX-1234", "DX-5678", "DEAL-HIGH"],
  creatives: [
    { id: "cr-728", campaign: "winter_sale", media: "banner", w: 728, h: 90, adomain: ["shop.caracal.example"], cat: ["IAB22"],
      landing_url: "https://shop.caracal.example/winter", markup: '<a href="{CLICK_URL}" target="_blank"><img src="https://cdn.caracal.example/728x90.png" width="728" height="90"></a>' },
    { id: "cr-300", campaign: "winter_sale", media: "banner", w: 300, h: 250, adomain: ["shop.caracal.example"], cat: ["IAB22"],
      landing_url: "https://shop.caracal.example/winter", markup: '<a href="{CLICK_URL}"><img src="https://cdn.caracal.example/300x250.png"></a>' },
    { id: "cr-320", campaign: "app_install", media: "banner", w: 320, h: 50, adomain: ["shop.caracal.example"], cat: ["IAB22"], bundle: "com.caracal.shop",
      landing_url: "https://shop.caracal.example/app", markup: '<a href="{CLICK_URL}"><img src="https://cdn.caracal.example/320x50.png"></a>' },
    { id: "cr-video", campaign: "winter_sale", media: "video", adomain: ["shop.caracal.example"], cat: ["IAB22"], landing_url: "https://shop.caracal.example/winter",
      markup: '<VAST version="4.0"><Ad id="cr-video"><InLine><Creatives><Creative><Linear><Duration>00:00:15</Duration><VideoClicks><ClickThrough><![CDATA[{CLICK_URL}]]></ClickThrough></VideoClicks><MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="640" height="480"><![CDATA[https://cdn.caracal.example/15s.mp4]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>' },
    { id: "cr-native", campaign: "winter_sale", media: "native", adomain: ["shop.caracal.example"], cat: ["IAB22"], landing_url: "https://shop.caracal.example/winter",
      markup: '{"native":{"ver":"1.2","link":{"url":"{CLICK_URL}"},"assets":[{"id":123,"title":{"text":"Winter sale"}},{"id":126,"data":{"value":"Caracal Shop"}},{"id":127,"data":{"value":"Warm coats, half price."}},{"id":124,"img":{"url":"https://cdn.caracal.example/icon.png","w":50,"h":50}}]}}' },
  ],
};

export function testConfig(overrides: Record<string, unknown> = {}): BidConfig {
  return parseBidConfig({ ...TEST_BID_CONFIG_FILE, ...overrides });
}

/** A model predicting `rate` for every impression (all weights 0). */
export function constantModel(space: FeatureSpace, name: string, target: ModelTarget, rate: number, version = "1"): LogisticModel {
  return {
    name, version, target, bias: Math.log(rate / (1 - rate)), weights: new Float64Array(space.dimension), fingerprint: space.fingerprint,
    trainedAt: "2026-12-01T00:00:00.000Z", metrics: { auc: null, logloss: null, n: 0 }, training: null,
  };
}

export interface Harness {
  readonly scorer: BidScorer;
  readonly env: ScorerEnv;
  readonly batches: DecisionBatch[];
  /** Advance the deadline clock by this much on every read (ms). */
  tick: number;
}

/** A scorer over the test config with constant models pCTR 0.002 and pCVR 0.03 (value 2.40 CPM). */
export function harness(options: { config?: BidConfig; space?: FeatureSpace; pctr?: number; pcvr?: number; record?: boolean; pacing?: PacingController } = {}): Harness {
  const space = options.space ?? featureSpace(1 << 12);
  const config = options.config ?? testConfig();
  const models = new ModelRegistry(space);
  const put = (m: LogisticModel) => models.put(m.name, { ...fileOf(m, space) });
  put(constantModel(space, config.ctrModel, "ctr", options.pctr ?? 0.002));
  if (config.cvrModel !== null) put(constantModel(space, config.cvrModel, "cvr", options.pcvr ?? 0.03));
  const batches: DecisionBatch[] = [];
  let now = 0;
  const h: Harness = {
    tick: 0, batches,
    env: {
      config, space, models, pacing: options.pacing ?? new PacingController(config.hourlyBudget, config.pacingHeadroom),
      profiles: () => null, clock: () => (now += h.tick), nextBidId: bidIdGenerator("test00"),
      onDecisions: options.record === false ? null : (b) => batches.push(snapshot(b)),
    },
    scorer: undefined as unknown as BidScorer,
  };
  (h as { scorer: BidScorer }).scorer = new BidScorer(h.env);
  return h;
}

function fileOf(m: LogisticModel, space: FeatureSpace): Record<string, unknown> {
  return {
    name: m.name, version: m.version, kind: "logistic", target: m.target,
    feature_space: { version: space.version, hash: space.hash, buckets: space.buckets, fingerprint: space.fingerprint, numeric: space.numeric, categorical: space.categorical },
    bias: m.bias, weights: Array.from(m.weights), trained_at: m.trainedAt, metrics: m.metrics,
  };
}

/** A batch's pooled objects copied out (the scorer reuses them on the next request). */
function snapshot(b: DecisionBatch): DecisionBatch {
  return { ...b, request: { ...b.request, imps: b.request.imps.slice(0, b.request.impCount).map((i) => ({ ...i })) },
    decisions: b.decisions.slice(0, b.count).map((d) => ({ ...d })) };
}
