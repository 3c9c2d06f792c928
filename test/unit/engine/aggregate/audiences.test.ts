import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Audiences } from "../../../../engine/aggregate/audiences.ts";
import { EngineError } from "../../../../engine/core/errors.ts";
import type { Table } from "../../../../engine/store/table.ts";
import { appendAndFeed, eventsTable, feedBatches, type PlainEvent } from "../../../helpers/event-feed.ts";
import { BASE_DAY, CAMPAIGNS, CATEGORIES, Oracle, TYPES, eventStream, rng } from "./audience-oracle.ts";

const SEED = Number(process.env.SEED ?? 20250301);
console.log(`audiences tests: SEED=${SEED}`);
const DAY_MS = 86_400_000;

const DEFINITIONS = [
  { name: "recent_buyers_x", rule: { and: [{ event: "purchase", within_days: 7 }, { event: "click", campaign: "X" }, { not: { event: "refund" } }] } },
  { name: "any_x", rule: { campaign: "X" } },
  { name: "shoe_or_hat_buyers", rule: { or: [{ event: "purchase", category: "shoes", within_days: 3 }, { event: "add_to_cart", category: "hats" }] } },
  { name: "not_viewers", rule: { not: { event: "view", within_days: 2 } } },
  { name: "only_nots", rule: { and: [{ not: { campaign: "Y" } }, { not: { category: "bags", within_days: 1 } }] } },
  { name: "nested", rule: { and: [{ or: [{ event: "click", within_days: 5 }, { category: "bags" }] }, { not: { and: [{ event: "refund" }, { campaign: "Z" }] } }] } },
  { name: "today", rule: { event: "view", within_days: 1 } },
];

const EXPRESSIONS: unknown[] = [
  { and: ["recent_buyers_x", "type:click"] },
  { or: ["any_x", "audience:today"] },
  { and_not: ["type:purchase", "type:refund"] },
  { and: ["type:purchase", "campaign:X", "category:shoes"] },
  { or: ["type:refund", "campaign:Z", "category:bags"] },
  { and: [{ event: "click", campaign: "Y", within_days: 3 }, { or: ["not_viewers", "nested"] }] },
  { and_not: [{ category: "hats", from: "2025-03-05", to: "2025-03-09" }, { event: "purchase", within_days: 7 }] },
  { event: "view", from: "2025-03-10", to: "2025-03-10" },
  "campaign:never_seen",
  { and: ["type:view", { event: "purchase", within_days: 4 }] },
];

/** Audience names an expression refers to. */
function referenced(e: unknown): string[] {
  if (typeof e === "string") return e.includes(":") ? (e.startsWith("audience:") ? [e.slice(9)] : []) : [e];
  if (e === null || typeof e !== "object") return [];
  return Object.values(e as Record<string, unknown>).flatMap((v) => (Array.isArray(v) ? v.flatMap(referenced) : []));
}

/** The expressions over audiences that are defined. */
const usable = (names: readonly string[]) => EXPRESSIONS.filter((e) => referenced(e).every((n) => names.includes(n)));

/** Everything the engine answers, in a form comparable with toEqual. */
function answers(a: Audiences, names: readonly string[]) {
  return {
    audiences: names.map((n) => ({ name: n, size: a.get(n)!.size, sample: a.get(n, 5)!.sample, all: [...a.exportIds(n, 7)].flat() })),
    expressions: usable(names).map((e) => a.setAlgebra(e, { ids: 1000 })),
    counts: usable(names).map((e) => a.setAlgebra(e).count),
  };
}

/** The same, from the Set model. */
function expected(o: Oracle, names: readonly string[]) {
  const defs = new Map(DEFINITIONS.map((d) => [d.name, d.rule]));
  const sets = new Map(names.map((n) => [n, o.rule(defs.get(n))]));
  const exprs = usable(names).map((e) => o.ordered(o.expr(e, sets)));
  return {
    audiences: names.map((n) => {
      const all = o.ordered(sets.get(n)!);
      return { name: n, size: all.length, sample: all.slice(0, 5), all };
    }),
    expressions: exprs.map((ids) => ({ count: ids.length, ids })),
    counts: exprs.map((ids) => ids.length),
  };
}

function batches(events: PlainEvent[], seed: number): PlainEvent[][] {
  const rand = rng(seed), out: PlainEvent[][] = [];
  for (let i = 0; i < events.length; ) {
    const n = 1 + Math.floor(rand() * (rand() < 0.2 ? 300 : 60));
    out.push(events.slice(i, i + n));
    i += n;
  }
  return out;
}

describe("Audiences against plain JS Sets", () => {
  test("audiences, atoms and set algebra equal the Set model after every batch (out-of-order days, retention, late definitions)", () => {
    const retentionDays = 7;
    const a = new Audiences({ retentionDays });
    const o = new Oracle({ retentionDays });
    const table = eventsTable();
    const events = eventStream(SEED, 4000, 400, 20, 9);
    const parts = batches(events, SEED + 1);
    const names: string[] = [];
    for (const d of DEFINITIONS.slice(0, 4)) (a.define(d), names.push(d.name));
    let checked = 0;
    parts.forEach((part, i) => {
      appendAndFeed(table, part, [a]);
      o.feed(part);
      if (i === Math.floor(parts.length / 3)) for (const d of DEFINITIONS.slice(4)) (a.define(d), names.push(d.name));
      expect(answers(a, names)).toEqual(expected(o, names));
      checked++;
    });
    const s = a.stats();
    expect({ rows: s.rows, noUser: s.skippedNoUser, users: s.users, currentDay: s.currentDay, expiredSome: s.expired > 0, batches: checked > 10 })
      .toEqual({ rows: events.length, noUser: o.skippedNoUser, users: o.known.length, currentDay: new Date(o.currentDay! * DAY_MS).toISOString().slice(0, 10), expiredSome: true, batches: true });
  });

  test("encode/decode round trip: identical answers, identical bytes, and both continue identically", () => {
    const retentionDays = 10;
    const a = new Audiences({ retentionDays });
    const o = new Oracle({ retentionDays });
    const table = eventsTable();
    const events = eventStream(SEED + 7, 3000, 300, 25, 6);
    const names = DEFINITIONS.map((d) => d.name);
    for (const d of DEFINITIONS) a.define(d);
    const half = events.slice(0, 1500), rest = events.slice(1500);
    appendAndFeed(table, half, [a]);
    o.feed(half);
    const bytes = a.encode();
    const b = Audiences.decode(bytes);
    // Byte figures are memory (capacity, container layout after rebuilds), not state: left out.
    const state = (x: Audiences) => ({ ...x.stats(), bitmapBytes: 0, userIdBytes: 0 });
    expect({ answers: answers(b, names), stats: state(b), list: b.list(), retention: b.retentionDays })
      .toEqual({ answers: answers(a, names), stats: state(a), list: a.list(), retention: retentionDays });
    expect(Array.from(b.encode())).toEqual(Array.from(bytes));
    // Both keep going: the decoded one has fresh translation caches over the same table dictionaries.
    for (const part of batches(rest, SEED + 8)) {
      appendAndFeed(table, part, [a, b]);
      o.feed(part);
    }
    expect(answers(b, names)).toEqual(expected(o, names));
    expect(answers(a, names)).toEqual(answers(b, names));
  });

  test("decoding with a shorter retention drops old days and re-evaluates; a rule that no longer fits is bad_config", () => {
    const a = new Audiences({ retentionDays: 10 });
    const table = eventsTable();
    const events = eventStream(SEED + 9, 2000, 200, 15, 5);
    a.define(DEFINITIONS[2]!); // within_days 3 at most
    a.define(DEFINITIONS[1]!);
    appendAndFeed(table, events, [a]);
    const bytes = a.encode();
    const short = Audiences.decode(bytes, { retentionDays: 4 });
    const o = new Oracle({ retentionDays: 4 });
    o.feed(events);
    const names = [DEFINITIONS[2]!.name, DEFINITIONS[1]!.name];
    const got = names.map((n) => [...short.exportIds(n)].flat());
    const sets = new Map(DEFINITIONS.map((d) => [d.name, d.rule]));
    expect(got).toEqual(names.map((n) => o.ordered(o.rule(sets.get(n)))));
    a.define(DEFINITIONS[0]!); // within_days 7
    let error = "";
    try {
      Audiences.decode(a.encode(), { retentionDays: 4 });
    } catch (e) {
      error = `${(e as EngineError).code}: ${(e as Error).message}`;
    }
    expect(error).toEqual('bad_config: audience "recent_buyers_x" cannot be kept with a retention of 4 days: rule.and[0].within_days: 7 exceeds the retention of 4 days');
  });

  test("random rules and expressions equal the Set model (property)", () => {
    const retentionDays = 8;
    const a = new Audiences({ retentionDays });
    const o = new Oracle({ retentionDays });
    const events = eventStream(SEED + 3, 2500, 250, 16, 5);
    const table = eventsTable();
    for (const part of batches(events, SEED + 4)) (appendAndFeed(table, part, [a]), o.feed(part));
    const leaf = fc.record({
      event: fc.option(fc.constantFrom(...TYPES, "never"), { nil: undefined }),
      campaign: fc.option(fc.constantFrom(...CAMPAIGNS), { nil: undefined }),
      category: fc.option(fc.constantFrom(...CATEGORIES), { nil: undefined }),
      within_days: fc.option(fc.integer({ min: 1, max: retentionDays }), { nil: undefined }),
    }, { requiredKeys: [] }).map((l) => {
      const out: Record<string, unknown> = Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined));
      if (out.campaign !== undefined && out.category !== undefined) delete out.category;
      if (out.event === undefined && out.campaign === undefined && out.category === undefined) out.event = "click";
      return out;
    });
    const { rule } = fc.letrec<{ rule: unknown; inner: unknown }>((tie) => ({
      inner: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, fc.record({ or: fc.array(tie("inner"), { minLength: 1, maxLength: 3 }) }),
        fc.record({ and: fc.array(fc.oneof(tie("inner"), fc.record({ not: tie("inner") })), { minLength: 1, maxLength: 3 }) })),
      rule: fc.oneof(tie("inner"), fc.record({ not: tie("inner") })),
    }));
    const expr = fc.letrec<{ e: unknown }>((tie) => ({
      e: fc.oneof({ depthSize: "small" }, fc.constantFrom("r", "type:click", "campaign:X", "category:hats", "type:nope"), leaf,
        fc.record({ and: fc.array(tie("e"), { minLength: 1, maxLength: 3 }) }), fc.record({ or: fc.array(tie("e"), { minLength: 1, maxLength: 3 }) }),
        fc.record({ and_not: fc.tuple(tie("e"), tie("e")) })),
    })).e;
    fc.assert(
      fc.property(rule, expr, (r, e) => {
        a.define({ name: "r", rule: r });
        const members = o.rule(r);
        const got = { members: [...a.exportIds("r", 1000)].flat(), expr: a.setAlgebra(e, { ids: 10_000 }) };
        const ids = o.ordered(o.expr(e, new Map([["r", members]])));
        expect(got).toEqual({ members: o.ordered(members), expr: { count: ids.length, ids } });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("Audiences semantics, by hand", () => {
  const at = (day: number, hour = 12) => (BASE_DAY + day) * DAY_MS + hour * 3_600_000;

  test("windows move with the newest event day, not the wall clock; late events count; old ones expire", () => {
    const a = new Audiences({ retentionDays: 5 });
    const table = eventsTable();
    a.define({ name: "buyers3", rule: { event: "purchase", within_days: 3 } });
    a.define({ name: "ever", rule: { event: "purchase" } });
    const sizes = () => [a.get("buyers3")!.sample, a.get("ever")!.sample, a.stats().currentDay];
    appendAndFeed(table, [{ ts: at(0), type: "purchase", user_id: "u1" }, { ts: at(1), type: "purchase", user_id: "u2" }], [a]);
    const day1 = sizes();
    appendAndFeed(table, [{ ts: at(3), type: "view", user_id: "u3" }], [a]); // day 3: window is days 1..3
    const day3 = sizes();
    appendAndFeed(table, [{ ts: at(2), type: "purchase", user_id: "u4" }], [a]); // late, inside the window
    const late = sizes();
    appendAndFeed(table, [{ ts: at(5), type: "view", user_id: "u3" }], [a]); // day 5: retention keeps days 1..5
    const day5 = sizes();
    appendAndFeed(table, [{ ts: at(0, 1), type: "purchase", user_id: "u5" }], [a]); // older than retention: skipped
    const expired = [...sizes(), a.stats().expired, a.stats().users];
    expect({ day1, day3, late, day5, expired }).toEqual({
      day1: [["u1", "u2"], ["u1", "u2"], "2025-03-02"],
      day3: [["u2"], ["u1", "u2"], "2025-03-04"],
      late: [["u2", "u4"], ["u1", "u2", "u4"], "2025-03-04"],
      day5: [[], ["u2", "u4"], "2025-03-06"], // the window is now days 3..5
      expired: [[], ["u2", "u4"], "2025-03-06", 1, 5],
    });
  });

  test("user_id wins over anonymous_id; rows with neither are counted; other tables are ignored", () => {
    const a = new Audiences();
    const table = eventsTable();
    appendAndFeed(table, [
      { ts: at(0), type: "click", user_id: "u1", anonymous_id: "a1" },
      { ts: at(0), type: "click", anonymous_id: "a2" },
      { ts: at(0), type: "click" },
    ], [a]);
    const other = { ...[...feedBatches(table, 0, ["ts", "type", "user_id"])][0]!, table: "clicks" };
    a.consume(other);
    expect({ ids: a.setAlgebra("type:click", { ids: 10 }), stats: [a.stats().rows, a.stats().skippedNoUser] })
      .toEqual({ ids: { count: 2, ids: ["u1", "a2"] }, stats: [3, 1] });
  });

  test("type+campaign is exact: a click on Y and a view on X is not a click on X", () => {
    const a = new Audiences();
    appendAndFeed(eventsTable(), [
      { ts: at(0), type: "click", campaign: "Y", user_id: "u1" }, { ts: at(0), type: "view", campaign: "X", user_id: "u1" },
      { ts: at(0), type: "click", campaign: "X", user_id: "u2" },
    ], [a]);
    a.define({ name: "clicked_x", rule: { event: "click", campaign: "X" } });
    expect({
      exact: a.get("clicked_x")!.sample,
      loose: a.setAlgebra({ and: ["type:click", "campaign:X"] }, { ids: 10 }).ids,
    }).toEqual({ exact: ["u2"], loose: ["u1", "u2"] });
  });
});

describe("Audiences API errors and limits", () => {
  const errorOf = (f: () => unknown) => {
    try {
      f();
      return "no error";
    } catch (e) {
      return `${(e as EngineError).code}: ${(e as Error).message}`;
    }
  };

  test("rule validation names the bad field", () => {
    const a = new Audiences({ retentionDays: 30 });
    const cases: unknown[] = [
      null,
      { name: "bad name!", rule: { event: "x" } },
      { name: "a" },
      { name: "a", rule: { event: "x" }, extra: 1 },
      { name: "a", rule: [] },
      { name: "a", rule: {} },
      { name: "a", rule: { event: "" } },
      { name: "a", rule: { event: 3 } },
      { name: "a", rule: { event: "x", within_days: 0 } },
      { name: "a", rule: { event: "x", within_days: 2.5 } },
      { name: "a", rule: { and: [{ event: "x" }, { event: "y", within_days: 31 }] } },
      { name: "a", rule: { campaign: "X", category: "c" } },
      { name: "a", rule: { and: [] } },
      { name: "a", rule: { and: [{ event: "x" }], or: [] } },
      { name: "a", rule: { or: [{ not: { event: "x" } }] } },
      { name: "a", rule: { not: { not: { event: "x" } } } },
      { name: "a", rule: { evnt: "x" } },
    ];
    expect(cases.map((c) => errorOf(() => a.define(c)))).toEqual([
      'bad_argument: definition: expected an object {"name": ..., "rule": ...}',
      "bad_argument: definition.name: must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter, digit or '_'",
      "bad_argument: rule: is required",
      'bad_argument: definition: Unrecognized key: "extra"',
      'bad_argument: rule: expected an object: a condition such as {"event":"purchase","within_days":7}, or {"and":[...]}, {"or":[...]}, {"not":...}',
      'bad_argument: rule: a condition needs at least one of "event", "campaign", "category" (or use "and", "or", "not")',
      "bad_argument: rule.event: must not be empty",
      "bad_argument: rule.event: Invalid input: expected string, received number",
      "bad_argument: rule.within_days: must be at least 1",
      "bad_argument: rule.within_days: must be a whole number of days",
      "bad_argument: rule.and[1].within_days: 31 exceeds the retention of 30 days",
      'bad_argument: rule: "campaign" and "category" cannot be combined in one condition (events are indexed by type+campaign and type+category); use {"and":[{"campaign":...},{"category":...}]} for users who have both',
      'bad_argument: rule.and: "and" needs at least one condition',
      'bad_argument: rule: Unrecognized key: "or"',
      'bad_argument: rule.or[0]: "not" may appear only directly inside "and" (AND NOT) or as the whole rule',
      'bad_argument: rule.not: "not" may appear only directly inside "and" (AND NOT) or as the whole rule',
      'bad_argument: rule: Unrecognized key: "evnt"',
    ]);
    expect((() => { try { a.define({ name: "a", rule: { event: "" } }); } catch (e) { return (e as EngineError).detail; } })()).toEqual({ field: "rule.event" });
  });

  test("set expression errors, unknown audiences, and limits", () => {
    const a = new Audiences({ audiencesMax: 2 });
    a.define({ name: "one", rule: { event: "x" } });
    a.define({ name: "two", rule: { event: "y" } });
    a.define({ name: "two", rule: { event: "z" } }); // redefinition does not count against the limit
    let deep: unknown = { event: "x" };
    for (let i = 0; i < 16; i++) deep = { or: [deep] };
    const many = { or: Array.from({ length: 65 }, () => ({ event: "x" })) };
    expect([
      errorOf(() => a.define({ name: "three", rule: { event: "x" } })),
      errorOf(() => a.define({ name: "one", rule: deep })),
      errorOf(() => a.define({ name: "one", rule: many })),
      errorOf(() => a.setAlgebra({ and_not: ["one"] })),
      errorOf(() => a.setAlgebra("nobody")),
      errorOf(() => a.setAlgebra("device:ios")),
      errorOf(() => a.setAlgebra({ event: "x", from: "2025-02-30" })),
      errorOf(() => a.setAlgebra({ event: "x", from: "2025-03-02", to: "2025-03-01" })),
      errorOf(() => a.setAlgebra({ event: "x", within_days: 3, to: "2025-03-01" })),
      errorOf(() => a.setAlgebra(["one"])),
      errorOf(() => a.setAlgebra("one", { ids: 100_001 })),
      errorOf(() => a.exportIds("nobody")),
      errorOf(() => a.get("one", -1)),
      a.get("nobody"),
      a.remove("nobody"),
      a.list(),
    ]).toEqual([
      "bad_argument: definition.name: 2 audiences are defined, the most allowed is 2",
      "bad_argument: rule.or[0].or[0].or[0].or[0].or[0].or[0].or[0].or[0].or[0].or[0].or[0].or[0].or[0].or[0].or[0].or[0]: rules may nest at most 16 levels",
      "bad_argument: rule.or[64]: a rule may have at most 64 conditions",
      'bad_argument: expr.and_not: "and_not" takes exactly two operands [a, b] (a AND NOT b)',
      'not_found: no audience named "nobody"',
      'bad_argument: expr: unknown prefix "device:" (use "type:", "campaign:", "category:" or "audience:")',
      "bad_argument: expr.from: is not a valid date",
      'bad_argument: expr.from: 2025-03-02 is after "to" 2025-03-01',
      'bad_argument: expr: give either "within_days" or "from"/"to", not both',
      'bad_argument: expr: expected a set name such as "type:purchase" or "my_audience", an atom object, or {"and":[...]}, {"or":[...]}, {"and_not":[a, b]}',
      "bad_argument: ids: must be a whole number from 0 to 100000, got 100001",
      'not_found: no audience named "nobody"',
      "bad_argument: sample: must be a whole number from 0 to 100000, got -1",
      undefined,
      false,
      [{ name: "one", rule: { event: "x" }, size: 0 }, { name: "two", rule: { event: "z" }, size: 0 }],
    ]);
  });

  test("new users past the id limit are skipped and counted; known users still count", () => {
    const a = new Audiences({ userIds: { idsMax: 2 } });
    appendAndFeed(eventsTable(), ["u1", "u2", "u3", "u1"].map((u, i) => ({ ts: (BASE_DAY + i) * DAY_MS, type: "t", user_id: u })), [a]);
    expect({ ids: a.setAlgebra("type:t", { ids: 10 }), limit: a.stats().skippedUserLimit }).toEqual({ ids: { count: 2, ids: ["u1", "u2"] }, limit: 1 });
  });

  test("redefining, removing and abandoning exports keep no stale windows: same bitmaps as a fresh instance", () => {
    const a = new Audiences({ retentionDays: 7 });
    const table = eventsTable();
    const events = eventStream(SEED + 11, 1500, 100, 12, 3);
    for (let i = 0; i < 10; i++) {
      a.define(DEFINITIONS[i % DEFINITIONS.length]!);
      appendAndFeed(table, events.slice(i * 150, (i + 1) * 150), [a]);
      if (i % 3 === 0) a.remove(DEFINITIONS[(i + 1) % DEFINITIONS.length]!.name);
      const it = a.exportIds(DEFINITIONS[i % DEFINITIONS.length]!.name, 2);
      it.next();
      it.return(undefined);
      a.setAlgebra({ or: ["type:click", { event: "view", within_days: 2 }, { and_not: ["campaign:X", "category:bags"] }] }, { ids: 5 });
    }
    const fresh = new Audiences({ retentionDays: 7 });
    appendAndFeed(eventsTable(), events, [fresh]);
    for (const { name } of a.list()) fresh.define(DEFINITIONS.find((d) => d.name === name)!);
    const shape = (x: Audiences) => ({ bitmaps: x.stats().bitmaps, audiences: x.list().sort((p, q) => p.name.localeCompare(q.name)) });
    expect(shape(a)).toEqual(shape(fresh));
  });
});

export type { Table };
