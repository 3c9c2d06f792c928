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
// search for the exact text); the static part of every creative (JSON members, escaped URL and
// markup pieces) is rendered once per creative and cached, so a bid with one of our plain ids only
// concatenates; any other id takes the general path (encode, HTML-escape, JSON.stringify), which
// gives the same text (tested).

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
  /** &campaign=..&creative=.. of both notice URLs. */
  readonly ids: string;
  readonly html: boolean;
  // JSON string contents (escaped, without quotes) around the bid id, indexed by test ? 1 : 0, so
  // a bid with a plain id only concatenates (escaping is per character: pieces escape like wholes).
  /** adm before the bid id, or the whole adm when the markup has no {CLICK_URL} (then admTail is unused). */
  readonly admHead: string;
  readonly admTail: readonly [string, string];
  readonly hasClick: boolean;
  readonly nurlHead: string;
  readonly nurlMid: string;
  readonly nurlTail: readonly [string, string];
}

const cache = new WeakMap<Creative, CreativeParts>();
const MACROS = "&auction=${AUCTION_ID}&imp=${AUCTION_IMP_ID}";
const WIN_MACROS = `${MACROS}&price=\${AUCTION_PRICE}&cur=\${AUCTION_CURRENCY}&bp=`;
const TEST = ["", "&test=1"] as const;
/** The escaped contents of a JSON string literal. */
const lit = (s: string): string => JSON.stringify(s).slice(1, -1);
const amp = (s: string): string => s.replaceAll("&", "&amp;");

function partsOf(config: BidConfig, c: Creative): CreativeParts {
  let p = cache.get(c);
  if (p === undefined) {
    let json = `,"adomain":${JSON.stringify(c.adomain)},"crid":${JSON.stringify(c.id)},"cid":${JSON.stringify(c.campaign)}`;
    if (c.cat.length > 0) json += `,"cat":${JSON.stringify(c.cat)}`;
    if (c.bundle !== null) json += `,"bundle":${JSON.stringify(c.bundle)}`;
    json += `,"mtype":${MTYPE[c.media]}`;
    const ids = `&campaign=${encodeURIComponent(c.campaign)}&creative=${encodeURIComponent(c.id)}`;
    const html = c.media !== "native", esc = html ? amp : (s: string) => s;
    const [before, after] = c.markup;
    const clickTail = (t: 0 | 1) => lit(esc(`${MACROS}${ids}${TEST[t]}`) + (after ?? ""));
    p = {
      json, ids, html, hasClick: after !== null,
      admHead: lit(after === null ? before : before + esc(`${config.noticeBaseUrl}/v1/notify/click?bid=`)),
      admTail: [clickTail(0), clickTail(1)],
      nurlHead: lit(`${config.noticeBaseUrl}/v1/notify/win?bid=`), nurlMid: lit(WIN_MACROS),
      nurlTail: [lit(`${ids}${TEST[0]}`), lit(`${ids}${TEST[1]}`)],
    };
    cache.set(c, p);
  }
  return p;
}

/** Whether an id needs no escaping in a URL, HTML or JSON (our own bid ids always qualify). */
function plainId(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95 || c === 126;
    if (!ok) return false;
  }
  return s.length > 0;
}

/** The win notice URL of a bid (bp/bc are our price and currency). */
export function winUrl(config: BidConfig, d: BidDraft, currency: string): string {
  return `${config.noticeBaseUrl}/v1/notify/win?bid=${encodeURIComponent(d.bidId)}${WIN_MACROS}${d.price}&bc=${currency}` +
    `${partsOf(config, d.creative!).ids}${TEST[d.test ? 1 : 0]}`;
}

/** The click notice URL of a bid. */
export function clickUrl(config: BidConfig, d: BidDraft): string {
  return `${config.noticeBaseUrl}/v1/notify/click?bid=${encodeURIComponent(d.bidId)}${MACROS}${partsOf(config, d.creative!).ids}${TEST[d.test ? 1 : 0]}`;
}

/** The creative's markup with the click URL in place (HTML-escaped in banner and video markup). */
export function markupOf(config: BidConfig, d: BidDraft): string {
  const c = d.creative!, [before, after] = c.markup;
  if (after === null) return before;
  const url = clickUrl(config, d);
  return before + (partsOf(config, c).html ? amp(url) : url) + after;
}

/** ,"adm":"...","nurl":"..." of one bid: pre-escaped pieces for plain ids, else the general path. */
function noticeMembers(config: BidConfig, d: BidDraft, currency: string): string {
  const p = partsOf(config, d.creative!), t = d.test ? 1 : 0;
  if (!plainId(d.bidId)) return `,"adm":${JSON.stringify(markupOf(config, d))},"nurl":${JSON.stringify(winUrl(config, d, currency))}`;
  const adm = p.hasClick ? p.admHead + d.bidId + p.admTail[t] : p.admHead;
  return `,"adm":"${adm}","nurl":"${p.nurlHead}${d.bidId}${p.nurlMid}${d.price}&bc=${currency}${p.nurlTail[t]}"`;
}

/** The response body for `count` drafts (count >= 1; no bid is a 204 and has no body). */
export function buildBidResponse(requestId: string, currency: string, drafts: readonly BidDraft[], count: number, config: BidConfig): string {
  let s = `{"id":${JSON.stringify(requestId)},"seatbid":[{"seat":${JSON.stringify(config.seat)},"bid":[`;
  for (let k = 0; k < count; k++) {
    const d = drafts[k]!;
    if (k > 0) s += ",";
    s += `{"id":${JSON.stringify(d.bidId)},"impid":${JSON.stringify(d.impId)},"price":${d.price}${noticeMembers(config, d, currency)}${partsOf(config, d.creative!).json}`;
    if (d.w > 0 && d.h > 0) s += `,"w":${d.w},"h":${d.h}`;
    if (d.dealId !== null) s += `,"dealid":${JSON.stringify(d.dealId)}`;
    s += "}";
  }
  return `${s}]}],"cur":"${currency}"}`;
}
