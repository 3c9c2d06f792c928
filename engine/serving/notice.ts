// Win and click notices: the query string of GET /v1/notify/win|click (URLs written by
// bid-response.ts) parsed into the fields of a win/click event, and the spend a win books.
//
// Exchanges substitute OpenRTB macros (spec 2.6 section 4.4) before calling, but not always:
// a macro may arrive literally ("${AUCTION_PRICE}", or URL-encoded "%24%7BAUCTION_PRICE%7D"), empty
// (the spec's "unknown or unavailable"), as "AUDIT" (ad-quality rendering), or encrypted (some
// exchanges encrypt the clearing price). All of these read as unknown (null), never as 0.
// Invariants: only `bid` (our own bid id) is required; every other field is optional and bounded
// (NOTICE_VALUE_LENGTH_MAX); a price is a finite number >= 0 or null.

import type { BidConfig } from "./bid-config.ts";
import { convert } from "./bid-pricing.ts";
import { coerceCurrency } from "./openrtb-request.ts";
import { SERVING_LIMITS } from "./serving-limits.ts";

export type NoticeKind = "win" | "click";

export interface Notice {
  readonly kind: NoticeKind;
  readonly bidId: string;
  readonly auctionId: string | null;
  readonly impId: string | null;
  /** Clearing price (CPM) as the exchange reported it, null when unknown. */
  readonly price: number | null;
  /** Currency of the clearing price (AUCTION_CURRENCY), null when unknown. */
  readonly currency: string | null;
  /** Our bid price (CPM) and currency, as written into the URL. */
  readonly bidPrice: number | null;
  readonly bidCurrency: string | null;
  readonly campaign: string | null;
  readonly creative: string | null;
  readonly test: boolean;
}

export type NoticeError = "bid_missing" | "bid_invalid";

/** A parameter value, or null when absent, empty, too long or an unsubstituted/audit macro. */
function value(params: URLSearchParams, name: string): string | null {
  const v = params.get(name);
  if (v === null || v.length === 0 || v.length > SERVING_LIMITS.NOTICE_VALUE_LENGTH_MAX) return null;
  if (v === "AUDIT" || (v.startsWith("${") && v.endsWith("}"))) return null;
  return v;
}

function price(params: URLSearchParams, name: string): number | null {
  const v = value(params, name);
  if (v === null || !/^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Parses a notice's query string (with or without the leading "?"). */
export function parseNotice(kind: NoticeKind, query: string): Notice | NoticeError {
  const params = new URLSearchParams(query);
  const raw = params.get("bid");
  if (raw === null || raw.length === 0) return "bid_missing";
  const bidId = value(params, "bid");
  if (bidId === null) return "bid_invalid";
  return {
    kind, bidId, auctionId: value(params, "auction"), impId: value(params, "imp"), price: kind === "win" ? price(params, "price") : null,
    currency: coerceCurrency(value(params, "cur")), bidPrice: price(params, "bp"), bidCurrency: coerceCurrency(value(params, "bc")),
    campaign: value(params, "campaign"), creative: value(params, "creative"), test: params.get("test") === "1",
  };
}

/**
 * The spend a win books, in the base currency, per impression (CPM / 1000): the clearing price when
 * known, else our own bid (an upper bound in both auction types); 0 for test auctions, clicks, or
 * a currency without an FX rate.
 */
export function noticeSpend(n: Notice, config: BidConfig): number {
  if (n.kind !== "win" || n.test) return 0;
  const cpm = n.price ?? n.bidPrice;
  const cur = n.price !== null ? n.currency ?? n.bidCurrency ?? config.baseCurrency : n.bidCurrency ?? config.baseCurrency;
  if (cpm === null) return 0;
  const base = convert(cpm / 1000, cur, config.baseCurrency, config);
  return Number.isFinite(base) ? base : 0;
}
