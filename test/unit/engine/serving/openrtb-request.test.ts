import { expect, test } from "bun:test";
import fc from "fast-check";
import { createNormalizedRequest, normalizeBidRequest, type NormalizedRequest } from "../../../../engine/serving/openrtb-request.ts";
import { SERVING_LIMITS } from "../../../../engine/serving/serving-limits.ts";
import { fixture, fixtureText } from "./serving-fixtures.ts";

const OPTIONS = { ourEidSources: ["caracal.example"] };

function normalize(body: unknown): { reason: string | null; req: NormalizedRequest } {
  const req = createNormalizedRequest();
  return { reason: normalizeBidRequest(body, req, OPTIONS), req };
}

/** The view without the imp pool, imps as plain objects. */
function view(req: NormalizedRequest): Record<string, unknown> {
  const { imps, ...rest } = req;
  return { ...rest, imps: imps.slice(0, req.impCount).map((i) => ({ ...i })) };
}

test("banner-site.json (2.6 locations) normalizes to the fields a scorer reads", () => {
  const body = fixture("banner-site.json");
  const { reason, req } = normalize(body);
  const b = body as any;
  expect({ reason, ...view(req) } as Record<string, unknown>).toEqual({
    reason: null, id: "80ce30c53c16e6ede735f123ef6e32361bfc7b22", impCount: 1, tmax: 120, at: 1, cur: ["USD", "EUR"], test: false,
    bcat: b.bcat, badv: b.badv, bapp: null, wseat: null, bseat: null, isApp: false, domain: "news.example.com",
    page: b.site.page, pageHostStart: 8, pageHostEnd: 24, bundle: null, publisherId: "8953", cat: ["IAB12", "IAB12-1"],
    sectioncat: ["IAB12-2"], pagecat: ["IAB12-3"], devicetype: 2, os: "Windows", make: "Microsoft", language: "en", connectiontype: 2,
    ifa: null, lmt: false, dnt: false, country: "USA", region: "CA", utcoffset: -480, buyeruid: "cus_0k3x9qa1",
    exchangeUserId: "55816b39711f9b5acf3b90e313ed29e51665623f", eids: b.user.eids, data: b.user.data, gdpr: 0, consent: b.user.consent,
    usPrivacy: "1YNN", coppa: false, schain: b.source.schain, tid: "ebda6e9d-1c89-4e3f-a59d-8e0a7c1ae5d1", personalData: true,
    userKey: "cus_0k3x9qa1", userKeySource: "buyeruid",
    imps: [{
      id: "1", banner: true, video: false, native: false, audio: false, formats: b.imp[0].banner.format, w: NaN, h: NaN, pos: 1,
      videoW: NaN, videoH: NaN, plcmt: NaN, bidfloor: 0.5, bidfloorcur: "USD", tagid: "homepage-leaderboard-atf", instl: false, rwdd: false,
      secure: true, privateAuction: false, deals: null,
    }],
  });
  expect(req.page!.slice(req.pageHostStart, req.pageHostEnd)).toBe("news.example.com");
});

test("the 2.5 ext locations give the same view as the 2.6 ones", () => {
  const a = normalize(fixture("banner-site.json")), b = normalize(fixture("banner-site-ortb25-ext.json"));
  const { id: _a, ...va } = view(a.req), { id: _b, ...vb } = view(b.req);
  expect({ reason: b.reason, view: vb }).toEqual({ reason: null, view: va });
});

test("2.5 ext locations carry gdpr, us_privacy, consent, eids and rwdd when they are the only ones", () => {
  const { reason, req } = normalize(fixture("video-app-ortb25-ext.json"));
  expect({ reason, gdpr: req.gdpr, usPrivacy: req.usPrivacy, consent: req.consent?.slice(0, 12), eids: req.eids?.length, rwdd: req.imps[0]!.rwdd,
    personalData: req.personalData, userKey: req.userKey, userKeySource: req.userKeySource })
    .toEqual({ reason: null, gdpr: 1, usPrivacy: "1NNN", consent: "CPz1DoAPz1Do", eids: 1, rwdd: true, personalData: true, userKey: "anon_77aa", userKeySource: "buyeruid" });
});

test("the 2.6 location wins when both are present", () => {
  const body = fixture("banner-site.json") as any;
  body.regs.ext = { gdpr: 1, us_privacy: "1YYN" };
  body.user.ext = { consent: "other", eids: [] };
  body.source.ext = { schain: { complete: 0 } };
  body.imp[0].rwdd = 0;
  body.imp[0].ext.prebid = { is_rewarded_inventory: 1 };
  const { req } = normalize(body);
  expect({ gdpr: req.gdpr, usPrivacy: req.usPrivacy, consent: req.consent === body.user.consent, eids: req.eids?.length, schain: req.schain, rwdd: req.imps[0]!.rwdd })
    .toEqual({ gdpr: 0, usPrivacy: "1YNN", consent: true, eids: 2, schain: body.source.schain, rwdd: false });
});

test("app, video, native and PMP fixtures", () => {
  const app = normalize(fixture("banner-app-mobile.json")).req;
  const video = normalize(fixture("video-app.json")).req;
  const native = normalize(fixture("native-site.json")).req;
  const nativeObject = normalize(fixture("native-request-as-object.json"));
  const pmp = normalize(fixture("no-user-id-pmp.json")).req;
  expect({
    app: [app.isApp, app.bundle, app.domain, app.devicetype, app.ifa, app.imps[0]!.w, app.imps[0]!.h, app.at, app.gdpr, app.personalData, app.userKey],
    video: [video.imps[0]!.video, video.imps[0]!.videoW, video.imps[0]!.plcmt, video.imps[0]!.instl, video.imps[0]!.rwdd, video.imps[0]!.pos, video.userKey],
    native: [native.imps[0]!.native, native.personalData, native.userKey],
    nativeObject: [nativeObject.reason, nativeObject.req.imps[0]!.native],
    pmp: [pmp.imps[0]!.privateAuction, pmp.imps[0]!.deals!.length, pmp.dnt, pmp.usPrivacy, pmp.personalData, pmp.userKey, pmp.userKeySource],
  }).toEqual({
    // gdpr=1 without consent: no personal data, so no profile key even though the ifa is there
    app: [true, "com.example.weatherplus", "weatherplus.example", 4, "6f1e9c07-4d9f-4a1b-9e58-2f9c0d7b1a33", 320, 50, 2, 1, false, null],
    video: [true, 640, 3, true, true, 7, "anon_77aa"],
    native: [true, false, null],
    nativeObject: [null, true],
    pmp: [true, 2, true, "1YYN", false, null, "none"],
  });
});

test("user key order: buyeruid, then our eid source, then the ifa unless lmt=1", () => {
  const key = (user: unknown, device: unknown) => {
    const { req } = normalize({ id: "k", imp: [{ id: "1", banner: {} }], user, device });
    return [req.userKey, req.userKeySource];
  };
  const eids = [{ source: "other.example", uids: [{ id: "o1" }] }, { source: "caracal.example", uids: [{ id: 17 }, { id: "c2" }] }];
  expect([
    key({ buyeruid: "b1", eids }, { ifa: "i1" }),
    key({ eids }, { ifa: "i1" }),
    key({ ext: { eids } }, { ifa: "i1" }),
    key({ eids: [eids[0]] }, { ifa: "i1" }),
    key({}, { ifa: "i1", lmt: 1 }),
    key(undefined, undefined),
  ]).toEqual([["b1", "buyeruid"], ["17", "eid"], ["17", "eid"], ["i1", "ifa"], [null, "none"], [null, "none"]]);
});

test("privacy gates: coppa, gdpr without consent, us_privacy opt-out, dnt", () => {
  const personal = (regs: unknown, user: Record<string, unknown> = {}, device: unknown = {}) => {
    const { req } = normalize({ id: "p", imp: [{ id: "1", banner: {} }], regs, user: { buyeruid: "b", ...user }, device });
    return req.personalData;
  };
  expect([
    personal(undefined), personal({ coppa: 1 }), personal({ gdpr: 1 }), personal({ gdpr: 1 }, { consent: "CP..." }),
    personal({ ext: { gdpr: 1 } }, { ext: { consent: "CP..." } }), personal({ us_privacy: "1YYN" }), personal({ us_privacy: "1yyn" }),
    personal({ us_privacy: "1---" }), personal({}, {}, { dnt: 1 }),
  ]).toEqual([true, false, false, true, true, false, false, true, false]);
});

test("numbers sent as strings are coerced: '0.50' is 0.5, never 0", () => {
  const { reason, req } = normalize(fixture("coercible-types.json"));
  const imp = req.imps[0]!;
  expect({ reason, id: req.id, at: req.at, tmax: req.tmax, cur: req.cur, impId: imp.id, floor: imp.bidfloor, floorCur: imp.bidfloorcur, pos: imp.pos,
    secure: imp.secure, devicetype: req.devicetype, utcoffset: req.utcoffset, publisher: req.publisherId })
    .toEqual({ reason: null, id: "987654321", at: 1, tmax: 150, cur: ["USD"], impId: "1", floor: 0.5, floorCur: "USD", pos: 1, secure: true,
      devicetype: 2, utcoffset: -300, publisher: "77" });
});

test("valid edge cases: a high floor, a tiny tmax, tmax 0 read as absent", () => {
  const floors = normalize(fixture("bidfloor-above-any-bid.json"));
  const tiny = normalize(fixture("tmax-too-small.json"));
  const zero = normalize({ id: "z", tmax: 0, imp: [{ id: "1", audio: {} }] });
  expect([floors.reason, floors.req.imps[0]!.bidfloor, tiny.reason, tiny.req.tmax, zero.reason, zero.req.tmax])
    .toEqual([null, 250000, null, 1, null, NaN]);
});

test("malformed requests get a reason (the route answers 400 with no body)", () => {
  const cases: Record<string, string> = {
    "bad-missing-imp.json": "imp_missing", "bad-empty-imp-array.json": "imp_empty", "bad-imp-no-media-type.json": "imp_no_media",
    "bad-site-and-app.json": "site_and_app", "bad-duplicate-imp-ids.json": "imp_id_duplicate", "bad-tmax-negative.json": "tmax_invalid",
    "bad-tmax-null.json": "tmax_invalid", "bad-id-array.json": "id_invalid", "bad-id-missing.json": "id_invalid",
    "bad-imp-object.json": "imp_not_object", "bad-site-string.json": "object_invalid", "bad-user-array.json": "object_invalid",
    "bad-banner-string.json": "media_not_object", "bad-bidfloor-text.json": "bidfloor_invalid", "bad-bidfloor-negative.json": "bidfloor_invalid",
    "bad-bidfloorcur.json": "bidfloorcur_invalid", "bad-imp-id-empty.json": "imp_id_invalid", "bad-deal-without-id.json": "deal_invalid",
    "bad-cur-object.json": "cur_invalid", "bad-null-body.json": "not_object",
  };
  const got: Record<string, string | null> = {};
  for (const name of Object.keys(cases)) got[name] = normalize(fixture(name)).reason;
  expect(got).toEqual(cases);
  expect(() => JSON.parse(fixtureText("bad-malformed-json.json"))).toThrow();
});

test(`more than ${SERVING_LIMITS.IMPS_MAX} imps is malformed; exactly that many is fine`, () => {
  const imps = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i), banner: { w: 300, h: 250 } }));
  expect([normalize({ id: "a", imp: imps(SERVING_LIMITS.IMPS_MAX) }).reason, normalize({ id: "a", imp: imps(SERVING_LIMITS.IMPS_MAX + 1) }).reason])
    .toEqual([null, "imp_too_many"]);
});

test("a reused view gives the same result as a fresh one, whatever came before", () => {
  const shared = createNormalizedRequest();
  const names = ["banner-site.json", "no-user-id-pmp.json", "banner-app-mobile.json", "video-app.json", "native-site.json", "banner-site.json"];
  for (const name of names) {
    normalizeBidRequest(fixture(name), shared, OPTIONS);
    expect(view(shared)).toEqual(view(normalize(fixture(name)).req));
  }
});

test("unknown fields and unknown enum values anywhere do not change the view (property)", () => {
  const seed = Number(process.env.SEED ?? 20261204);
  console.log(`openrtb-request unknown-fields seed=${seed}`);
  const base = fixture("banner-site.json");
  const expected = view(normalize(base).req);
  const paths = [[], ["imp", 0], ["imp", 0, "banner"], ["site"], ["device"], ["device", "geo"], ["user"], ["regs"], ["source"]] as const;
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.integer({ min: 0, max: paths.length - 1 }), fc.string({ minLength: 1, maxLength: 8 }).map((k) => `x_${k}`), fc.jsonValue()), { maxLength: 6 }),
    (additions) => {
      const body = structuredClone(base) as any;
      for (const [p, key, value] of additions) {
        let o = body;
        for (const step of paths[p]!) o = o[step];
        o[key] = value;
      }
      const got = view(normalize(body).req);
      // The view keeps references into the body: compare values, not identity.
      expect(JSON.parse(JSON.stringify(got))).toEqual(JSON.parse(JSON.stringify(expected)));
    }), { seed, numRuns: 200 });
  const enums = structuredClone(base) as any;
  enums.device.devicetype = 99; enums.imp[0].banner.pos = 42; enums.at = 501; enums.device.connectiontype = 77;
  const { reason, req } = normalize(enums);
  expect([reason, req.devicetype, req.imps[0]!.pos, req.at, req.connectiontype]).toEqual([null, 99, 42, 501, 77]);
});

test("numeric strings must be decimal text", () => {
  const floor = (v: unknown) => { const { reason, req } = normalize({ id: "f", imp: [{ id: "1", banner: {}, bidfloor: v }] }); return reason ?? req.imps[0]!.bidfloor; };
  expect([floor("0.50"), floor("2"), floor("1e-1"), floor("0x1f"), floor(" 5"), floor("Infinity"), floor(""), floor("-0.5"), floor(true), floor(null)])
    .toEqual([0.5, 2, 0.1, "bidfloor_invalid", "bidfloor_invalid", "bidfloor_invalid", "bidfloor_invalid", "bidfloor_invalid", "bidfloor_invalid", "bidfloor_invalid"]);
});
