// The `bidding` section of the config file and the frozen BidConfig the bid path reads. Validated
// once here (zod); nothing downstream re-checks it. Money amounts are in `base_currency` unless
// named otherwise; `fx` gives units of each currency per 1 unit of the base currency.
//
// Invariants: the base currency and every allowed bid currency have an FX rate; creatives' markup
// is split once at the {CLICK_URL} placeholder so a bid only concatenates.

import { z } from "zod";
import { EngineError } from "../core/errors.ts";
import { DEFAULT_HASH_BUCKETS } from "./bid-features.ts";
import { SERVING_LIMITS } from "./serving-limits.ts";

export type Media = "banner" | "video" | "audio" | "native";
/** OpenRTB bid.mtype for each media. */
export const MTYPE: Record<Media, number> = { banner: 1, video: 2, audio: 3, native: 4 };

export interface Creative {
  /** bid.crid. */
  readonly id: string;
  /** bid.cid, and the campaign of the bid/win/click events. */
  readonly campaign: string;
  readonly media: Media;
  /** Banner or video size; 0 x 0 fits any size the imp offers. */
  readonly w: number;
  readonly h: number;
  /** bid.adomain, checked against badv. */
  readonly adomain: readonly string[];
  /** bid.cat (IAB content taxonomy 1.0 ids), checked against bcat. */
  readonly cat: readonly string[];
  /** bid.bundle for app-install ads, checked against bapp; null when none. */
  readonly bundle: string | null;
  /** Where the click notice redirects. */
  readonly landingUrl: string;
  /** bid.adm split at {CLICK_URL}: [before, after] (after is null when the placeholder is absent). */
  readonly markup: readonly [string, string | null];
}

export interface BidConfig {
  /** seatbid.seat, checked against wseat/bseat. */
  readonly seat: string;
  /** Scheme and host (and optional path prefix) of the notice URLs, without a trailing slash. */
  readonly noticeBaseUrl: string;
  readonly baseCurrency: string;
  /** Units of a currency per 1 base-currency unit (floors in any of these can be compared). */
  readonly fx: ReadonlyMap<string, number>;
  /** Currencies we bid in, in preference order when the exchange accepts several. */
  readonly currencies: readonly string[];
  readonly valuePerConversion: number;
  /** Highest CPM we ever bid, in the base currency. */
  readonly maxCpm: number;
  /** First-price shading: bid this fraction of value (bid-pricing.ts). */
  readonly shadeFactor: number;
  /** Pacing: spend allowed per rolling hour (0 = no pacing) and the headroom fraction (pacing.ts). */
  readonly hourlyBudget: number;
  readonly pacingHeadroom: number;
  /** Decimal places of bid prices (CPM). */
  readonly priceDecimals: number;
  /** Our own time limit for one request, independent of tmax; past it we answer 204. */
  readonly deadlineMs: number;
  /** A tmax below this cannot be met across the network: immediate 204 without lookups. */
  readonly minTmaxMs: number;
  readonly bodyBytesMax: number;
  /** Whether test=1 auctions get bids (they never count toward pacing). */
  readonly bidOnTest: boolean;
  readonly ourEidSources: readonly string[];
  /** Deal ids we may bid on (PMP); private auctions without one of these get no bid. */
  readonly dealIds: ReadonlySet<string>;
  /** Names of the models used (model registry keys); no CVR model means pCVR = 1 (value per click). */
  readonly ctrModel: string;
  readonly cvrModel: string | null;
  readonly hashBuckets: number;
  readonly creatives: readonly Creative[];
}

const currency = z.string().regex(/^[A-Z]{3}$/, "an ISO-4217 code in upper case");

const creativeSchema = z.strictObject({
  id: z.string().min(1).max(SERVING_LIMITS.ID_LENGTH_MAX),
  campaign: z.string().min(1).max(256),
  media: z.enum(["banner", "video", "audio", "native"]),
  w: z.number().int().min(0).optional(),
  h: z.number().int().min(0).optional(),
  adomain: z.array(z.string().min(1)).min(1).max(8),
  cat: z.array(z.string().min(1)).max(16).optional(),
  bundle: z.string().min(1).optional(),
  landing_url: z.string().regex(/^https?:\/\//, "an http(s) URL"),
  markup: z.string().min(1).max(64 * 1024),
});

/** The `bidding` section of the config file. */
export const bidFileSchema = z.strictObject({
  seat: z.string().min(1).max(64).optional(),
  notice_base_url: z.string().regex(/^https?:\/\/[^?#]+[^/?#]$/, "an http(s) URL without a trailing slash, query or fragment").optional(),
  base_currency: currency.optional(),
  fx: z.record(currency, z.number().positive().finite()).optional(),
  currencies: z.array(currency).min(1).max(16).optional(),
  value_per_conversion: z.number().positive().finite(),
  max_cpm: z.number().positive().finite(),
  shade_factor: z.number().gt(0).max(1).optional(),
  hourly_budget: z.number().min(0).finite().optional(),
  pacing_headroom: z.number().gt(0).max(1).optional(),
  price_decimals: z.number().int().min(0).max(6).optional(),
  deadline_ms: z.number().min(0.1).max(1000).optional(),
  min_tmax_ms: z.number().int().min(0).optional(),
  body_bytes_max: z.number().int().min(1024).max(16 * 1024 * 1024).optional(),
  bid_on_test: z.boolean().optional(),
  our_eid_sources: z.array(z.string().min(1)).max(16).optional(),
  deal_ids: z.array(z.string().min(1)).max(1024).optional(),
  ctr_model: z.string().min(1).optional(),
  cvr_model: z.string().min(1).nullable().optional(),
  hash_buckets: z.number().int().refine((b) => (b & (b - 1)) === 0 && b >= SERVING_LIMITS.HASH_BUCKETS_MIN && b <= SERVING_LIMITS.HASH_BUCKETS_MAX,
    "a power of two in [256, 4194304]").optional(),
  creatives: z.array(creativeSchema).min(1).max(1024),
});
export type BidFileConfig = z.infer<typeof bidFileSchema>;

export const CLICK_URL_PLACEHOLDER = "{CLICK_URL}";

/** The typed config from the parsed (zod-checked) file section. */
export function bidConfigFrom(file: BidFileConfig, selfUrl = "http://127.0.0.1:8080"): BidConfig {
  const base = file.base_currency ?? "USD";
  const fx = new Map<string, number>(Object.entries(file.fx ?? {}));
  if (!fx.has(base)) fx.set(base, 1);
  if (fx.get(base) !== 1) throw new EngineError("bad_config", `bidding.fx: the base currency ${base} must have rate 1, not ${fx.get(base)}`);
  const currencies = file.currencies ?? [base];
  for (const c of currencies) if (!fx.has(c)) throw new EngineError("bad_config", `bidding.currencies: ${c} has no rate in bidding.fx`);
  const creatives = file.creatives.map((c): Creative => {
    const at = c.markup.indexOf(CLICK_URL_PLACEHOLDER);
    const markup: [string, string | null] = at < 0 ? [c.markup, null] : [c.markup.slice(0, at), c.markup.slice(at + CLICK_URL_PLACEHOLDER.length)];
    return {
      id: c.id, campaign: c.campaign, media: c.media, w: c.w ?? 0, h: c.h ?? 0, adomain: c.adomain, cat: c.cat ?? [],
      bundle: c.bundle ?? null, landingUrl: c.landing_url, markup,
    };
  });
  return Object.freeze({
    seat: file.seat ?? "caracal", noticeBaseUrl: file.notice_base_url ?? selfUrl, baseCurrency: base, fx, currencies,
    valuePerConversion: file.value_per_conversion, maxCpm: file.max_cpm, shadeFactor: file.shade_factor ?? 0.7,
    hourlyBudget: file.hourly_budget ?? 0, pacingHeadroom: file.pacing_headroom ?? 0.2, priceDecimals: file.price_decimals ?? 4,
    deadlineMs: file.deadline_ms ?? 5, minTmaxMs: file.min_tmax_ms ?? 20, bodyBytesMax: file.body_bytes_max ?? SERVING_LIMITS.BID_BODY_BYTES_MAX,
    bidOnTest: file.bid_on_test ?? true, ourEidSources: file.our_eid_sources ?? [], dealIds: new Set(file.deal_ids ?? []),
    ctrModel: file.ctr_model ?? "ctr", cvrModel: file.cvr_model === undefined ? "cvr" : file.cvr_model,
    hashBuckets: file.hash_buckets ?? DEFAULT_HASH_BUCKETS, creatives,
  });
}

/** Parses and converts a raw `bidding` section; throws EngineError bad_config naming the field. */
export function parseBidConfig(raw: unknown): BidConfig {
  const r = bidFileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length === 0 ? "bidding" : `bidding.${issue.path.join(".")}`;
    throw new EngineError("bad_config", `${where}: ${issue.message}`);
  }
  return bidConfigFrom(r.data);
}
