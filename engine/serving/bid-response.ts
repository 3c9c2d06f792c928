// The BidResponse body (OpenRTB 2.6 section 4.2), written straight to JSON text: one seatbid for our
// seat, one bid per impression we bid on, all in one currency (response-level `cur`).
//
// Each bid carries:
// - nurl, the win notice: GET <base>/v1/notify/win?bid=<our bid id>&auction=${AUCTION_ID}
//   &imp=${AUCTION_IMP_ID}&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}&bp=<our price>&bc=<our
//   currency>&campaign=<cid>&creative=<crid>[&test=1]. The exchange substitutes the ${...} macros
//   (spec section 4.4); bp/bc are our own bid, so spend is known even when it does not.
// - adm, the creative's markup with {CLICK_URL} replaced by the click notice
//   <base>/v1/notify/click?bid=...&auction=${AUCTION_ID}&imp=${AUCTION_IMP_ID}&campaign=...
//   &creative=...[&test=1] (HTML-escaped in banner/video markup, raw in native JSON). The click route
//   redirects to the creative's configured landing URL: the URL carries no redirect target, so it
//   cannot be turned into an open redirect.
// - crid, cid, adomain, cat, bundle, mtype, w/h for banners, dealid on deal bids.
// Invariants: ids we echo are JSON-escaped; macros are left literal (never URL-encoded, exchanges
// search for the exact text); the static part of every creative is rendered once and cached.

import { MTYPE, type BidConfig, type Creative } from "./bid-config.ts";

/** One bid to write (a reused object in the scorer's pool). */
export interface BidDraft {
  impId: string;
  bidId: string;
  price: number;
  creative: Creative | null;
  dealId: string | null;
  /** The banner size bid (0 when not a banner). */
  w: number;
  h: number;
  test: boolean;
}

export function createBidDraft(): BidDraft {
  return { impId: "", bidId: "", price: 0, creative: null, dealId: null, w: 0, h: 0, test: false };
}

interface CreativeParts {
  /** JSON members after the price: ,"adomain":[..],"crid":..,"cid":..(,"cat")(,"bundle"),"mtype":n */
  readonly json: string;
  readonly winQuery: string;
  readonly clickQuery: string;
  readonly html: boolean;
}

const cache = new WeakMap<Creative, CreativeParts>();

function partsOf(c: Creative): CreativeParts {
  let p = cache.get(c);
  if (p === undefined) {
    let json = `,"adomain":${JSON.stringify(c.adomain)},"crid":${JSON.stringify(c.id)},"cid":${JSON.stringify(c.campaign)}`;
    if (c.cat.length > 0) json += `,"cat":${JSON.stringify(c.cat)}`;
    if (c.bundle !== null) json += `,"bundle":${JSON.stringify(c.bundle)}`;
    json += `,"mtype":${MTYPE[c.media]}`;
    const ids = `&campaign=${encodeURIComponent(c.campaign)}&creative=${encodeURIComponent(c.id)}`;
    p = { json, winQuery: ids, clickQuery: ids, html: c.media !== "native" };
    cache.set(c, p);
  }
  return p;
}

const MACROS = "&auction=${AUCTION_ID}&imp=${AUCTION_IMP_ID}";

export function winUrl(config: BidConfig, d: BidDraft, currency: string): string {
  return `${config.noticeBaseUrl}/v1/notify/win?bid=${encodeURIComponent(d.bidId)}${MACROS}&price=\${AUCTION_PRICE}&cur=\${AUCTION_CURRENCY}` +
    `&bp=${d.price}&bc=${currency}${partsOf(d.creative!).winQuery}${d.test ? "&test=1" : ""}`;
}

export function clickUrl(config: BidConfig, d: BidDraft): string {
  return `${config.noticeBaseUrl}/v1/notify/click?bid=${encodeURIComponent(d.bidId)}${MACROS}${partsOf(d.creative!).clickQuery}${d.test ? "&test=1" : ""}`;
}

/** The creative's markup with the click URL in place. */
export function markupOf(config: BidConfig, d: BidDraft): string {
  const c = d.creative!, [before, after] = c.markup;
  if (after === null) return before;
  const url = clickUrl(config, d);
  return before + (partsOf(c).html ? url.replaceAll("&", "&amp;") : url) + after;
}

/** The response body for `count` drafts (count >= 1; no bid is a 204 and has no body). */
export function buildBidResponse(requestId: string, currency: string, drafts: readonly BidDraft[], count: number, config: BidConfig): string {
  let s = `{"id":${JSON.stringify(requestId)},"seatbid":[{"seat":${JSON.stringify(config.seat)},"bid":[`;
  for (let k = 0; k < count; k++) {
    const d = drafts[k]!;
    if (k > 0) s += ",";
    s += `{"id":${JSON.stringify(d.bidId)},"impid":${JSON.stringify(d.impId)},"price":${d.price},"adm":${JSON.stringify(markupOf(config, d))},` +
      `"nurl":${JSON.stringify(winUrl(config, d, currency))}${partsOf(d.creative!).json}`;
    if (d.w > 0 && d.h > 0) s += `,"w":${d.w},"h":${d.h}`;
    if (d.dealId !== null) s += `,"dealid":${JSON.stringify(d.dealId)}`;
    s += "}";
  }
  return `${s}]}],"cur":"${currency}"}`;
}
