// Validation and normalization of a parsed OpenRTB BidRequest (2.6, and the 2.5 `ext` locations that
// Prebid Server down-converts to) into a compact view the rest of the bid path reads.
//
// Owns: what makes a request malformed (the route answers 400 with no body) and where each field is
// read from. Invariants:
// - normalizeBidRequest writes into a caller-owned NormalizedRequest that is reused request after
//   request: no allocation on well-formed input beyond the rare coercion (a numeric id made a string,
//   `cur` sent as a bare string). The view holds references into the parsed body, so it is valid
//   until the next call with the same object; anything kept longer must be copied out first.
// - Unknown fields and unknown enum values are tolerated (spec 2.6 section 2.6): a leaf field of the
//   wrong type that only feeds features is read as unknown; structure (id, imp, site/app/device/user/
//   regs objects, media objects) and money (bidfloor, bidfloorcur, deals, tmax) of the wrong type
//   is malformed. Numbers sent as numeric strings are coerced ("0.50" is 0.5, never 0).
// - The 2.6 location wins when both are present: regs.gdpr > regs.ext.gdpr, regs.us_privacy >
//   regs.ext.us_privacy, user.consent > user.ext.consent, user.eids > user.ext.eids, source.schain >
//   source.ext.schain, imp.rwdd > imp.ext.prebid.is_rewarded_inventory.
// - Privacy policy (a documented choice, not legal advice): personal data (the profile lookup) is
//   off when regs.coppa=1, when gdpr=1 without a consent string (the TCF string is not decoded),
//   when us_privacy says opted out of sale (3rd character Y), or when device.dnt=1. device.ifa is
//   not used as a key when device.lmt=1.
// It must not: look anything up, price, or decide no-bid policy (blocked categories, seats,
// currencies): those are the scorer's, with the configuration.

import { SERVING_LIMITS } from "./serving-limits.ts";

export type MalformedReason =
  | "not_object" | "id_invalid" | "imp_missing" | "imp_empty" | "imp_too_many" | "imp_not_object"
  | "imp_id_invalid" | "imp_id_duplicate" | "imp_no_media" | "media_not_object" | "bidfloor_invalid"
  | "bidfloorcur_invalid" | "pmp_invalid" | "deal_invalid" | "site_and_app" | "object_invalid"
  | "tmax_invalid" | "cur_invalid";

/** Which identifier keyed the profile lookup. */
export type UserKeySource = "buyeruid" | "eid" | "ifa" | "none";

export interface NormalizedImp {
  id: string;
  banner: boolean;
  video: boolean;
  native: boolean;
  audio: boolean;
  /** banner.format (objects with w, h; malformed entries are skipped by readers), or null. */
  formats: readonly unknown[] | null;
  /** banner.w/h (NaN unknown). */
  w: number;
  h: number;
  /** banner.pos or video.pos (NaN unknown). */
  pos: number;
  /** video.w/h (NaN unknown) and video.plcmt (or deprecated placement). */
  videoW: number;
  videoH: number;
  plcmt: number;
  /** CPM floor, >= 0, in bidfloorcur (upper case). */
  bidfloor: number;
  bidfloorcur: string;
  tagid: string | null;
  instl: boolean;
  rwdd: boolean;
  secure: boolean;
  privateAuction: boolean;
  /** pmp.deals: every entry checked to be an object with an id and a valid floor. */
  deals: readonly Record<string, unknown>[] | null;
}

export interface NormalizedRequest {
  id: string;
  /** imps[0 .. impCount): a pool, longer than impCount after a larger request. */
  imps: NormalizedImp[];
  impCount: number;
  /** Milliseconds, NaN when absent (or 0, which Prebid Server also reads as absent). */
  tmax: number;
  /** Auction type: 2 when absent; NaN when not a number (treated as first price). */
  at: number;
  /** Currencies the exchange accepts; null = absent (USD). Entries that are not strings are skipped. */
  cur: readonly unknown[] | null;
  test: boolean;
  bcat: readonly unknown[] | null;
  badv: readonly unknown[] | null;
  bapp: readonly unknown[] | null;
  wseat: readonly unknown[] | null;
  bseat: readonly unknown[] | null;
  isApp: boolean;
  /** site.domain or app.domain. */
  domain: string | null;
  /** site.page, and the [start, end) of its host (both 0 when none). */
  page: string | null;
  pageHostStart: number;
  pageHostEnd: number;
  bundle: string | null;
  publisherId: string | null;
  /** site/app cat, sectioncat, pagecat (raw arrays). */
  cat: readonly unknown[] | null;
  sectioncat: readonly unknown[] | null;
  pagecat: readonly unknown[] | null;
  devicetype: number;
  os: string | null;
  make: string | null;
  language: string | null;
  connectiontype: number;
  ifa: string | null;
  lmt: boolean;
  dnt: boolean;
  /** device.geo.country, else user.geo.country (ISO-3166-1 alpha-3 per spec; not checked). */
  country: string | null;
  region: string | null;
  /** Minutes from UTC of the device (device.geo.utcoffset), NaN unknown. */
  utcoffset: number;
  buyeruid: string | null;
  exchangeUserId: string | null;
  eids: readonly unknown[] | null;
  /** user.data: segment providers. */
  data: readonly unknown[] | null;
  /** 1 applies, 0 does not, -1 unknown. */
  gdpr: number;
  consent: string | null;
  usPrivacy: string | null;
  coppa: boolean;
  schain: Record<string, unknown> | null;
  tid: string | null;
  /** Whether personal data may be used (the header's policy). */
  personalData: boolean;
  /** The profile key (null when none or personal data is off) and where it came from. */
  userKey: string | null;
  userKeySource: UserKeySource;
}

export interface NormalizeOptions {
  /** eids sources (domains) whose uids are our own user ids, in preference order. */
  readonly ourEidSources: readonly string[];
}

export function createNormalizedRequest(): NormalizedRequest {
  return {
    id: "", imps: [], impCount: 0, tmax: NaN, at: 2, cur: null, test: false, bcat: null, badv: null, bapp: null,
    wseat: null, bseat: null, isApp: false, domain: null, page: null, pageHostStart: 0, pageHostEnd: 0, bundle: null,
    publisherId: null, cat: null, sectioncat: null, pagecat: null, devicetype: NaN, os: null, make: null, language: null,
    connectiontype: NaN, ifa: null, lmt: false, dnt: false, country: null, region: null, utcoffset: NaN, buyeruid: null,
    exchangeUserId: null, eids: null, data: null, gdpr: -1, consent: null, usPrivacy: null, coppa: false, schain: null,
    tid: null, personalData: false, userKey: null, userKeySource: "none",
  };
}

function createImp(): NormalizedImp {
  return {
    id: "", banner: false, video: false, native: false, audio: false, formats: null, w: NaN, h: NaN, pos: NaN,
    videoW: NaN, videoH: NaN, plcmt: NaN, bidfloor: 0, bidfloorcur: "USD", tagid: null, instl: false, rwdd: false,
    secure: false, privateAuction: false, deals: null,
  };
}

type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** A number, or a string holding one ("0.50"); NaN for anything else (including "" and null). */
export function coerceNumber(v: unknown): number {
  if (typeof v === "number") return Number.isFinite(v) ? v : NaN;
  // Decimal text only: Number() would also take "0x1f", " 5" and "Infinity".
  if (typeof v === "string" && v.length > 0 && v.length < 32 && DECIMAL.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : NaN;
  }
  return NaN;
}

/** An id: a non-empty string up to ID_LENGTH_MAX, or a finite integer made a string; else null. */
export function coerceId(v: unknown): string | null {
  if (typeof v === "string") return v.length > 0 && v.length <= SERVING_LIMITS.ID_LENGTH_MAX ? v : null;
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  return null;
}

/** An ISO-4217 code as upper case, or null when not three letters. */
export function coerceCurrency(v: unknown): string | null {
  if (typeof v !== "string" || v.length !== 3) return null;
  for (let i = 0; i < 3; i++) {
    const c = v.charCodeAt(i) | 0x20;
    if (c < 97 || c > 122) return null;
  }
  return v.charCodeAt(0) < 97 && v.charCodeAt(1) < 97 && v.charCodeAt(2) < 97 ? v : v.toUpperCase();
}

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const arr = (v: unknown): readonly unknown[] | null => (Array.isArray(v) ? v : null);
const flag = (v: unknown): boolean => coerceNumber(v) === 1 || v === true;
const obj = (v: unknown): Obj | null => (isObject(v) ? v : null);
/** Absent is fine, an object is fine, anything else is malformed. */
const badObject = (v: unknown): boolean => v !== undefined && !isObject(v);

/**
 * Validates `body` (the result of JSON.parse) and writes its normalized view into `out`.
 * Returns null when the request is well formed, else why it is malformed (answer 400, no body).
 */
export function normalizeBidRequest(body: unknown, out: NormalizedRequest, options: NormalizeOptions): MalformedReason | null {
  if (!isObject(body)) return "not_object";
  const id = coerceId(body.id);
  if (id === null) return "id_invalid";
  out.id = id;
  const imps = body.imp;
  if (imps === undefined) return "imp_missing";
  if (!Array.isArray(imps)) return "imp_not_object";
  if (imps.length === 0) return "imp_empty";
  if (imps.length > SERVING_LIMITS.IMPS_MAX) return "imp_too_many";
  while (out.imps.length < imps.length) out.imps.push(createImp());
  for (let i = 0; i < imps.length; i++) {
    const reason = normalizeImp(imps[i], out.imps[i]!);
    if (reason !== null) return reason;
    for (let j = 0; j < i; j++) if (out.imps[j]!.id === out.imps[i]!.id) return "imp_id_duplicate";
  }
  out.impCount = imps.length;
  const reason = readTop(body, out) ?? readContext(body, out) ?? readDevice(body, out) ?? readUser(body, out) ?? readRegs(body, out);
  if (reason !== null) return reason;
  decidePrivacy(out, options);
  return null;
}

function normalizeImp(v: unknown, imp: NormalizedImp): MalformedReason | null {
  if (!isObject(v)) return "imp_not_object";
  const id = coerceId(v.id);
  if (id === null) return "imp_id_invalid";
  imp.id = id;
  const banner = v.banner, video = v.video, native = v.native, audio = v.audio;
  if (badObject(banner) || badObject(video) || badObject(native) || badObject(audio)) return "media_not_object";
  imp.banner = banner !== undefined;
  imp.video = video !== undefined;
  imp.native = native !== undefined;
  imp.audio = audio !== undefined;
  if (!imp.banner && !imp.video && !imp.native && !imp.audio) return "imp_no_media";
  imp.formats = null; imp.w = NaN; imp.h = NaN; imp.pos = NaN; imp.videoW = NaN; imp.videoH = NaN; imp.plcmt = NaN;
  if (isObject(banner)) {
    imp.formats = arr(banner.format);
    imp.w = coerceNumber(banner.w);
    imp.h = coerceNumber(banner.h);
    imp.pos = coerceNumber(banner.pos);
  }
  if (isObject(video)) {
    imp.videoW = coerceNumber(video.w);
    imp.videoH = coerceNumber(video.h);
    imp.plcmt = video.plcmt !== undefined ? coerceNumber(video.plcmt) : coerceNumber(video.placement);
    if (Number.isNaN(imp.pos)) imp.pos = coerceNumber(video.pos);
  }
  if (v.bidfloor === undefined) imp.bidfloor = 0;
  else {
    imp.bidfloor = coerceNumber(v.bidfloor);
    if (!(imp.bidfloor >= 0)) return "bidfloor_invalid";
  }
  if (v.bidfloorcur === undefined) imp.bidfloorcur = "USD";
  else {
    const cur = coerceCurrency(v.bidfloorcur);
    if (cur === null) return "bidfloorcur_invalid";
    imp.bidfloorcur = cur;
  }
  imp.tagid = typeof v.tagid === "number" ? coerceId(v.tagid) : str(v.tagid);
  imp.instl = flag(v.instl);
  const ext = obj(v.ext), prebid = ext === null ? null : obj(ext.prebid);
  imp.rwdd = v.rwdd !== undefined ? flag(v.rwdd) : prebid !== null && flag(prebid.is_rewarded_inventory);
  imp.secure = flag(v.secure);
  return readPmp(v.pmp, imp);
}

function readPmp(pmp: unknown, imp: NormalizedImp): MalformedReason | null {
  imp.privateAuction = false;
  imp.deals = null;
  if (pmp === undefined) return null;
  if (!isObject(pmp)) return "pmp_invalid";
  imp.privateAuction = flag(pmp.private_auction);
  if (pmp.deals === undefined) return null;
  if (!Array.isArray(pmp.deals)) return "pmp_invalid";
  for (const d of pmp.deals) {
    if (!isObject(d) || coerceId(d.id) === null) return "deal_invalid";
    if (d.bidfloor !== undefined && !(coerceNumber(d.bidfloor) >= 0)) return "deal_invalid";
    if (d.bidfloorcur !== undefined && coerceCurrency(d.bidfloorcur) === null) return "deal_invalid";
  }
  imp.deals = pmp.deals as Record<string, unknown>[];
  return null;
}

function readTop(body: Obj, out: NormalizedRequest): MalformedReason | null {
  const tmax = body.tmax;
  if (tmax === undefined) out.tmax = NaN;
  else {
    const t = coerceNumber(tmax);
    if (!(t >= 0)) return "tmax_invalid";
    out.tmax = t === 0 ? NaN : t;
  }
  out.at = body.at === undefined ? 2 : coerceNumber(body.at);
  const cur = body.cur;
  if (cur === undefined) out.cur = null;
  else if (Array.isArray(cur)) out.cur = cur;
  else if (typeof cur === "string") out.cur = [cur];
  else return "cur_invalid";
  out.test = flag(body.test);
  out.bcat = arr(body.bcat);
  out.badv = arr(body.badv);
  out.bapp = arr(body.bapp);
  out.wseat = arr(body.wseat);
  out.bseat = arr(body.bseat);
  const source = body.source;
  if (badObject(source)) return "object_invalid";
  const src = source as Obj | undefined;
  out.tid = src === undefined ? null : str(src.tid);
  const srcExt = src === undefined ? null : obj(src.ext);
  out.schain = src === undefined ? null : obj(src.schain) ?? (srcExt === null ? null : obj(srcExt.schain));
  return null;
}

function readContext(body: Obj, out: NormalizedRequest): MalformedReason | null {
  const site = body.site, app = body.app;
  if (badObject(site) || badObject(app)) return "object_invalid";
  if (site !== undefined && app !== undefined) return "site_and_app";
  const ctx = (site ?? app) as Obj | undefined;
  out.isApp = app !== undefined;
  out.domain = ctx === undefined ? null : str(ctx.domain);
  out.bundle = app === undefined ? null : str((app as Obj).bundle);
  out.page = site === undefined ? null : str((site as Obj).page);
  hostOf(out);
  const publisher = ctx === undefined ? null : obj(ctx.publisher);
  out.publisherId = publisher === null ? null : coerceId(publisher.id);
  out.cat = ctx === undefined ? null : arr(ctx.cat);
  out.sectioncat = ctx === undefined ? null : arr(ctx.sectioncat);
  out.pagecat = ctx === undefined ? null : arr(ctx.pagecat);
  return null;
}

/** The host of site.page: after "//" up to the first "/", "?", "#" or ":", without allocating. */
function hostOf(out: NormalizedRequest): void {
  out.pageHostStart = out.pageHostEnd = 0;
  const page = out.page;
  if (page === null) return;
  const scheme = page.indexOf("//");
  const start = scheme < 0 ? 0 : scheme + 2;
  let end = start;
  while (end < page.length) {
    const c = page.charCodeAt(end);
    if (c === 47 || c === 63 || c === 35 || c === 58) break;
    end++;
  }
  if (end > start) { out.pageHostStart = start; out.pageHostEnd = end; }
}

function readDevice(body: Obj, out: NormalizedRequest): MalformedReason | null {
  const device = body.device;
  if (badObject(device)) return "object_invalid";
  const d = device as Obj | undefined;
  out.devicetype = d === undefined ? NaN : coerceNumber(d.devicetype);
  out.os = d === undefined ? null : str(d.os);
  out.make = d === undefined ? null : str(d.make);
  out.language = d === undefined ? null : str(d.language);
  out.connectiontype = d === undefined ? NaN : coerceNumber(d.connectiontype);
  out.ifa = d === undefined ? null : str(d.ifa);
  out.lmt = d !== undefined && flag(d.lmt);
  out.dnt = d !== undefined && flag(d.dnt);
  const geo = d === undefined ? null : obj(d.geo);
  out.country = geo === null ? null : str(geo.country);
  out.region = geo === null ? null : str(geo.region);
  out.utcoffset = geo === null ? NaN : coerceNumber(geo.utcoffset);
  return null;
}

function readUser(body: Obj, out: NormalizedRequest): MalformedReason | null {
  const user = body.user;
  if (badObject(user)) return "object_invalid";
  const u = user as Obj | undefined;
  const ext = u === undefined ? null : obj(u.ext);
  out.buyeruid = u === undefined ? null : coerceId(u.buyeruid);
  out.exchangeUserId = u === undefined ? null : coerceId(u.id);
  out.eids = u === undefined ? null : arr(u.eids) ?? (ext === null ? null : arr(ext.eids));
  out.data = u === undefined ? null : arr(u.data);
  out.consent = u === undefined ? null : str(u.consent) ?? (ext === null ? null : str(ext.consent));
  if (out.country === null && u !== undefined) {
    const geo = obj(u.geo);
    if (geo !== null) out.country = str(geo.country);
  }
  return null;
}

function readRegs(body: Obj, out: NormalizedRequest): MalformedReason | null {
  const regs = body.regs;
  if (badObject(regs)) return "object_invalid";
  const r = regs as Obj | undefined;
  const ext = r === undefined ? null : obj(r.ext);
  out.coppa = r !== undefined && flag(r.coppa);
  const gdpr = r === undefined ? undefined : r.gdpr !== undefined ? r.gdpr : ext === null ? undefined : ext.gdpr;
  const g = coerceNumber(gdpr);
  out.gdpr = g === 1 ? 1 : g === 0 ? 0 : -1;
  out.usPrivacy = r === undefined ? null : str(r.us_privacy) ?? (ext === null ? null : str(ext.us_privacy));
  return null;
}

function decidePrivacy(out: NormalizedRequest, options: NormalizeOptions): void {
  const optedOut = out.usPrivacy !== null && out.usPrivacy.length >= 3 && (out.usPrivacy.charCodeAt(2) | 0x20) === 121;
  out.personalData = !out.coppa && !(out.gdpr === 1 && out.consent === null) && !optedOut && !out.dnt;
  out.userKey = null;
  out.userKeySource = "none";
  if (!out.personalData) return;
  if (out.buyeruid !== null) { out.userKey = out.buyeruid; out.userKeySource = "buyeruid"; return; }
  const eid = ourEid(out.eids, options.ourEidSources);
  if (eid !== null) { out.userKey = eid; out.userKeySource = "eid"; return; }
  if (out.ifa !== null && !out.lmt) { out.userKey = out.ifa; out.userKeySource = "ifa"; }
}

/** The first uid of the first eid whose source is ours (in our preference order). */
function ourEid(eids: readonly unknown[] | null, sources: readonly string[]): string | null {
  if (eids === null) return null;
  for (const source of sources) {
    for (const e of eids) {
      if (!isObject(e) || e.source !== source || !Array.isArray(e.uids)) continue;
      for (const u of e.uids) {
        const id = isObject(u) ? coerceId(u.id) : null;
        if (id !== null) return id;
      }
    }
  }
  return null;
}
