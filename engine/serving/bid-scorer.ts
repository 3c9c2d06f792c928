// The bid path from a parsed body to an answer: normalize -> request-level gates -> one profile
// lookup -> per imp: deal and creative choice, features, pCTR/pCVR, price -> BidResponse text or 204.
//
// Owns: the order of the gates and the no-bid reasons. HTTP (size check before JSON.parse, status
// codes, overload shedding), the profile store and event recording are the caller's: it passes a
// profile lookup and receives every decision through onDecisions.
// Invariants:
// - One BidScorer per thread, reused for every request: the normalized view, feature vector, quotes,
//   drafts and decisions are pooled; per request it allocates the bid ids, the response text and,
//   when recording, one feature-log string per scored imp.
// - Never throws on input: malformed is a 400 result, everything else 200 or 204.
// - Internal deadline (config.deadlineMs, independent of tmax) measured with the injected clock
//   from when score() starts: checked before each imp and at the end; past it the answer is 204 and
//   every imp's decision says "deadline" (a late answer is lost anyway, and an event must never
//   claim a bid that was not sent).
// - Test auctions (test=1) are scored (unless bid_on_test is off) and marked, never paced against.

import type { BidConfig, Creative } from "./bid-config.ts";
import { computeFeatures, FeatureVector, type FeatureSpace, type ProfileSnapshot } from "./bid-features.ts";
import { chooseCurrency, createQuote, priceBid, type PriceQuote, type PriceRefusal } from "./bid-pricing.ts";
import { buildBidResponse, createBidDraft, type BidDraft } from "./bid-response.ts";
import { predict, type LogisticModel } from "./ctr-model.ts";
import { encodeFeatures } from "./feature-log.ts";
import type { ModelRegistry } from "./model-registry.ts";
import { coerceCurrency, coerceId, coerceNumber, createNormalizedRequest, isObject, normalizeBidRequest, type MalformedReason,
  type NormalizedImp, type NormalizedRequest, type UserKeySource } from "./openrtb-request.ts";
import type { PacingController } from "./pacing.ts";
import { SERVING_LIMITS } from "./serving-limits.ts";

export type NoBidReason = PriceRefusal | "test" | "tmax" | "seat" | "no_model" | "pacing" | "private_auction" | "no_creative"
  | "blocked" | "deadline";

/** What happened to one impression (a pooled object, valid during onDecisions). */
export interface ImpDecision {
  impId: string;
  /** null when we bid. */
  reason: NoBidReason | null;
  bidId: string | null;
  /** Bid price (CPM) in currency; 0 on no bid. */
  price: number;
  /** Unshaded value and floor in the bid currency (CPM); NaN when not priced. */
  value: number;
  floor: number;
  shaded: boolean;
  /** Effective auction type (a deal's at overrides the request's). */
  at: number;
  dealId: string | null;
  creative: Creative | null;
  /** NaN when not scored. */
  pctr: number;
  pcvr: number;
  /** The feature log (feature-log.ts) when recording and scored, else null. */
  features: string | null;
}

/**
 * Every decision of one well-formed request, handed to onDecisions once, after the answer is fixed.
 * A pooled object like the rest: valid during the call; copy out what must outlive it.
 */
export interface DecisionBatch {
  readonly request: NormalizedRequest;
  readonly decisions: readonly ImpDecision[];
  readonly count: number;
  readonly nowMs: number;
  /** "" when no currency was chosen. */
  readonly currency: string;
  readonly pacing: number;
  readonly fingerprint: string;
  readonly ctrModel: string | null;
  readonly cvrModel: string | null;
  readonly status: 200 | 204;
}

export interface ScoreResult {
  status: 200 | 204 | 400;
  /** The BidResponse text on 200, else null. */
  body: string | null;
  malformed: MalformedReason | null;
}

export interface ScorerEnv {
  readonly config: BidConfig;
  readonly space: FeatureSpace;
  readonly models: ModelRegistry;
  readonly pacing: PacingController;
  /** Profile snapshot of a user key, or null when unknown. Called at most once per request. */
  readonly profiles: (key: string, source: UserKeySource, nowMs: number) => ProfileSnapshot | null;
  /** Monotonic milliseconds for the deadline (performance.now in production). */
  readonly clock: () => number;
  /** A new unique bid id. */
  readonly nextBidId: () => string;
  /** Receives every well-formed request's decisions; null when not recording. */
  readonly onDecisions: ((batch: DecisionBatch) => void) | null;
}

function createDecision(): ImpDecision {
  return { impId: "", reason: null, bidId: null, price: 0, value: NaN, floor: NaN, shaded: false, at: 2, dealId: null, creative: null,
    pctr: NaN, pcvr: NaN, features: null };
}

/** Bid ids: a per-process random prefix and a counter, base 36 ("k3x9qa-1f"). */
export function bidIdGenerator(prefix = Math.floor(Math.random() * 36 ** 6).toString(36).padStart(6, "0")): () => string {
  let n = 0;
  return () => `${prefix}-${(n++).toString(36)}`;
}

export class BidScorer {
  private readonly req = createNormalizedRequest();
  private readonly vector: FeatureVector;
  private readonly quote: PriceQuote = createQuote();
  private readonly drafts: BidDraft[] = [];
  private readonly decisions: ImpDecision[] = [];
  private readonly result: ScoreResult = { status: 204, body: null, malformed: null };
  private readonly batch: { -readonly [K in keyof DecisionBatch]: DecisionBatch[K] };
  private readonly normalizeOptions: { ourEidSources: readonly string[] };

  constructor(private readonly env: ScorerEnv) {
    this.vector = new FeatureVector(env.space.dimension);
    this.normalizeOptions = { ourEidSources: env.config.ourEidSources };
    for (let i = 0; i < SERVING_LIMITS.IMPS_MAX; i++) { this.drafts.push(createBidDraft()); this.decisions.push(createDecision()); }
    this.batch = { request: this.req, decisions: this.decisions, count: 0, nowMs: 0, currency: "", pacing: 1, fingerprint: env.space.fingerprint,
      ctrModel: null, cvrModel: null, status: 204 };
  }

  /** Scores one parsed BidRequest at wall-clock nowMs. The result object is reused by the next call. */
  score(body: unknown, nowMs: number): ScoreResult {
    const env = this.env, config = env.config, req = this.req, result = this.result;
    const start = env.clock();
    result.body = null;
    result.malformed = normalizeBidRequest(body, req, this.normalizeOptions);
    if (result.malformed !== null) { result.status = 400; return result; }
    for (let i = 0; i < req.impCount; i++) resetDecision(this.decisions[i]!, req.imps[i]!.id, req.at);
    const currency = chooseCurrency(req.cur, config);
    const ctr = env.models.get(config.ctrModel), cvr = config.cvrModel === null ? null : env.models.get(config.cvrModel);
    const pacing = env.pacing.multiplier(nowMs);
    const gate = requestGate(req, config, currency, ctr === null || (config.cvrModel !== null && cvr === null), pacing);
    let bids = 0;
    if (gate !== null) this.refuseAll(gate);
    else {
      const profile = req.userKey === null ? null : env.profiles(req.userKey, req.userKeySource, nowMs);
      for (let i = 0; i < req.impCount; i++) {
        if (env.clock() - start > config.deadlineMs) break;
        if (this.scoreImp(i, profile, nowMs, currency!, ctr!, cvr, pacing)) bids++;
      }
      if (env.clock() - start > config.deadlineMs) { this.refuseAll("deadline"); bids = 0; }
    }
    if (bids > 0) {
      let k = 0;
      for (let i = 0; i < req.impCount; i++) if (this.decisions[i]!.reason === null) this.fillDraft(this.drafts[k++]!, this.decisions[i]!, req.imps[i]!);
      result.body = buildBidResponse(req.id, currency!, this.drafts, k, config);
    }
    result.status = bids > 0 ? 200 : 204;
    if (env.onDecisions !== null) {
      const b = this.batch;
      b.count = req.impCount; b.nowMs = nowMs; b.currency = currency ?? ""; b.pacing = pacing; b.status = result.status as 200 | 204;
      b.ctrModel = ctr === null ? null : `${ctr.name}@${ctr.version}`;
      b.cvrModel = cvr === null ? null : `${cvr.name}@${cvr.version}`;
      env.onDecisions(b);
    }
    return result;
  }

  private refuseAll(reason: NoBidReason): void {
    for (let i = 0; i < this.req.impCount; i++) {
      const d = this.decisions[i]!;
      if (d.reason === null || reason !== "deadline") {
        d.reason = reason;
        d.bidId = null;
        d.price = 0;
      }
    }
  }

  /** Scores imp i into decisions[i]; true when it bids. */
  private scoreImp(i: number, profile: ProfileSnapshot | null, nowMs: number, currency: string,
    ctr: LogisticModel, cvr: LogisticModel | null, pacing: number): boolean {
    const env = this.env, config = env.config, req = this.req, imp = req.imps[i]!, d = this.decisions[i]!;
    const deal = chooseDeal(imp, config);
    if (imp.privateAuction && deal === null) { d.reason = "private_auction"; return false; }
    const creative = chooseCreative(req, imp, config);
    if (typeof creative === "string") { d.reason = creative; return false; }
    d.creative = creative;
    const v = this.vector;
    v.reset();
    computeFeatures(env.space, req, imp, profile, nowMs, v);
    d.pctr = predict(ctr, v);
    d.pcvr = cvr === null ? 1 : predict(cvr, v);
    if (env.onDecisions !== null) d.features = encodeFeatures(v);
    let floor = imp.bidfloor, floorCur = imp.bidfloorcur, at = req.at;
    if (deal !== null) {
      d.dealId = coerceId(deal.id);
      floor = deal.bidfloor === undefined ? 0 : coerceNumber(deal.bidfloor);
      floorCur = deal.bidfloorcur === undefined ? "USD" : coerceCurrency(deal.bidfloorcur)!;
      if (deal.at !== undefined) at = coerceNumber(deal.at);
    }
    d.at = at;
    const q = this.quote;
    d.reason = priceBid(d.pctr, d.pcvr, pacing, floor, floorCur, at, currency, config, q);
    d.value = q.value;
    d.floor = q.floor;
    d.shaded = q.shaded;
    if (d.reason !== null) return false;
    d.price = q.price;
    d.bidId = env.nextBidId();
    return true;
  }

  private fillDraft(draft: BidDraft, d: ImpDecision, imp: NormalizedImp): void {
    draft.impId = d.impId;
    draft.bidId = d.bidId!;
    draft.price = d.price;
    draft.creative = d.creative;
    draft.dealId = d.dealId;
    draft.test = this.req.test;
    bannerSize(imp, d.creative!, draft);
  }
}

function resetDecision(d: ImpDecision, impId: string, at: number): void {
  d.impId = impId; d.reason = null; d.bidId = null; d.price = 0; d.value = NaN; d.floor = NaN; d.shaded = false; d.at = at;
  d.dealId = null; d.creative = null; d.pctr = NaN; d.pcvr = NaN; d.features = null;
}

/** Reasons that refuse the whole request before any lookup. */
function requestGate(req: NormalizedRequest, config: BidConfig, currency: string | null, noModel: boolean, pacing: number): NoBidReason | null {
  if (req.test && !config.bidOnTest) return "test";
  if (req.tmax < config.minTmaxMs) return "tmax";
  if (!seatAllowed(req, config.seat)) return "seat";
  if (currency === null) return "currency";
  if (noModel) return "no_model";
  if (!(pacing > 0)) return "pacing";
  return null;
}

function seatAllowed(req: NormalizedRequest, seat: string): boolean {
  if (req.bseat !== null && req.bseat.includes(seat)) return false;
  return req.wseat === null || req.wseat.length === 0 || req.wseat.includes(seat);
}

/** The first deal of the imp that we may bid on (configured id, our seat allowed). */
function chooseDeal(imp: NormalizedImp, config: BidConfig): Record<string, unknown> | null {
  if (imp.deals === null || config.dealIds.size === 0) return null;
  for (const deal of imp.deals) {
    const id = coerceId(deal.id);
    if (id === null || !config.dealIds.has(id)) continue;
    if (Array.isArray(deal.wseat) && deal.wseat.length > 0 && !deal.wseat.includes(config.seat)) continue;
    return deal;
  }
  return null;
}

/** The first creative the imp can show (media, banner size) that no block list excludes, or why none. */
function chooseCreative(req: NormalizedRequest, imp: NormalizedImp, config: BidConfig): Creative | "no_creative" | "blocked" {
  let fitting = false;
  for (const c of config.creatives) {
    if (!mediaFits(imp, c)) continue;
    fitting = true;
    if (intersects(c.cat, req.bcat) || domainBlocked(c.adomain, req.badv) || (c.bundle !== null && req.bapp !== null && req.bapp.includes(c.bundle))) continue;
    return c;
  }
  return fitting ? "blocked" : "no_creative";
}

function mediaFits(imp: NormalizedImp, c: Creative): boolean {
  switch (c.media) {
    case "banner": return imp.banner && (c.w === 0 || sizeOffered(imp, c.w, c.h));
    case "video": return imp.video;
    case "audio": return imp.audio;
    case "native": return imp.native;
  }
}

function sizeOffered(imp: NormalizedImp, w: number, h: number): boolean {
  if (imp.formats !== null) {
    for (const f of imp.formats) if (isObject(f) && coerceNumber(f.w) === w && coerceNumber(f.h) === h) return true;
  }
  return imp.w === w && imp.h === h;
}

function intersects(ours: readonly string[], blocked: readonly unknown[] | null): boolean {
  if (blocked === null || blocked.length === 0) return false;
  for (const x of ours) if (blocked.includes(x)) return true;
  return false;
}

/** Whether one of our advertiser domains is a blocked domain or a subdomain of one (ASCII case-insensitive). */
function domainBlocked(ours: readonly string[], badv: readonly unknown[] | null): boolean {
  if (badv === null || badv.length === 0) return false;
  for (const domain of ours) {
    for (const b of badv) if (typeof b === "string" && b.length > 0 && isDomainOrSubdomain(domain, b)) return true;
  }
  return false;
}

function isDomainOrSubdomain(domain: string, blocked: string): boolean {
  const offset = domain.length - blocked.length;
  if (offset < 0 || (offset > 0 && domain.charCodeAt(offset - 1) !== 46)) return false;
  for (let i = 0; i < blocked.length; i++) {
    let a = domain.charCodeAt(offset + i), b = blocked.charCodeAt(i);
    if (a >= 65 && a <= 90) a += 32;
    if (b >= 65 && b <= 90) b += 32;
    if (a !== b) return false;
  }
  return true;
}

/** The size a banner bid declares: the creative's, or the first size the imp offers for a size-free creative. */
function bannerSize(imp: NormalizedImp, c: Creative, out: BidDraft): void {
  out.w = 0;
  out.h = 0;
  if (c.media !== "banner") return;
  if (c.w > 0) { out.w = c.w; out.h = c.h; return; }
  if (imp.formats !== null) {
    for (const f of imp.formats) {
      if (!isObject(f)) continue;
      const w = coerceNumber(f.w), h = coerceNumber(f.h);
      if (w > 0 && h > 0) { out.w = w; out.h = h; return; }
    }
  }
  if (imp.w > 0 && imp.h > 0) { out.w = imp.w; out.h = imp.h; }
}
