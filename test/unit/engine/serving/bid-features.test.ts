import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  CATEGORICAL_FIELDS, computeFeatures, explainFeatures, featureSpace, FeatureVector, NUMERIC_FEATURES, PROFILE_COUNT_TYPES, PROFILE_WINDOWS,
  type ProfileSnapshot,
} from "../../../../engine/serving/bid-features.ts";
import { decodeFeatures, encodeFeatures } from "../../../../engine/serving/feature-log.ts";
import { createNormalizedRequest, normalizeBidRequest, type NormalizedRequest } from "../../../../engine/serving/openrtb-request.ts";
import { SERVING_LIMITS } from "../../../../engine/serving/serving-limits.ts";
import { fixture } from "./serving-fixtures.ts";

const SPACE = featureSpace(1 << 12);
const NOW = Date.UTC(2026, 11, 4, 15, 30); // a Friday, 15:30 UTC
const DAY = 86_400_000;

function request(body: unknown): NormalizedRequest {
  const req = createNormalizedRequest();
  expect(normalizeBidRequest(body, req, { ourEidSources: ["caracal.example"] })).toBeNull();
  return req;
}

const PROFILE: ProfileSnapshot = {
  // page_view 3/20/90, view_item 1/4/12, add_to_cart 0/1/2, purchase 0/0/1, impression 5/40/200, click 0/1/3
  counts: [3, 20, 90, 1, 4, 12, 0, 1, 2, 0, 0, 1, 5, 40, 200, 0, 1, 3],
  firstSeenMs: NOW - 30 * DAY, lastSeenMs: NOW - 2 * 3_600_000, spend: 129.9, orders: 2, sessions: 14,
  tags: ["vip", "newsletter"], audiences: ["cart_abandoners_7d"],
};

const q = (v: number) => Math.round(Math.log1p(v) * 1e4) / 1e4;

test("every feature of banner-site.json with a profile, by name and value", () => {
  const req = request(fixture("banner-site.json"));
  const trace = explainFeatures(SPACE, req, req.imps[0]!, PROFILE, NOW);
  const got = Object.fromEntries(trace.map((t) => [t.feature, t.value]));
  const counts: Record<string, number> = {};
  PROFILE_COUNT_TYPES.forEach((t, i) => PROFILE_WINDOWS.forEach((w, j) => {
    const c = PROFILE.counts[i * 3 + j]!;
    if (c > 0) counts[`count_${w}_log1p:${t}`] = q(c);
  }));
  expect(got).toEqual({
    floor_log1p: q(0.5), secure: 1, has_user_key: 1, eid_count_log1p: q(2), segment_count_log1p: q(4), personal_data: 1, profile_known: 1,
    ...counts, recency_hours_log1p: q(2), tenure_days_log1p: q(30), spend_log1p: q(129.9), orders_log1p: q(2), sessions_log1p: q(14),
    "devicetype=2": 1, "os=Windows": 1, "make=Microsoft": 1, "country=USA": 1, "country_region=USA|CA": 1, "connectiontype=2": 1, "language=en": 1,
    "site_domain=news.example.com": 1, "publisher=8953": 1, "tagid=homepage-leaderboard-atf": 1, "media=1": 1, "pos=1": 1,
    "size=728x90": 1, "size=970x90": 1, "size=970x250": 1, "inventory_x_size=news.example.com|728x90": 1,
    // utcoffset -480: 07:30 local on Friday (weekday 5)
    "local_hour=7": 1, "local_weekday=5": 1, "hour_x_devicetype=7|2": 1,
    "content_cat=IAB12": 1, "content_cat=IAB12-1": 1, "content_cat=IAB12-2": 1, "content_cat=IAB12-3": 1,
    "segment=pubprovided|1001": 1, "segment=pubprovided|1007": 1, "segment=pubprovided|2033": 1, "segment=7|finance": 1,
    "profile_tag=vip": 1, "profile_tag=newsletter": 1, "audience=cart_abandoners_7d": 1, "floor_cur=USD": 1, "user_key_source=buyeruid": 1,
  });
  // Numeric features sit at their named index, hashed ones after them.
  for (const t of trace) {
    const numeric = NUMERIC_FEATURES.indexOf(t.feature);
    if (numeric >= 0) expect(t.index).toBe(numeric);
    else expect(t.index >= NUMERIC_FEATURES.length && t.index < SPACE.dimension).toBe(true);
  }
});

test("the vector holds exactly what the trace says (collisions add up)", () => {
  const req = request(fixture("banner-site.json"));
  const trace = explainFeatures(SPACE, req, req.imps[0]!, PROFILE, NOW);
  const expected = new Map<number, number>();
  for (const t of trace) expected.set(t.index, (expected.get(t.index) ?? 0) + t.value);
  const v = new FeatureVector(SPACE.dimension);
  computeFeatures(SPACE, req, req.imps[0]!, PROFILE, NOW, v);
  const got = new Map<number, number>();
  for (let k = 0; k < v.count; k++) got.set(v.indices[k]!, v.values[v.indices[k]!]!);
  expect(got).toEqual(expected);
});

test("deterministic: same inputs, same vector, through a reused vector and a fresh view; reset leaves zeros", () => {
  const v = new FeatureVector(SPACE.dimension);
  const logs: string[] = [];
  for (const name of ["banner-site.json", "native-site.json", "banner-site.json", "video-app.json", "banner-site.json"]) {
    const req = request(fixture(name));
    v.reset();
    computeFeatures(SPACE, req, req.imps[0]!, name === "video-app.json" ? null : PROFILE, NOW, v);
    logs.push(encodeFeatures(v));
  }
  v.reset();
  expect({ same: [logs[0] === logs[2], logs[2] === logs[4], logs[0] === logs[1]], zeros: v.values.every((x) => x === 0), count: v.count })
    .toEqual({ same: [true, true, false], zeros: true, count: 0 });
});

test("the 2.5 ext request gives the same features as the 2.6 one", () => {
  const a = request(fixture("banner-site.json")), b = request(fixture("banner-site-ortb25-ext.json"));
  const log = (r: NormalizedRequest) => {
    const v = new FeatureVector(SPACE.dimension);
    computeFeatures(SPACE, r, r.imps[0]!, PROFILE, NOW, v);
    return encodeFeatures(v);
  };
  expect(log(b)).toBe(log(a));
});

test("categorical values hash case-insensitively; a page host stands in for a missing domain", () => {
  const body = fixture("banner-site.json") as any;
  const upper = structuredClone(body);
  upper.device.os = "WINDOWS"; upper.site.domain = "NEWS.Example.COM";
  const noDomain = structuredClone(body);
  delete noDomain.site.domain;
  const enc = (b: unknown) => {
    const r = request(b), v = new FeatureVector(SPACE.dimension);
    computeFeatures(SPACE, r, r.imps[0]!, null, NOW, v);
    return encodeFeatures(v);
  };
  expect([enc(upper), enc(noDomain)]).toEqual([enc(body), enc(body)]);
});

test(`multi-valued fields stop at ${SERVING_LIMITS.FEATURE_MULTI_MAX} values`, () => {
  const body = { id: "m", imp: [{ id: "1", banner: {} }], site: { cat: Array.from({ length: 40 }, (_, i) => `IAB${i}`) },
    user: { data: [{ id: "p", segment: Array.from({ length: 40 }, (_, i) => ({ id: `s${i}` })) }] } };
  const req = request(body);
  const trace = explainFeatures(SPACE, req, req.imps[0]!, { ...PROFILE, tags: Array.from({ length: 40 }, (_, i) => `t${i}`) }, NOW);
  const count = (prefix: string) => trace.filter((t) => t.feature.startsWith(prefix)).length;
  expect([count("content_cat="), count("segment="), count("profile_tag=")])
    .toEqual([SERVING_LIMITS.FEATURE_MULTI_MAX, SERVING_LIMITS.FEATURE_MULTI_MAX, SERVING_LIMITS.FEATURE_MULTI_MAX]);
});

test("the feature log round-trips every fixture's vector bit for bit", () => {
  for (const name of ["banner-site.json", "banner-app-mobile.json", "video-app.json", "native-site.json", "no-user-id-pmp.json", "coercible-types.json"]) {
    const req = request(fixture(name));
    const v = new FeatureVector(SPACE.dimension), back = new FeatureVector(SPACE.dimension);
    computeFeatures(SPACE, req, req.imps[0]!, PROFILE, NOW, v);
    const text = encodeFeatures(v);
    expect(decodeFeatures(text, back)).toBe(true);
    expect({ values: Array.from(back.values), text: encodeFeatures(back) }).toEqual({ values: Array.from(v.values), text });
  }
});

test("the feature log round-trips arbitrary vectors (property)", () => {
  const seed = Number(process.env.SEED ?? 20261204);
  console.log(`feature-log round-trip seed=${seed}`);
  const dim = SPACE.dimension;
  fc.assert(fc.property(
    fc.uniqueArray(fc.integer({ min: 0, max: dim - 1 }), { maxLength: 100 }),
    fc.array(fc.oneof(fc.constant(1), fc.constant(2), fc.double({ min: 1e-300, max: 1e300, noNaN: true })), { minLength: 100, maxLength: 100 }),
    (indices, values) => {
      const v = new FeatureVector(dim), back = new FeatureVector(dim);
      indices.forEach((i, k) => v.add(i, values[k]!));
      const expected = Array.from(v.values);
      expect(decodeFeatures(encodeFeatures(v), back)).toBe(true);
      expect(Array.from(back.values)).toEqual(expected);
    }), { seed, numRuns: 300 });
});

test("decodeFeatures refuses what encodeFeatures cannot write", () => {
  const v = new FeatureVector(SPACE.dimension);
  const bad = ["3,1", "1,1", "-1", "01", "1:", "1:abc", "1:0", "1:1e400", "1:1.50", "1,", ",1", "1:2:3", `${SPACE.dimension}`, "x", "1 ,2",
    "1".repeat(SERVING_LIMITS.FEATURE_LOG_LENGTH_MAX + 1)];
  const results = bad.map((s) => decodeFeatures(s, v) || v.count !== 0);
  expect(results).toEqual(bad.map(() => false));
  expect([decodeFeatures("", v), decodeFeatures("0:0.5,2,7:3", v), v.count, v.values[7]]).toEqual([true, true, 3, 3]);
});

test("the fingerprint changes with the bucket count; bucket counts are powers of two in range", () => {
  expect([featureSpace(1 << 12).fingerprint === featureSpace(1 << 12).fingerprint, featureSpace(1 << 12).fingerprint === featureSpace(1 << 13).fingerprint,
    featureSpace(1 << 12).dimension]).toEqual([true, false, NUMERIC_FEATURES.length + 4096]);
  expect(() => featureSpace(1000)).toThrow("power of two");
  expect(() => featureSpace(1 << 23)).toThrow("power of two");
  expect(new Set(CATEGORICAL_FIELDS).size).toBe(CATEGORICAL_FIELDS.length as number);
});

test("a request without device, user or site still gets features; no profile writes no profile feature", () => {
  const req = request({ id: "bare", imp: [{ id: "1", audio: {} }] });
  const names = explainFeatures(SPACE, req, req.imps[0]!, null, NOW).map((t) => t.feature).sort();
  // Nothing forbids personal data here; there is just no user to look up.
  expect(names).toEqual(["local_hour=15", "local_weekday=5", "media=3", "personal_data", "user_key_source=none"]);
});
