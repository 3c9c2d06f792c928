// THE feature function of the bid path: scoring calls it on every impression, the bid event logs
// exactly what it wrote (feature-log.ts), and training reads those logs back. There is no second
// implementation anywhere (no training-side feature code), so training and serving cannot skew.
//
// Layout of the feature space (dimension = numeric count + buckets):
//   [0, NUMERIC_FEATURES.length)   named numeric features: request flags and log1p transforms of the
//                                  profile snapshot (counts per type and window, recency, spend, ...)
//   [NUMERIC_FEATURES.length, dim) hashed one-hot of the CATEGORICAL_FIELDS (feature-hash.ts), a
//                                  field's index salting its hash; multi-valued fields add 1 per value
// Invariants:
// - Deterministic: the same (request, imp, profile, nowMs) gives the same vector on any machine.
// - Numeric values are quantized to 1e-4, so the logged text is short and parses back to the very
//   doubles the model scored (Number(String(x)) === x for every double).
// - No allocation: values go into a caller-owned FeatureVector, reset by the caller between uses;
//   the optional trace (explainFeatures) is the only allocating path and is off when scoring.
// - Any change to names, order, transforms or hashing bumps FEATURE_SPACE_VERSION: the fingerprint
//   then changes and ctr-model.ts refuses models (and training refuses logs) of the old space.

import { assert } from "../core/assert.ts";
import { fieldSeed, finish, mixInt, mixSeparator, mixString, mixStringRange } from "./feature-hash.ts";
import { coerceId, coerceNumber, isObject, type NormalizedImp, type NormalizedRequest } from "./openrtb-request.ts";
import { SERVING_LIMITS } from "./serving-limits.ts";

export const FEATURE_SPACE_VERSION = 1;
export const FEATURE_HASH_NAME = "fnv1a32-fmix32-utf16-asciifold";
export const DEFAULT_HASH_BUCKETS = 1 << 14;

/** Event types the profile snapshot counts, in the order of ProfileSnapshot.counts. */
export const PROFILE_COUNT_TYPES = ["page_view", "view_item", "add_to_cart", "purchase", "impression", "click"] as const;
/** Windows of ProfileSnapshot.counts, in order. */
export const PROFILE_WINDOWS = ["1h", "24h", "7d"] as const;

/**
 * What the feature function reads about a user: the live profile store adapts to this. Unknown
 * numbers are NaN (they read as 0); the arrays may be empty.
 */
export interface ProfileSnapshot {
  /** counts[t * 3 + w]: events of PROFILE_COUNT_TYPES[t] in PROFILE_WINDOWS[w] before now. */
  readonly counts: ArrayLike<number>;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** Revenue to date, in the pricing base currency. */
  readonly spend: number;
  readonly orders: number;
  readonly sessions: number;
  readonly tags: readonly string[];
  readonly audiences: readonly string[];
}

const REQUEST_NUMERIC = [
  "floor_log1p", "instl", "rwdd", "is_app", "secure", "has_user_key", "eid_count_log1p", "segment_count_log1p",
  "lmt", "dnt", "gdpr", "personal_data", "profile_known",
] as const;
const COUNT_NAMES = PROFILE_COUNT_TYPES.flatMap((t) => PROFILE_WINDOWS.map((w) => `count_${w}_log1p:${t}`));
const PROFILE_NUMERIC = ["recency_hours_log1p", "tenure_days_log1p", "spend_log1p", "orders_log1p", "sessions_log1p"] as const;

export const NUMERIC_FEATURES: readonly string[] = [...REQUEST_NUMERIC, ...COUNT_NAMES, ...PROFILE_NUMERIC];
/** Index of each request numeric feature. */
const R = Object.fromEntries(REQUEST_NUMERIC.map((f, i) => [f, i])) as Record<(typeof REQUEST_NUMERIC)[number], number>;
const N_COUNTS = REQUEST_NUMERIC.length;
const N_PROFILE = N_COUNTS + COUNT_NAMES.length;

export const CATEGORICAL_FIELDS = [
  "devicetype", "os", "make", "country", "country_region", "connectiontype", "language", "site_domain", "app_bundle",
  "publisher", "tagid", "media", "size", "pos", "plcmt", "local_hour", "local_weekday", "content_cat", "segment",
  "profile_tag", "audience", "hour_x_devicetype", "inventory_x_size", "floor_cur", "user_key_source",
] as const;
const F = Object.fromEntries(CATEGORICAL_FIELDS.map((f, i) => [f, i])) as Record<(typeof CATEGORICAL_FIELDS)[number], number>;
const SEEDS = Uint32Array.from(CATEGORICAL_FIELDS, (_, i) => fieldSeed(i));

export interface FeatureSpace {
  readonly version: number;
  readonly hash: string;
  readonly buckets: number;
  readonly numeric: readonly string[];
  readonly categorical: readonly string[];
  /** numeric.length + buckets. */
  readonly dimension: number;
  /** Identifies all of the above: a model or a logged vector with another fingerprint is refused. */
  readonly fingerprint: string;
}

/** The feature space of this code with `buckets` hash buckets (a power of two). */
export function featureSpace(buckets = DEFAULT_HASH_BUCKETS): FeatureSpace {
  assert(Number.isInteger(buckets) && (buckets & (buckets - 1)) === 0 && buckets >= SERVING_LIMITS.HASH_BUCKETS_MIN &&
    buckets <= SERVING_LIMITS.HASH_BUCKETS_MAX, `hash buckets ${buckets} must be a power of two in [2^8, 2^22]`);
  const definition = JSON.stringify([FEATURE_SPACE_VERSION, FEATURE_HASH_NAME, buckets, NUMERIC_FEATURES, CATEGORICAL_FIELDS]);
  const digest = (Bun.hash.crc32(definition) >>> 0).toString(16).padStart(8, "0");
  return {
    version: FEATURE_SPACE_VERSION, hash: FEATURE_HASH_NAME, buckets, numeric: NUMERIC_FEATURES, categorical: CATEGORICAL_FIELDS,
    dimension: NUMERIC_FEATURES.length + buckets, fingerprint: `v${FEATURE_SPACE_VERSION}-b${buckets}-${digest}`,
  };
}

/** The name of feature `index`: a numeric feature's name, or "hash[<bucket>]". */
export function featureName(space: FeatureSpace, index: number): string {
  return index < space.numeric.length ? space.numeric[index]! : `hash[${index - space.numeric.length}]`;
}

/**
 * A dense vector over the feature space plus the list of its non-zero indices, so that the dot
 * product, the log and the reset cost the non-zeros, not the dimension.
 */
export class FeatureVector {
  readonly values: Float64Array;
  /** indices[0 .. count): the non-zero entries of values, in the order they were first written. */
  readonly indices = new Int32Array(SERVING_LIMITS.FEATURE_NNZ_MAX);
  count = 0;

  constructor(readonly dimension: number) {
    this.values = new Float64Array(dimension);
  }

  add(index: number, value: number): void {
    if (value === 0) return;
    if (this.values[index] === 0) {
      assert(this.count < this.indices.length, `more than ${this.indices.length} non-zero features`);
      this.indices[this.count++] = index;
    }
    this.values[index]! += value;
  }

  /** Back to all zeros, touching only the non-zeros. */
  reset(): void {
    for (let k = 0; k < this.count; k++) this.values[this.indices[k]!] = 0;
    this.count = 0;
  }
}

/** One written feature, for explainFeatures: what it is, where it went, its value. */
export interface FeatureTrace {
  feature: string;
  index: number;
  value: number;
}

const quantize = (v: number): number => Math.round(v * 1e4) / 1e4;
/** log1p of a count or amount; unknown, negative or non-finite read as 0. */
const lg = (v: number): number => (v > 0 && v < Infinity ? quantize(Math.log1p(v)) : 0);
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MEDIA_BANNER = 1, MEDIA_VIDEO = 2, MEDIA_AUDIO = 3, MEDIA_NATIVE = 4;

/**
 * Writes the features of (req, imp, profile) at nowMs into `out`, which must be all zeros (a fresh or
 * reset FeatureVector over `space`). `profile` is null when there is no user or no personal data.
 */
export function computeFeatures(space: FeatureSpace, req: NormalizedRequest, imp: NormalizedImp, profile: ProfileSnapshot | null,
  nowMs: number, out: FeatureVector, trace: FeatureTrace[] | null = null): void {
  assert(out.count === 0 && out.dimension === space.dimension, "computeFeatures needs a reset vector of the same space");
  writeRequestNumeric(req, imp, profile, out, trace);
  if (profile !== null) writeProfileNumeric(profile, nowMs, out, trace);
  const w = WRITER.start(space, out, trace);
  writeDevice(w, req);
  writeInventory(w, req, imp);
  writeTime(w, req, nowMs);
  writeLists(w, req, profile);
  if (imp.bidfloor > 0) w.str(F.floor_cur, imp.bidfloorcur);
  w.str(F.user_key_source, req.userKeySource);
}

function num(out: FeatureVector, trace: FeatureTrace[] | null, index: number, value: number): void {
  out.add(index, value);
  if (trace !== null && value !== 0) trace.push({ feature: NUMERIC_FEATURES[index]!, index, value });
}

function writeRequestNumeric(req: NormalizedRequest, imp: NormalizedImp, profile: ProfileSnapshot | null, out: FeatureVector, t: FeatureTrace[] | null): void {
  num(out, t, R.floor_log1p, lg(imp.bidfloor));
  num(out, t, R.instl, imp.instl ? 1 : 0);
  num(out, t, R.rwdd, imp.rwdd ? 1 : 0);
  num(out, t, R.is_app, req.isApp ? 1 : 0);
  num(out, t, R.secure, imp.secure ? 1 : 0);
  num(out, t, R.has_user_key, req.userKey !== null ? 1 : 0);
  num(out, t, R.eid_count_log1p, lg(req.eids === null ? 0 : req.eids.length));
  num(out, t, R.segment_count_log1p, lg(segmentCount(req.data)));
  num(out, t, R.lmt, req.lmt ? 1 : 0);
  num(out, t, R.dnt, req.dnt ? 1 : 0);
  num(out, t, R.gdpr, req.gdpr === 1 ? 1 : 0);
  num(out, t, R.personal_data, req.personalData ? 1 : 0);
  num(out, t, R.profile_known, profile !== null ? 1 : 0);
}

function segmentCount(data: readonly unknown[] | null): number {
  if (data === null) return 0;
  let n = 0;
  for (const d of data) if (isObject(d) && Array.isArray(d.segment)) n += d.segment.length;
  return n;
}

function writeProfileNumeric(p: ProfileSnapshot, nowMs: number, out: FeatureVector, t: FeatureTrace[] | null): void {
  const n = COUNT_NAMES.length;
  for (let k = 0; k < n; k++) num(out, t, N_COUNTS + k, lg(k < p.counts.length ? p.counts[k]! : 0));
  num(out, t, N_PROFILE, lg((nowMs - p.lastSeenMs) / HOUR_MS));
  num(out, t, N_PROFILE + 1, lg((nowMs - p.firstSeenMs) / DAY_MS));
  num(out, t, N_PROFILE + 2, lg(p.spend));
  num(out, t, N_PROFILE + 3, lg(p.orders));
  num(out, t, N_PROFILE + 4, lg(p.sessions));
}

/**
 * Writes hashed one-hot features. One instance serves every call (started per imp, so nothing is
 * allocated per request); computeFeatures never re-enters itself, so sharing it is safe.
 */
class CatWriter {
  private base = 0;
  private mask = 0;
  private out: FeatureVector | null = null;
  private trace: FeatureTrace[] | null = null;

  start(space: FeatureSpace, out: FeatureVector, trace: FeatureTrace[] | null): this {
    this.base = space.numeric.length;
    this.mask = space.buckets - 1;
    this.out = out;
    this.trace = trace;
    return this;
  }

  /** Sets the bucket of a finished hash; `a`/`b` describe the value for the trace only. */
  bucket(field: number, h: number, a: unknown, b?: unknown): void {
    const index = this.base + (finish(h) & this.mask);
    this.out!.add(index, 1);
    if (this.trace !== null) {
      const value = b === undefined ? String(a) : `${String(a)}|${String(b)}`;
      this.trace.push({ feature: `${CATEGORICAL_FIELDS[field]}=${value}`, index, value: 1 });
    }
  }

  str(field: number, v: string | null): void {
    if (v !== null) this.bucket(field, mixString(SEEDS[field]!, v), v);
  }

  int(field: number, v: number): void {
    if (Number.isFinite(v)) this.bucket(field, mixInt(SEEDS[field]!, v), v);
  }

  /** A string that may come as a number (ids): numbers are hashed as their decimal text. */
  idLike(field: number, v: unknown): void {
    if (typeof v === "string" && v.length > 0) this.str(field, v);
    else if (typeof v === "number") { const s = coerceId(v); if (s !== null) this.str(field, s); }
  }

  seed(field: number): number {
    return SEEDS[field]!;
  }
}

const WRITER = new CatWriter();

function writeDevice(w: CatWriter, req: NormalizedRequest): void {
  w.int(F.devicetype, req.devicetype);
  w.str(F.os, req.os);
  w.str(F.make, req.make);
  w.str(F.country, req.country);
  if (req.region !== null) w.bucket(F.country_region, mixString(mixSeparator(mixString(w.seed(F.country_region), req.country ?? "")), req.region), req.country, req.region);
  w.int(F.connectiontype, req.connectiontype);
  w.str(F.language, req.language);
}

/** The inventory's hash state under `seed`: site domain (or page host) or app bundle (or domain). */
function mixInventory(seed: number, req: NormalizedRequest): number {
  if (req.isApp) return req.bundle !== null ? mixString(seed, req.bundle) : req.domain !== null ? mixString(seed, req.domain) : 0;
  if (req.domain !== null) return mixString(seed, req.domain);
  return req.pageHostEnd > 0 ? mixStringRange(seed, req.page!, req.pageHostStart, req.pageHostEnd) : 0;
}

function inventoryText(req: NormalizedRequest): string {
  if (req.isApp) return req.bundle ?? req.domain ?? "";
  return req.domain ?? (req.page === null ? "" : req.page.slice(req.pageHostStart, req.pageHostEnd));
}

function writeInventory(w: CatWriter, req: NormalizedRequest, imp: NormalizedImp): void {
  const field = req.isApp ? F.app_bundle : F.site_domain;
  const inv = mixInventory(w.seed(field), req);
  if (inv !== 0) w.bucket(field, inv, inventoryText(req));
  w.idLike(F.publisher, req.publisherId);
  w.str(F.tagid, imp.tagid);
  if (imp.banner) w.int(F.media, MEDIA_BANNER);
  if (imp.video) w.int(F.media, MEDIA_VIDEO);
  if (imp.audio) w.int(F.media, MEDIA_AUDIO);
  if (imp.native) w.int(F.media, MEDIA_NATIVE);
  w.int(F.pos, imp.pos);
  w.int(F.plcmt, imp.plcmt);
  // Sizes: every banner format (or banner w x h), and the video player size.
  let firstW = NaN, firstH = NaN, n = 0;
  const formats = imp.formats;
  if (formats !== null) {
    for (let i = 0; i < formats.length && n < SERVING_LIMITS.BANNER_FORMATS_MAX; i++) {
      const f = formats[i];
      if (!isObject(f)) continue;
      const fw = coerceNumber(f.w), fh = coerceNumber(f.h);
      if (!(fw > 0 && fh > 0)) continue;
      size(w, fw, fh);
      if (n++ === 0) { firstW = fw; firstH = fh; }
    }
  }
  if (n === 0 && imp.w > 0 && imp.h > 0) { size(w, imp.w, imp.h); firstW = imp.w; firstH = imp.h; }
  if (imp.videoW > 0 && imp.videoH > 0) {
    size(w, imp.videoW, imp.videoH);
    if (!(firstW > 0)) { firstW = imp.videoW; firstH = imp.videoH; }
  }
  if (inv !== 0 && firstW > 0) {
    const h = mixInt(mixInt(mixSeparator(mixInventory(w.seed(F.inventory_x_size), req)), firstW), firstH);
    w.bucket(F.inventory_x_size, h, inventoryText(req), `${firstW}x${firstH}`);
  }
}

function size(w: CatWriter, width: number, height: number): void {
  w.bucket(F.size, mixInt(mixInt(w.seed(F.size), width), height), `${width}x${height}`);
}

function writeTime(w: CatWriter, req: NormalizedRequest, nowMs: number): void {
  const offset = req.utcoffset > -1440 && req.utcoffset < 1440 ? req.utcoffset : 0;
  const local = nowMs + offset * 60_000;
  const hour = Math.floor(local / HOUR_MS) % 24;
  w.int(F.local_hour, hour);
  // 1970-01-01 was a Thursday: weekday 0 is Sunday.
  w.int(F.local_weekday, (Math.floor(local / DAY_MS) + 4) % 7);
  if (Number.isFinite(req.devicetype)) {
    w.bucket(F.hour_x_devicetype, mixInt(mixInt(w.seed(F.hour_x_devicetype), hour), req.devicetype), hour, req.devicetype);
  }
}

function writeLists(w: CatWriter, req: NormalizedRequest, profile: ProfileSnapshot | null): void {
  let n = strings(w, F.content_cat, req.cat, 0);
  n = strings(w, F.content_cat, req.sectioncat, n);
  strings(w, F.content_cat, req.pagecat, n);
  segments(w, req.data);
  if (profile !== null) {
    strings(w, F.profile_tag, profile.tags, 0);
    strings(w, F.audience, profile.audiences, 0);
  }
}

/** Hashes the string entries of `list` until the field holds FEATURE_MULTI_MAX; returns the count. */
function strings(w: CatWriter, field: number, list: readonly unknown[] | null, n: number): number {
  if (list === null) return n;
  for (let i = 0; i < list.length && n < SERVING_LIMITS.FEATURE_MULTI_MAX; i++) {
    const v = list[i];
    if (typeof v === "string" && v.length > 0) { w.str(field, v); n++; }
  }
  return n;
}

/** user.data[].segment[].id, each hashed with its provider's data.id. */
function segments(w: CatWriter, data: readonly unknown[] | null): void {
  if (data === null) return;
  let n = 0;
  for (let i = 0; i < data.length && n < SERVING_LIMITS.FEATURE_MULTI_MAX; i++) {
    const d = data[i];
    if (!isObject(d) || !Array.isArray(d.segment)) continue;
    const provider = typeof d.id === "string" ? d.id : typeof d.id === "number" ? d.id : "";
    const seed = mixSeparator(typeof provider === "string" ? mixString(w.seed(F.segment), provider) : mixInt(w.seed(F.segment), provider));
    for (let j = 0; j < d.segment.length && n < SERVING_LIMITS.FEATURE_MULTI_MAX; j++) {
      const s = d.segment[j];
      const id = isObject(s) ? s.id : undefined;
      if (typeof id === "string" && id.length > 0) { w.bucket(F.segment, mixString(seed, id), provider, id); n++; }
      else if (typeof id === "number" && Number.isFinite(id)) { w.bucket(F.segment, mixInt(seed, id), provider, id); n++; }
    }
  }
}

/** Every feature the function writes for these inputs, with names and values (allocates: tests, debugging). */
export function explainFeatures(space: FeatureSpace, req: NormalizedRequest, imp: NormalizedImp, profile: ProfileSnapshot | null, nowMs: number): FeatureTrace[] {
  const trace: FeatureTrace[] = [];
  computeFeatures(space, req, imp, profile, nowMs, new FeatureVector(space.dimension), trace);
  return trace;
}
