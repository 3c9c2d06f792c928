import { expect, test } from "bun:test";
import { DerivedState } from "../../../../engine/aggregate/derived-state.ts";
import { Recommender } from "../../../../engine/aggregate/recommender.ts";
import type { RecoConfig } from "../../../../engine/aggregate/reco-config.ts";
import { ValueIds } from "../../../../engine/aggregate/value-ids.ts";
import { Rng } from "../../../sim/rng.ts";
import { decodeBatch } from "../../../../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { Catalog } from "../../../../engine/store/catalog.ts";
import { appendAndFeed, eventsTable, plainEventsBatch, type PlainEvent } from "../../../helpers/event-feed.ts";

const seed = Number(process.env.SEED ?? 20261207);
console.log(`recommender seed=${seed}`);

const HOUR = 3_600_000, DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 11, 1);
const CLUSTERS = 20, CLUSTER_SIZE = 4, NOISE = 300, POPULAR = 3;
const member = (c: number, j: number) => `c${c}_${j}`;

/**
 * Planted structure: every session belongs to one cluster of 4 items and views 2 of them, plus 1-3
 * noise items (uniform over 300) and each of 3 popular distractors with probability 0.6. A distractor
 * co-occurs with a cluster item more often than its cluster partners do (0.3 vs 1/6 of the cluster's
 * sessions), so raw co-counts rank distractors first; only a popularity-normalized score finds the plant.
 */
function plantedEvents(rng: Rng, sessions: number, t0: number): PlainEvent[] {
  const out: PlainEvent[] = [];
  for (let s = 0; s < sessions; s++) {
    const c = rng.int(0, CLUSTERS - 1), sid = `s${t0}_${s}`, user = `u${rng.int(0, 999)}`;
    let t = t0 + s * 60_000;
    const a = rng.int(0, CLUSTER_SIZE - 1);
    let b = rng.int(0, CLUSTER_SIZE - 2);
    if (b >= a) b++;
    const items = [member(c, a), member(c, b)];
    for (let k = rng.int(1, 3); k > 0; k--) items.push(`n${rng.int(0, NOISE - 1)}`);
    for (let p = 0; p < POPULAR; p++) if (rng.bool(0.6)) items.push(`pop${p}`);
    for (let i = items.length - 1; i > 0; i--) { const j = rng.int(0, i); [items[i], items[j]] = [items[j]!, items[i]!]; }
    for (const it of items) out.push({ type: "view_item", ts: (t += 5_000), user_id: user, session_id: sid, item_id: it, category: categoryOf(it) });
  }
  return out;
}

function categoryOf(item: string): string {
  if (item.startsWith("c")) return `cat${Number(item.slice(1, item.indexOf("_"))) % 3}`;
  return item.startsWith("pop") ? "popular" : "noise";
}

function feed(r: Recommender, events: readonly PlainEvent[], batch = 503): void {
  const table = eventsTable();
  for (let i = 0; i < events.length; i += batch) appendAndFeed(table, events.slice(i, i + batch), [r]);
}

function planted(config: Partial<RecoConfig> = {}): { r: Recommender; events: PlainEvent[]; now: number } {
  const rng = new Rng(seed);
  const events = plantedEvents(rng, 6000, T0);
  const r = new Recommender(new ValueIds(), config);
  feed(r, events);
  return { r, events, now: (events[events.length - 1]!.ts as number) + 1000 };
}

const names = (xs: readonly { item: string }[]) => xs.map((x) => x.item);

test("the data set is a fair test: raw co-counts rank a popular distractor above every planted partner", () => {
  const { events } = planted();
  const bySession = new Map<string, Set<string>>();
  for (const e of events) {
    const s = bySession.get(e.session_id as string) ?? new Set<string>();
    s.add(e.item_id as string);
    bySession.set(e.session_id as string, s);
  }
  const co = new Map<string, number>();
  for (const s of bySession.values()) if (s.has("c0_0")) for (const y of s) if (y !== "c0_0") co.set(y, (co.get(y) ?? 0) + 1);
  const top = [...co].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  expect(top.startsWith("pop")).toEqual(true);
});

test("planted cluster partners rank first for a context item, for an unknown user", () => {
  const { r, now } = planted();
  const got: string[][] = [], want: string[][] = [];
  for (let c = 0; c < CLUSTERS; c++) {
    const ctx = member(c, c % CLUSTER_SIZE);
    const recs = r.recommend(null, 5, ctx, now);
    got.push([...names(recs.slice(0, 3)).sort(), ...recs.slice(0, 3).map((x) => x.reason)]);
    want.push([...Array.from({ length: CLUSTER_SIZE }, (_, j) => member(c, j)).filter((x) => x !== ctx).sort(), "co_view", "co_view", "co_view"]);
  }
  expect(got).toEqual(want);
});

test("a user who viewed a cluster member gets its partners first; purchased items are excluded", () => {
  const { r, now } = planted();
  const table = eventsTable();
  appendAndFeed(table, [
    { type: "view_item", ts: now, user_id: "fresh", session_id: "fresh-1", item_id: "c7_1", category: "cat1" },
    { type: "view_item", ts: now, user_id: "buyer", session_id: "buyer-1", item_id: "c9_0", category: "cat0" },
    { type: "purchase", ts: now + 1, user_id: "buyer", session_id: "buyer-1", item_id: "c9_2", category: "cat0" },
  ], [r]);
  const fresh = names(r.recommend("fresh", 3, null, now + 2000)).sort();
  const buyer = r.recommend("buyer", 6, null, now + 2000);
  expect({
    fresh,
    buyerTop2: names(buyer.slice(0, 2)).sort(),
    buyerHasPurchased: names(buyer).includes("c9_2"),
    buyerHasSeed: names(buyer).includes("c9_0"),
  }).toEqual({ fresh: ["c7_0", "c7_2", "c7_3"], buyerTop2: ["c9_1", "c9_3"], buyerHasPurchased: false, buyerHasSeed: false });
});

test("unknown users get trending: decayed popularity, in the order an independent computation gives", () => {
  const { r, events, now } = planted({ trendHalfLifeMs: 6 * HOUR });
  const score = new Map<string, number>();
  for (const e of events) score.set(e.item_id as string, (score.get(e.item_id as string) ?? 0) + Math.pow(2, ((e.ts as number) - now) / (6 * HOUR)));
  const expected = [...score].sort((a, b) => b[1] - a[1]).slice(0, 8);
  const recs = r.recommend("nobody-knows-me", 8, null, now);
  const trending = r.trending(8, now);
  const rel = (a: number, b: number) => Math.abs(a - b) / b < 1e-9;
  expect({
    recs: names(recs), reasons: recs.map((x) => x.reason),
    trending: names(trending), scoresMatch: trending.map((t, i) => rel(t.score, expected[i]![1])),
  }).toEqual({
    recs: expected.map((e) => e[0]), reasons: expected.map(() => "trending"),
    trending: expected.map((e) => e[0]), scoresMatch: expected.map(() => true),
  });
});

test("trending follows decay: an item popular a week ago ranks below one popular now", () => {
  const r = new Recommender(new ValueIds(), { trendHalfLifeMs: DAY });
  const now = T0 + 8 * DAY, events: PlainEvent[] = [];
  for (let i = 0; i < 100; i++) events.push({ type: "view_item", ts: T0 + i * 1000, anonymous_id: `a${i}`, item_id: "old-hit", category: "x" });
  for (let i = 0; i < 10; i++) events.push({ type: "view_item", ts: now - 2 * HOUR + i * 1000, anonymous_id: `b${i}`, item_id: "new-hit", category: "x" });
  for (let i = 0; i < 4; i++) events.push({ type: "add_to_cart", ts: now - 3 * DAY, anonymous_id: `c${i}`, item_id: "mid", category: "y" });
  feed(r, events, 7);
  const expected = new Map<string, number>();
  for (const e of events) {
    const w = e.type === "add_to_cart" ? 2 : 1;
    expected.set(e.item_id as string, (expected.get(e.item_id as string) ?? 0) + w * Math.pow(2, ((e.ts as number) - now) / DAY));
  }
  const got = r.trending(3, now);
  expect(got.map((t) => [t.item, Math.round(t.score * 1e9) / 1e9])).toEqual(
    [...expected].sort((a, b) => b[1] - a[1]).map(([item, s]) => [item, Math.round(s * 1e9) / 1e9]));
  expect(got.map((t) => t.item)).toEqual(["new-hit", "mid", "old-hit"]);
});

test("per-category trending and category-restricted recommendations", () => {
  const { r, events, now } = planted();
  const score = new Map<string, number>();
  for (const e of events) {
    if (e.category !== "cat1") continue;
    score.set(e.item_id as string, (score.get(e.item_id as string) ?? 0) + Math.pow(2, ((e.ts as number) - now) / DAY));
  }
  const expected = [...score].sort((a, b) => b[1] - a[1]).slice(0, 5).map((e) => e[0]);
  const recs = r.recommend(null, 10, "c1_0", now, "cat1");
  expect({
    trending: names(r.trending(5, now, "cat1")),
    allInCategory: recs.every((x) => categoryOf(x.item) === "cat1"),
    first3: names(recs.slice(0, 3)).sort(),
    unknownCategory: r.recommend(null, 10, null, now, "no-such-category"),
  }).toEqual({ trending: expected, allInCategory: true, first3: ["c1_1", "c1_2", "c1_3"], unknownCategory: [] });
});

test("pairs bought together carry the reason co_purchase; repeated views in a session count a pair once", () => {
  const r = new Recommender(new ValueIds(), { coHalfLifeMs: Infinity });
  const events: PlainEvent[] = [];
  for (let s = 0; s < 10; s++) {
    const base = { user_id: `u${s}`, session_id: `s${s}`, ts: T0 + s * HOUR };
    events.push({ ...base, type: "purchase", item_id: "tent" }, { ...base, type: "purchase", item_id: "stove" });
    events.push({ ...base, type: "view_item", item_id: "map" }, { ...base, type: "view_item", item_id: "tent" }, { ...base, type: "view_item", item_id: "map" });
  }
  feed(r, events, 3);
  const recs = r.recommend(null, 2, "tent", T0 + 11 * HOUR);
  const nb = r.neighbours, block = nb.blockOf[r.items.find("tent")]!;
  const counts: Record<string, number> = {};
  for (let j = block * nb.m; j < block * nb.m + nb.fill[block]!; j++) counts[r.items.value(nb.nbr[j]!)] = nb.cnt[j]!;
  // Per session: tent and stove bought (weight 4 each) -> 4; map viewed (1) -> min(1, 4) = 1.
  expect({ recs: recs.map((x) => [x.item, x.reason]), counts }).toEqual({
    recs: [["stove", "co_purchase"], ["map", "co_view"]], counts: { stove: 40, map: 10 },
  });
});

test("recentWeight brings back a user's recent items not bought, with the reason recent", () => {
  const { r, now } = planted({ recentWeight: 10 });
  appendAndFeed(eventsTable(), [
    { type: "view_item", ts: now, user_id: "back", session_id: "back-1", item_id: "c3_0" },
    { type: "view_item", ts: now, user_id: "back", session_id: "back-1", item_id: "c4_0" },
    { type: "purchase", ts: now, user_id: "back", session_id: "back-1", item_id: "c4_0" },
  ], [r]);
  const recs = r.recommend("back", 4, null, now);
  expect([recs[0]!.item, recs[0]!.reason, names(recs).includes("c4_0")]).toEqual(["c3_0", "recent", false]);
});

test("encode/decode gives identical answers, now and after more events", () => {
  const { r, now } = planted({ sessionsMax: 64, neighbourBlocksMax: 128, neighboursPerItem: 8 });
  const restored = new Recommender(new ValueIds(), { sessionsMax: 64, neighbourBlocksMax: 128, neighboursPerItem: 8 });
  restored.decode(r.encode());
  const more = plantedEvents(new Rng(seed + 1), 500, now);
  const later = (more[more.length - 1]!.ts as number) + 1000;
  const ask = (x: Recommender, t: number) => [
    x.recommend(null, 10, "c5_1", t), x.recommend("u17", 10, null, t), x.recommend("u300", 10, "n7", t),
    x.recommend(null, 10, null, t), x.recommend("u5", 10, null, t, "cat2"), x.trending(10, t, "noise"),
    // Every counter (bytes differ: array capacities grow differently from a checkpoint).
    { ...x.stats(), bytes: 0 },
  ];
  const before = [ask(restored, now), restored.encode()];
  const expected = [ask(r, now), r.encode()];
  feed(r, more);
  feed(restored, more);
  expect([...before, ask(restored, later), restored.encode()]).toEqual([...expected, ask(r, later), r.encode()]);
});

test("state stays within its caps under a long stream, counting what the caps turned away", () => {
  const config: Partial<RecoConfig> = {
    neighboursPerItem: 4, neighbourBlocksMax: 32, sessionsMax: 16, sessionItems: 4, itemsMax: 150, categoriesMax: 5,
    usersMax: 40, recentItems: 3, purchasedItems: 2, trendCandidates: 8, coHalfLifeMs: HOUR, trendHalfLifeMs: HOUR,
  };
  const r = new Recommender(new ValueIds(), config);
  const rng = new Rng(seed ^ 0x5eed);
  const batch = (from: number): PlainEvent[] => Array.from({ length: 2000 }, (_, i) => ({
    type: rng.pick(["view_item", "add_to_cart", "purchase", "page_view", "search"]), ts: T0 + (from + i) * 30_000,
    user_id: `u${rng.int(0, 99)}`, session_id: `s${Math.floor((from + i) / 7) * 3 + rng.int(0, 2)}`, item_id: `i${rng.int(0, 199)}`, category: `k${rng.int(0, 9)}`,
  }));
  const table = eventsTable();
  const bytesAt: number[] = [];
  for (let b = 0; b < 60; b++) {
    appendAndFeed(table, batch(b * 2000), [r]);
    if (b === 29 || b === 59) bytesAt.push(r.bytes);
  }
  const s = r.stats();
  let fillMax = 0;
  for (let b = 0; b < r.neighbours.blocksUsed; b++) fillMax = Math.max(fillMax, r.neighbours.fill[b]!);
  expect({
    bytesStable: bytesAt[0] === bytesAt[1], items: s.items, categories: s.categories, blocks: s.neighbourBlocks, fillMax,
    refusedSome: s.itemsRefused > 0 && s.categoriesRefused > 0 && s.usersUntrackedRows > 0,
    evictedSome: s.neighbourBlockEvictions > 0 && s.neighbourReplacements > 0 && s.sessionsEvicted > 0 && s.rebases > 0,
    finite: [...r.pop.subarray(0, s.items), ...r.neighbours.cnt].every(Number.isFinite),
  }).toEqual({
    bytesStable: true, items: 150, categories: 5, blocks: 32, fillMax: 4, refusedSome: true, evictedSome: true, finite: true,
  });
});

test("bad requests and configs are refused with stable codes", () => {
  const r = new Recommender(new ValueIds(), { kMax: 20 });
  const code = (f: () => unknown) => { try { f(); return "ok"; } catch (e) { return (e as { code?: string }).code ?? String(e); } };
  expect([
    code(() => r.recommend(null, 21, null, T0)), code(() => r.recommend(null, 0, null, T0)), code(() => r.recommend(null, 2.5, null, T0)),
    code(() => r.recommend(null, 20, null, NaN)), code(() => r.recommend(null, 20, null, T0)),
    code(() => new Recommender(new ValueIds(), { sessionsMax: 100 })), code(() => new Recommender(new ValueIds(), { neighboursPerItem: 0 })),
    code(() => new Recommender(new ValueIds(), { types: { view_item: { weight: -1 } } })), code(() => new Recommender(new ValueIds(), { coHalfLifeMs: 0 })),
    code(() => r.decode(new Uint8Array([1, 0, 0, 0, 9]))),
  ]).toEqual(["bad_argument", "bad_argument", "bad_argument", "bad_argument", "ok", "bad_config", "bad_config", "bad_config", "bad_config", "data_corrupt"]);
});

test("items co-occur only within coWindowMs of each other and within one session (a gap ends it)", () => {
  const r = new Recommender(new ValueIds(), { coHalfLifeMs: Infinity, coWindowMs: 20 * 60_000, sessionGapMs: 30 * 60_000 });
  const at = (min: number, item: string, session = "s"): PlainEvent => ({ type: "view_item", ts: T0 + min * 60_000, session_id: session, item_id: item });
  // x, y 5 min apart: a pair. z 25 min after x: a pair with y (20 min) only. w 31 min after z: a new session.
  // v in another session at the same time as x: no pair.
  feed(r, [at(0, "x"), at(0, "v", "other"), at(5, "y"), at(25, "z"), at(56, "w")], 2);
  const pairs: Record<string, Record<string, number>> = {};
  const nb = r.neighbours;
  for (const it of ["x", "y", "z", "w", "v"]) {
    const b = nb.blockOf[r.items.find(it)]!;
    if (b < 0) continue;
    const row: Record<string, number> = (pairs[it] = {});
    for (let j = b * nb.m; j < b * nb.m + nb.fill[b]!; j++) row[r.items.value(nb.nbr[j]!)] = nb.cnt[j]!;
  }
  expect({ pairs, expired: r.stats().sessionsExpired }).toEqual({ pairs: { x: { y: 1 }, y: { x: 1, z: 1 }, z: { y: 1 } }, expired: 1 });
});

test("decayed popularity stays exact across landmark moves (rebases) over many half-lives", () => {
  const rng = new Rng(seed ^ 0x7e57);
  const r = new Recommender(new ValueIds(), { trendHalfLifeMs: HOUR, coHalfLifeMs: HOUR });
  const events: PlainEvent[] = [];
  for (let i = 0; i < 3000; i++) events.push({ type: rng.pick(["view_item", "purchase"]), ts: T0 + i * 4 * 60_000, anonymous_id: `a${rng.int(0, 50)}`, item_id: `i${rng.int(0, 30)}` });
  feed(r, events, 101);
  const now = (events[events.length - 1]!.ts as number) + 10 * 60_000;
  const expected = new Map<string, number>();
  for (const e of events) {
    const w = e.type === "purchase" ? 4 : 1;
    expected.set(e.item_id as string, (expected.get(e.item_id as string) ?? 0) + w * Math.pow(2, ((e.ts as number) - now) / HOUR));
  }
  const round = (x: number) => Number(x.toPrecision(10));
  expect({ rebased: r.stats().rebases > 0, top: r.trending(10, now).map((t) => [t.item, round(t.score)]) }).toEqual({
    rebased: true, top: [...expected].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([item, s]) => [item, round(s)]),
  });
});

test("as a DerivedState component: fed from a catalog, restored from a snapshot, answers the same", () => {
  const catalog = new Catalog();
  catalog.create(EVENTS_SCHEMA, { segmentRows: 1024 });
  const users = new ValueIds();
  const state = new DerivedState([new Recommender(users)]);
  const events = plantedEvents(new Rng(seed), 6000, T0);
  for (let i = 0; i < events.length; i += 700) {
    catalog.get("events")!.appendBatch(decodeBatch(plainEventsBatch(events.slice(i, i + 700))), null);
    state.feed(catalog);
  }
  const restored = new DerivedState([new Recommender(new ValueIds())]);
  restored.restore(state.snapshot());
  const now = (events[events.length - 1]!.ts as number) + 1000;
  const ask = (s: DerivedState) => {
    const r = s.components[0] as Recommender;
    return [r.recommend(null, 5, "c2_0", now), r.recommend("u42", 5, null, now), r.recommend(null, 5, null, now, "cat1")];
  };
  expect({ failures: [...state.failures], answers: ask(restored), covered: restored.coveredRows("events") }).toEqual({
    failures: [], answers: ask(state), covered: events.length,
  });
  expect(names(ask(state)[0]!).slice(0, 3).sort()).toEqual(["c2_1", "c2_2", "c2_3"]);
});

test("a user whose history is months old gets the neighbours of those items first, then trending", () => {
  const r = new Recommender(new ValueIds());
  const events = plantedEvents(new Rng(seed), 6000, T0);
  feed(r, [{ type: "view_item", ts: T0 - 120 * DAY, user_id: "gone", session_id: "gone-1", item_id: "c4_1" }, ...events]);
  const now = (events[events.length - 1]!.ts as number) + 1000;
  const recs = r.recommend("gone", 10, null, now);
  expect({ n: recs.length, first3: names(recs.slice(0, 3)).sort(), reasons: recs.map((x) => x.reason).slice(0, 3) })
    .toEqual({ n: 10, first3: ["c4_0", "c4_2", "c4_3"], reasons: ["co_view", "co_view", "co_view"] });
});
