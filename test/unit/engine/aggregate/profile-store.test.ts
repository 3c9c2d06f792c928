import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_PROFILE_CONFIG, PROFILE_WINDOWS, checkProfileConfig, type ProfileConfig } from "../../../../engine/aggregate/profile-config.ts";
import { ProfileStore, type UserProfile } from "../../../../engine/aggregate/profile-store.ts";
import { ValueIds } from "../../../../engine/aggregate/value-ids.ts";
import { EngineError } from "../../../../engine/core/errors.ts";
import { ColumnType, type TableSchema } from "../../../../engine/core/types.ts";
import { DuckReference, type Cell } from "../../../helpers/duck-reference.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../../../helpers/event-feed.ts";
import { Rng, testSeed } from "../../../sim/rng.ts";
import { byUser, oracleProfile, oracleSessions, profileEvents, userKeyOf, windowsAt, type Ev } from "./profile-fixture.ts";

const seed = testSeed();
console.log(`profile-store seed=${seed}`);
const T0 = Date.UTC(2026, 0, 5);
const EVENTS = profileEvents(seed, 12_000, T0);
const C = DEFAULT_PROFILE_CONFIG;
const S = ColumnType.STRING;
const REF_SCHEMA: TableSchema = {
  name: "ev", timeColumn: "ts",
  columns: [{ name: "seq", type: ColumnType.INT32 }, { name: "ts", type: ColumnType.TIMESTAMP }, { name: "received_at", type: ColumnType.TIMESTAMP },
    ...["type", "user_id", "anonymous_id", "session_id", "item_id", "campaign", "channel"].map((name) => ({ name, type: S })),
    { name: "revenue", type: ColumnType.FLOAT64 }],
};

let duck: DuckReference;
beforeAll(async () => {
  duck = await DuckReference.open(REF_SCHEMA, EVENTS.map((e) => REF_SCHEMA.columns.map((c) => e[c.name as keyof Ev] as Cell)));
});
afterAll(() => duck.close());

const plain = (evs: readonly Ev[]): PlainEvent[] => evs.map(({ seq: _, ...e }) => e);
const sqlList = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(", ");

/** Rows [0, fed) seen at `now`, every profile as SQL computes it (sessions and spend: plain JS, in log order). */
async function expectedBySql(fed: number, now: number, users: readonly string[]): Promise<(UserProfile | undefined)[]> {
  const p = [fed, BigInt(now)];
  const userSql = `SELECT *, coalesce(user_id, anonymous_id) AS u, epoch_ms(ts) AS t FROM ev WHERE seq < $1 AND coalesce(user_id, anonymous_id) IS NOT NULL`;
  const windows = `(VALUES ${PROFILE_WINDOWS.map((w) => `('${w.name}', ${w.bucketMs}, ${w.buckets})`).join(", ")}) w(name, g, n)`;
  const counts = await duck.run(`
    WITH e AS (SELECT u, type, least(t, epoch_ms(received_at)) AS te FROM (${userSql}) WHERE type IN (${sqlList(C.countTypes)})),
    b AS (SELECT u, type, name, te // g AS bucket, least(count(*), 65535) AS c FROM e, ${windows}
          WHERE te // g BETWEEN $2 // g - (n - 1) AND $2 // g GROUP BY ALL)
    SELECT u, type, name, sum(c)::DOUBLE FROM b GROUP BY ALL`, p);
  const scalars = await duck.run(`
    SELECT u, min(t)::DOUBLE, max(t)::DOUBLE, count(*)::DOUBLE, (count(*) FILTER (WHERE type IN (${sqlList(C.purchaseTypes)})))::DOUBLE,
      first(campaign ORDER BY t DESC, seq DESC) FILTER (WHERE campaign IS NOT NULL), (max(t) FILTER (WHERE campaign IS NOT NULL))::DOUBLE,
      first(channel ORDER BY t DESC, seq DESC) FILTER (WHERE channel IS NOT NULL), (max(t) FILTER (WHERE channel IS NOT NULL))::DOUBLE
    FROM (${userSql}) GROUP BY u`, [fed]);
  const lists = C.recentLists.flatMap((l) => l.types.map((t) => `('${l.name}', '${t}')`)).join(", ");
  const recent = await duck.run(`
    WITH k AS (SELECT u, l.name AS list, item_id, max((t // 1000) * 10000000 + seq) AS key FROM (${userSql}) e
               JOIN (VALUES ${lists}) l(name, type) ON e.type = l.type WHERE item_id IS NOT NULL GROUP BY ALL),
    r AS (SELECT *, row_number() OVER (PARTITION BY u, list ORDER BY key DESC) AS rn FROM k)
    SELECT u, list, list(item_id ORDER BY key DESC), list(((key // 10000000) * 1000)::DOUBLE ORDER BY key DESC) FROM r WHERE rn <= ${C.recentItems} GROUP BY ALL`, [fed]);
  const evs = byUser(EVENTS.slice(0, fed));
  const out = new Map<string, UserProfile>();
  for (const [u, first, last, events, orders, camp, campTs, chan, chanTs] of scalars) {
    const mine = evs.get(u as string)!;
    let spend = 0;
    for (const e of mine) spend += e.type === "purchase" ? e.revenue ?? 0 : e.type === "refund" ? -Math.abs(e.revenue ?? 0) : 0;
    out.set(u as string, {
      user: u as string, first_seen: first as number, last_seen: last as number, events: events as number,
      sessions: oracleSessions(mine.map((e) => e.session_id), C.sessionsRemembered),
      counts: Object.fromEntries(C.countTypes.map((t) => [t, Object.fromEntries(PROFILE_WINDOWS.map((w) => [w.name, 0]))])),
      windows: windowsAt(now), recent: Object.fromEntries(C.recentLists.map((l) => [l.name, []])),
      orders: orders as number, spend: Math.round(spend * 1e6) / 1e6,
      last_campaign: camp === null ? null : { value: camp as string, ts: campTs as number },
      last_channel: chan === null ? null : { value: chan as string, ts: chanTs as number }, tags: [],
    });
  }
  for (const [u, type, w, n] of counts) out.get(u as string)!.counts[type as string]![w as string] = n as number;
  for (const [u, list, items, secs] of recent) {
    out.get(u as string)!.recent[list as string] = (items as string[]).map((item, k) => ({ item, ts: (secs as number[])[k]! }));
  }
  return users.map((u) => out.get(u));
}

const ALL_USERS = [...new Set(EVENTS.map(userKeyOf).filter((u) => u !== null))].sort().concat(["never-seen"]);

/** `now` values at and after the newest receive time fed: now itself, bucket edges, past a window's end. */
function nowsAfter(fed: number): number[] {
  const rec = Math.max(...EVENTS.slice(0, fed).map((e) => e.received_at));
  const edge = Math.ceil(rec / 300_000) * 300_000;
  return [rec, edge, edge - 1 + 300_000, rec + 61 * 60_000, rec + 24 * 3_600_000 + 1, rec + 6.5 * 86_400_000];
}

test("every profile field equals SQL over the raw events (windows at several now values); a store restored from a checkpoint mid-stream stays equal", async () => {
  const live = new ProfileStore(new ValueIds());
  const table = eventsTable();
  const r = new Rng(seed ^ 0x5a5a);
  let restored: ProfileStore | null = null, fed = 0;
  for (const stop of [3000, 7000, EVENTS.length]) {
    while (fed < stop) {
      const n = Math.min(stop - fed, r.int(1, 400));
      appendAndFeed(table, plain(EVENTS.slice(fed, fed + n)), restored ? [live, restored] : [live]);
      fed += n;
    }
    for (const now of nowsAfter(fed)) {
      const expected = await expectedBySql(fed, now, ALL_USERS);
      expect(ALL_USERS.map((u) => live.lookup(u, now))).toEqual(expected);
      if (restored) expect(restored.lookupMany(ALL_USERS, now)).toEqual(expected.map((p) => p ?? null));
    }
    if (!restored) {
      // A restart: another users ValueIds in which every key has a different dense id.
      const users = new ValueIds();
      for (let i = 0; i < 77; i++) users.idOf(`other-${i}`);
      restored = new ProfileStore(users);
      restored.decode(live.encode());
    }
  }
  expect(live.counters).toEqual({
    events: EVENTS.filter((e) => userKeyOf(e) !== null).length, noUser: EVENTS.filter((e) => userKeyOf(e) === null).length,
    evictions: 0, beforeWindows: live.counters.beforeWindows,
  });
  expect(restored!.counters).toEqual(live.counters);
  expect(live.bytes).toBeGreaterThanOrEqual(live.userCount * live.slots.bytesPerSlot);
});

/** Least-recently-seen simulation: the users kept and the log position each was (re)admitted at. */
function lruSim(evs: readonly Ev[], max: number): { kept: Map<string, number>; evictions: number } {
  const kept = new Map<string, number>();
  let evictions = 0;
  for (const e of evs) {
    const u = userKeyOf(e);
    if (u === null) continue;
    const since = kept.get(u);
    kept.delete(u); // re-inserted last: Map order is recency order
    if (since === undefined && kept.size === max) { kept.delete(kept.keys().next().value!); evictions++; }
    kept.set(u, since ?? e.seq);
  }
  return { kept, evictions };
}

test("past usersMax the least recently seen user is evicted; a returning user starts afresh; a smaller cap at restore keeps the most recent", () => {
  const config = { ...C, usersMax: 40 };
  const store = new ProfileStore(new ValueIds(), config);
  const evs = EVENTS.slice(0, 5000);
  appendAndFeed(eventsTable(), plain(evs), [store]);
  const now = nowsAfter(5000)[0]!;
  const expectAt = (max: number) => {
    const { kept, evictions } = lruSim(evs, max);
    const profiles = ALL_USERS.map((u) => {
      const since = kept.get(u);
      return since === undefined ? undefined : oracleProfile(evs.filter((e) => userKeyOf(e) === u && e.seq >= since), u, now, C);
    });
    return { profiles, evictions };
  };
  expect({ profiles: ALL_USERS.map((u) => store.lookup(u, now)), evictions: store.counters.evictions, users: store.userCount })
    .toEqual({ ...expectAt(40), users: 40 });
  const smaller = new ProfileStore(new ValueIds(), { ...config, usersMax: 25 });
  smaller.decode(store.encode());
  const { kept } = lruSim(evs, 40);
  const mostRecent = new Set([...kept.keys()].slice(-25));
  expect({ profiles: ALL_USERS.map((u) => smaller.lookup(u, now)), evictions: smaller.counters.evictions })
    .toEqual({ profiles: expectAt(40).profiles.map((p, i) => (mostRecent.has(ALL_USERS[i]!) ? p : undefined)), evictions: expectAt(40).evictions + 15 });
});

test("tags: set, replace, dedupe, clear; a user with tags and no events is not found until its first event; limits; survive encode/decode", () => {
  const store = new ProfileStore(new ValueIds(), { ...C, tagsMax: 3 });
  const table = eventsTable();
  const t = T0 + 3_600_000;
  appendAndFeed(table, [{ ts: t, type: "page_view", user_id: "u1" }], [store]);
  store.setTags("u1", ["vip", "beta", "vip"]);
  store.setTags("crm-only", ["lead"]);
  store.setTags("nobody", []);
  const errors: string[] = [];
  for (const [k, tags] of [["u1", ["a", "b", "c", "d"]], ["u1", ["x".repeat(129)]], ["u1", [""]], ["", ["a"]]] as [string, string[]][]) {
    try { store.setTags(k, tags); } catch (e) { errors.push(`${(e as EngineError).code}: ${(e as Error).message}`); }
  }
  const seen = () => ({
    u1: store.lookup("u1", t)?.tags, crmLookup: store.lookup("crm-only", t), crmTags: store.tagsOf("crm-only"), nobody: store.tagsOf("nobody"),
  });
  expect({ ...seen(), errors }).toEqual({
    u1: ["vip", "beta"], crmLookup: undefined, crmTags: ["lead"], nobody: undefined,
    errors: [
      "bad_argument: tags of u1: 4 distinct tags exceed 3 per user", "bad_argument: tags of u1: tag of 129 characters exceeds 128",
      "bad_argument: tags of u1: every tag must be a non-empty string", "bad_argument: user key must be a non-empty string",
    ],
  });
  const copy = new ProfileStore(new ValueIds(), { ...C, tagsMax: 3 });
  copy.decode(store.encode());
  store.setTags("u1", ["gold"]);
  appendAndFeed(table, [{ ts: t, type: "click", user_id: "crm-only" }], [store, copy]);
  expect([store.lookup("u1", t)?.tags, store.lookup("crm-only", t)?.tags, copy.lookup("u1", t)?.tags, copy.lookup("crm-only", t)?.tags])
    .toEqual([["gold"], ["lead"], ["vip", "beta"], ["lead"]]);
});

test("a checkpoint read under a changed config keeps what both configs name, by name", () => {
  const store = new ProfileStore(new ValueIds());
  const evs = EVENTS.slice(0, 4000);
  appendAndFeed(eventsTable(), plain(evs), [store]);
  for (const u of ALL_USERS.slice(0, 30)) store.setTags(u, ["a", "b"]);
  const changed: ProfileConfig = {
    ...C, countTypes: ["click", "page_view", "signup"], recentLists: [{ name: "purchased", types: ["purchase"] }, { name: "viewed", types: ["view_item"] }],
    recentItems: 3, sessionsRemembered: 2, tagsMax: 1,
  };
  const other = new ProfileStore(new ValueIds(), changed);
  other.decode(store.encode());
  const now = nowsAfter(4000)[1]!;
  const expected = ALL_USERS.map((u) => {
    const p = store.lookup(u, now);
    if (!p) return undefined;
    const zero = Object.fromEntries(PROFILE_WINDOWS.map((w) => [w.name, 0]));
    return {
      ...p, counts: { click: p.counts.click!, page_view: p.counts.page_view!, signup: zero },
      recent: { purchased: p.recent.purchased!.slice(0, 3), viewed: p.recent.viewed!.slice(0, 3) }, tags: p.tags.slice(0, 1),
    };
  });
  expect(ALL_USERS.map((u) => other.lookup(u, now))).toEqual(expected);
});

test("window buckets saturate at 65535 events; events older than every ring count elsewhere", () => {
  const store = new ProfileStore(new ValueIds());
  const t = Date.UTC(2026, 2, 1, 10, 0, 0);
  const burst: PlainEvent[] = [];
  for (let i = 0; i < 66_000; i++) burst.push({ ts: t + (i % 1000), received_at: t + 2000, type: "impression", user_id: "bot" });
  for (let i = 0; i < 4_000; i++) burst.push({ ts: t + 300_000 + i, received_at: t + 400_000, type: "impression", user_id: "bot" });
  burst.push({ ts: t - 9 * 86_400_000, received_at: t + 400_000, type: "impression", user_id: "bot" });
  appendAndFeed(eventsTable(), burst, [store]);
  const p = store.lookup("bot", t + 400_000)!;
  expect({ impressions: p.counts.impression, events: p.events, first: p.first_seen, before: store.counters.beforeWindows })
    .toEqual({ impressions: { "1h": 65_535 + 4_000, "24h": 65_535, "7d": 65_535 }, events: 70_001, first: t - 9 * 86_400_000, before: 1 });
});

test("profiles across many slot chunks: evictions, lookups and a checkpoint agree with the oracle", () => {
  const config = { ...C, usersMax: 20_000 };
  const store = new ProfileStore(new ValueIds(), config);
  const t = Date.UTC(2026, 3, 1);
  const evs: Ev[] = [];
  const ev = (user: string, k: number): Ev => ({
    seq: evs.length, ts: t + k * 7, received_at: t + k * 7, type: k % 3 === 0 ? "add_to_cart" : "page_view", user_id: user, anonymous_id: null,
    session_id: `s${k % 5}`, item_id: `i${k % 13}`, campaign: null, channel: k % 2 ? "email" : null, revenue: null,
  });
  for (let i = 0; i < 21_000; i++) evs.push(ev(`c${i}`, i));
  for (let i = 0; i < 3000; i += 7) evs.push(ev(`c${i}`, 21_000 + i));
  appendAndFeed(eventsTable(), plain(evs), [store]);
  const now = t + 30_000 * 7;
  const { kept, evictions } = lruSim(evs, config.usersMax);
  const sample = Array.from({ length: 700 }, (_, k) => `c${k * 30}`);
  const expected = sample.map((u) => {
    const since = kept.get(u);
    return since === undefined ? undefined : oracleProfile(evs.filter((e) => e.user_id === u && e.seq >= since), u, now, C);
  });
  const copy = new ProfileStore(new ValueIds(), config);
  copy.decode(store.encode());
  expect({ users: store.userCount, evictions: store.counters.evictions, profiles: sample.map((u) => store.lookup(u, now)), copied: copy.lookupMany(sample, now) })
    .toEqual({ users: 20_000, evictions, profiles: expected, copied: expected.map((p) => p ?? null) });
});

test("a damaged checkpoint is data_corrupt and leaves the store as it was", () => {
  const store = new ProfileStore(new ValueIds());
  appendAndFeed(eventsTable(), plain(EVENTS.slice(0, 500)), [store]);
  const bytes = store.encode(), now = nowsAfter(500)[0]!;
  const before = ALL_USERS.map((u) => store.lookup(u, now));
  const codes: string[] = [];
  for (const bad of [bytes.subarray(0, bytes.length - 3), bytes.subarray(0, 40), new Uint8Array([9, 0, 0, 0])]) {
    try { store.decode(bad); codes.push("decoded"); } catch (e) { codes.push((e as EngineError).code); }
  }
  expect({ codes, after: ALL_USERS.map((u) => store.lookup(u, now)) }).toEqual({ codes: ["data_corrupt", "data_corrupt", "data_corrupt"], after: before });
});

test("config bounds are checked", () => {
  const bad: Partial<ProfileConfig>[] = [{ recentItems: 0 }, { tagsMax: 65 }, { usersMax: 100_000_000 }, { countTypes: ["a", "a"] }, { sessionsRemembered: 17 }];
  expect(bad.map((b) => { try { checkProfileConfig({ ...C, ...b }); return "ok"; } catch (e) { return (e as EngineError).code; } }))
    .toEqual(bad.map(() => "bad_config"));
});
