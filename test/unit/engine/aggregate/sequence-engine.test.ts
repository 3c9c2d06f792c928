import { describe, expect, test } from "bun:test";
import { SequenceEngine } from "../../../../engine/aggregate/sequence-engine.ts";
import { parseFunnelDefinition, parseJourneyDefinition, type FunnelDef, type JourneyDef } from "../../../../engine/aggregate/sequence-definition.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../../../helpers/event-feed.ts";
import { funnelPairs, journeyPair, runEngine } from "./sequence-run.ts";
import { randomSlices, rng, sessionStream } from "./sequence-streams.ts";

const SEED = Number(process.env.SEED ?? 20250301);
console.log(`sequence-engine tests: SEED=${SEED}`);

const MIN = 60_000;

function definitions(): (FunnelDef | JourneyDef)[] {
  const cycle = ["view", "page_view", "search"];
  return [
    parseFunnelDefinition({
      name: "checkout", window_ms: 30 * MIN, allowed_lateness_ms: 2 * MIN,
      steps: [{ name: "view", where: { type: "view" } }, { name: "cart", where: { type: "add_to_cart" } }, { name: "buy", where: { type: "purchase" } }],
    }),
    parseFunnelDefinition({
      name: "category", window_ms: 20 * MIN, step_window_ms: 5 * MIN, by: "user_id",
      steps: [
        { name: "view c1", where: { type: "view", category: "c1" } },
        { name: "cart c1|c2", where: { type: "add_to_cart", category: ["c1", "c2"] } },
        { name: "checkout", where: { type: "checkout" } },
        { name: "buy", where: { type: "purchase" }, step_window_ms: 2 * MIN },
      ],
    }),
    parseFunnelDefinition({ name: "single", window_ms: 0, steps: [{ name: "search", where: { type: "search", channel: "search" } }] }),
    parseFunnelDefinition({
      name: "long", window_ms: 30 * MIN, step_window_ms: 5 * MIN, allowed_lateness_ms: 10 * MIN,
      steps: Array.from({ length: 36 }, (_, k) => ({ name: `s${k}`, where: k % 3 === 2 ? {} : { type: [cycle[k % 3]!, cycle[(k + 1) % 3]!] } })),
    }),
    parseJourneyDefinition({
      name: "cart_abandonment", window_ms: 30 * MIN, allowed_lateness_ms: 2 * MIN,
      steps: [{ name: "view", where: { type: "view" } }, { name: "cart", where: { type: "add_to_cart" } }],
      then: { absent: { type: ["checkout", "purchase"] }, within_ms: 10 * MIN },
      emit: { type: "cart_abandonment", channel: "derived", copy: ["item_id", "category"] },
    }),
    parseJourneyDefinition({
      name: "bounce", by: "session_id", steps: [{ name: "landing", where: { type: "page_view" } }],
      then: { absent: {}, within_ms: 5 * MIN }, emit: { type: "bounce" },
    }),
  ];
}

describe("funnels and journeys against the brute-force oracle", () => {
  const defs = definitions();
  const events = sessionStream(SEED, 2500);
  const run = runEngine(defs, randomSlices(SEED + 1, events, 300));

  test("funnels: per-step entrants, conversions, time-to-convert percentiles, late and unkeyed counts", () => {
    const { got, want } = funnelPairs(run, defs, events);
    expect(got).toEqual(want);
  });

  test("journeys: the emitted events, their content and their order", () => {
    const { got, want } = journeyPair(run, defs, events);
    expect(got).toEqual(want);
  });

  test("the seeded stream exercises what it should (late rows, conversions, both journeys fire and cancel)", () => {
    const m = run.engine.metrics().definitions;
    const fired = new Set(run.emitted.map((e) => e.type));
    expect({
      late: m.every((d) => d.lateEvents > 0), converted: run.engine.funnelReports().every((f) => f.steps[Math.min(2, f.steps.length - 1)]!.entrants > 0),
      fired: [...fired].sort(), cancelled: m.filter((d) => d.kind === "journey").every((d) => "cancelled" in d && (d.cancelled as number) > 0),
    }).toEqual({ late: true, converted: true, fired: ["bounce", "cart_abandonment"], cancelled: true });
  });

  test("more than 32 steps (multi-word masks): dense out-of-order activity against the oracle", () => {
    const r = rng(SEED + 6);
    const cycle = ["view", "page_view", "search"];
    const def = parseFunnelDefinition({
      name: "forty", window_ms: 30 * MIN, step_window_ms: 2 * MIN, allowed_lateness_ms: 2 * MIN,
      steps: Array.from({ length: 40 }, (_, k) => ({ name: `s${k}`, where: { type: [cycle[k % 3]!, cycle[(k + 1) % 3]!] } })),
    });
    const dense: { e: PlainEvent; arrival: number }[] = [];
    for (const user of ["u1", "u2", "u3"]) {
      let t = Date.UTC(2025, 0, 1) + Math.floor(r() * 60_000);
      for (let i = 0; i < 60; i++) {
        t += 5_000 + Math.floor(r() * 25_000);
        dense.push({ e: { event_id: `${user}-${i}`, user_id: user, ts: t, type: cycle[Math.floor(r() * 3)]! }, arrival: t + Math.floor(r() * 90_000) });
      }
    }
    const stream = dense.sort((a, b) => a.arrival - b.arrival).map((x) => x.e);
    const dr = runEngine([def], randomSlices(SEED + 7, stream, 20));
    const { got, want } = funnelPairs(dr, [def], stream);
    const furthest = dr.engine.funnelReport("forty")!.steps.findLastIndex((s) => s.entrants > 0);
    expect({ got, beyondWord: furthest >= 32 }).toEqual({ got: want, beyondWord: true });
  });

  test("results do not depend on how rows are split into batches", () => {
    const one = runEngine(defs, [events]);
    const small = runEngine(defs, randomSlices(SEED + 2, events, 7));
    const view = (r: typeof run) => ({ reports: r.engine.funnelReports(), emitted: r.emitted, state: Array.from(r.engine.encode()) });
    expect({ one: view(one), small: view(small) }).toEqual({ one: view(run), small: view(run) });
  });

  test("encode, restore into a new process (fresh table, other codes), continue: same as never stopping", () => {
    const cut = 1300;
    const first = runEngine(defs, randomSlices(SEED + 3, events.slice(0, cut), 200));
    const bytes = first.engine.encode();
    // A restart: a new table numbered from the cut, whose dictionaries give other codes.
    const table = eventsTable();
    table.startAtRow(cut);
    const emitted = [...first.emitted];
    const engine = new SequenceEngine(defs, { onEmit: (es) => emitted.push(...es) });
    const restored = engine.restore(bytes);
    for (const b of randomSlices(SEED + 4, events.slice(cut), 250)) appendAndFeed(table, b, [engine]);
    const metricsOf = (e: SequenceEngine) => e.metrics().definitions.map(({ stateBytes: _, ...rest }) => rest);
    expect({
      restored, reports: engine.funnelReports(), emitted, metrics: metricsOf(engine), state: Array.from(engine.encode()), nextRow: engine.nextRow,
    }).toEqual({
      restored: { restored: defs.map((d) => d.name), discarded: [], fresh: [] },
      reports: run.engine.funnelReports(), emitted: run.emitted, metrics: metricsOf(run.engine), state: Array.from(run.engine.encode()),
      nextRow: events.length,
    });
  });

  test("derived events carry deterministic ids: a replay from scratch emits the same ones", () => {
    const again = runEngine(defs, randomSlices(SEED + 5, events, 50));
    const ids = run.emitted.map((e) => e.event_id);
    expect({ ids: again.emitted.map((e) => e.event_id), distinct: new Set(ids).size }).toEqual({ ids, distinct: ids.length });
  });
});

describe("state bounds", () => {
  const funnel = (extra: Record<string, unknown>) => parseFunnelDefinition({
    name: "f", window_ms: 10 * MIN, allowed_lateness_ms: 0,
    steps: [{ name: "a", where: { type: "a" } }, { name: "b", where: { type: "b" } }], ...extra,
  });
  const T = Date.UTC(2025, 0, 1);
  const ev = (user: string, type: string, minute: number): PlainEvent => ({ user_id: user, type, ts: T + minute * MIN });
  const summary = (e: SequenceEngine) => {
    const m = e.metrics().definitions[0]!;
    return {
      entrants: e.funnelReport("f")!.steps.map((s) => s.entrants), users: m.stateUsers, events: m.stateEvents,
      expired: m.expiredUsers, evicted: m.evictedUsers, dropped: m.droppedEvents, late: m.lateEvents,
    };
  };
  const feed = (def: FunnelDef, batches: PlainEvent[][]) => {
    const engine = new SequenceEngine([def]);
    const table = eventsTable();
    const seen = batches.map((b) => (appendAndFeed(table, b, [engine]), summary(engine)));
    return seen;
  };

  test("TTL: a subject is freed once the watermark passes its newest event by window + lateness; coming back is a new entrant", () => {
    const seen = feed(funnel({}), [
      [ev("u1", "a", 0), ev("u1", "b", 1)],
      [ev("u2", "x", 11)], // watermark 11: u1's newest (1) + 10 is not below it yet
      [ev("u2", "x", 11.5)], // now it is: u1 is freed
      [ev("u1", "a", 12)], // and its return starts a second entrant
    ]);
    expect(seen).toEqual([
      { entrants: [1, 1], users: 1, events: 2, expired: 0, evicted: 0, dropped: 0, late: 0 },
      { entrants: [1, 1], users: 1, events: 2, expired: 0, evicted: 0, dropped: 0, late: 0 },
      { entrants: [1, 1], users: 0, events: 0, expired: 1, evicted: 0, dropped: 0, late: 0 },
      { entrants: [2, 1], users: 1, events: 1, expired: 1, evicted: 0, dropped: 0, late: 0 },
    ]);
  });

  test("lateness: a row older than watermark - allowed_lateness_ms is ignored and counted", () => {
    const seen = feed(funnel({ allowed_lateness_ms: 2 * MIN }), [
      [ev("u1", "b", 5), ev("u1", "a", 3)], // 2 minutes late: accepted, and completes the chain
      [ev("u2", "a", 6), ev("u2", "b", 3.9)], // 2.1 minutes late: ignored
    ]);
    expect(seen).toEqual([
      { entrants: [1, 1], users: 1, events: 2, expired: 0, evicted: 0, dropped: 0, late: 0 },
      { entrants: [2, 1], users: 2, events: 3, expired: 0, evicted: 0, dropped: 0, late: 1 },
    ]);
  });

  test("max_users: admitting one more evicts the subject whose newest event is oldest", () => {
    const seen = feed(funnel({ max_users: 2 }), [
      [ev("u1", "a", 0), ev("u2", "a", 1), ev("u1", "b", 2)], // u1 converts; newest: u1 2, u2 1
      [ev("u3", "a", 3)], // evicts u2 (newest 1), not u1 (whose first event is older)
      [ev("u2", "b", 4)], // u2's a is gone: no conversion (it would have converted); evicts u1 (newest 2)
    ]);
    expect(seen).toEqual([
      { entrants: [2, 1], users: 2, events: 3, expired: 0, evicted: 0, dropped: 0, late: 0 },
      { entrants: [3, 1], users: 2, events: 3, expired: 0, evicted: 1, dropped: 0, late: 0 },
      { entrants: [3, 1], users: 2, events: 2, expired: 0, evicted: 2, dropped: 0, late: 0 },
    ]);
  });

  test("max_events_per_user: the oldest retained event is dropped after the new one is evaluated", () => {
    const def = funnel({ max_events_per_user: 2, allowed_lateness_ms: 10 * MIN });
    const engine = new SequenceEngine([def]);
    const table = eventsTable();
    const seen = [
      [ev("u1", "a", 0), ev("u1", "a", 1), ev("u1", "a", 2)], // the a at 0 is dropped
      [ev("u1", "b", 3)], // converts in 1 minute from the a at 2; the a at 1 is dropped
      [ev("u1", "b", 0.5)], // late: 0.5 minutes after the a at 0, but that a is gone: still 1 minute
    ].map((b) => {
      appendAndFeed(table, b, [engine]);
      const p50 = engine.funnelReport("f")!.steps[1]!.timeToConvertMs?.p50;
      return { ...summary(engine), ttcMinutes: p50 === undefined ? null : Math.round(p50 / MIN * 10) / 10 };
    });
    expect(seen).toEqual([
      { entrants: [1, 0], users: 1, events: 2, expired: 0, evicted: 0, dropped: 1, late: 0, ttcMinutes: null },
      { entrants: [1, 1], users: 1, events: 2, expired: 0, evicted: 0, dropped: 2, late: 0, ttcMinutes: 1 },
      { entrants: [1, 1], users: 1, events: 2, expired: 0, evicted: 0, dropped: 3, late: 0, ttcMinutes: 1 },
    ]);
  });

  test("a history drops its expired prefix, checked at every eighth entry, once it is a quarter of the history", () => {
    const engine = new SequenceEngine([funnel({})]);
    const table = eventsTable();
    const retained = Array.from({ length: 20 }, (_, minute) => {
      appendAndFeed(table, [ev("u1", "a", minute)], [engine]);
      return engine.metrics().definitions[0]!.stateEvents;
    });
    // At minute t the horizon is t - 1 - 10 (watermark before the row, window 10, lateness 0). The
    // prefix is looked at when 8 or 16 entries are held: at 8 (minute 8) nothing has expired; at 16
    // (minute 16) minutes 0-4 have, 5 >= 16 / 4, so they go before minute 16 goes in.
    expect(retained).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 12, 13, 14, 15]);
  });

  test("max_events_per_user drops the oldest ceil(max / 8) live events at once", () => {
    const seen = feed(funnel({ max_events_per_user: 9 }), [Array.from({ length: 10 }, (_, i) => ev("u1", "a", i / 10)), [ev("u1", "a", 1)]]);
    expect(seen.map((x) => ({ events: x.events, dropped: x.dropped }))).toEqual([{ events: 8, dropped: 2 }, { events: 9, dropped: 2 }]);
  });
});

describe("checkpoints and feeding", () => {
  const defs = definitions();
  const events = sessionStream(SEED + 10, 600);
  const run = runEngine(defs, [events]);

  test("restore keeps equal definitions, drops changed or removed ones, starts new ones empty", () => {
    const [checkout, , ...rest] = defs;
    const changed = parseFunnelDefinition({ name: "category", window_ms: 1, steps: [{ name: "x", where: { type: "view" } }] });
    const added = parseFunnelDefinition({ name: "added", window_ms: 1, steps: [{ name: "x", where: { type: "view" } }] });
    const engine = new SequenceEngine([checkout!, changed, added, ...rest.filter((d) => d.name !== "single")]);
    const result = engine.restore(run.engine.encode());
    expect({ result, checkout: engine.funnelReport("checkout"), added: engine.funnelReport("added")!.steps[0]!.entrants }).toEqual({
      result: { restored: ["checkout", "long", "cart_abandonment", "bounce"], discarded: ["category", "single"], fresh: ["category", "added"] },
      checkout: run.engine.funnelReport("checkout"), added: 0,
    });
  });

  test("corrupt checkpoints are data_corrupt errors, never partial state", () => {
    const bytes = run.engine.encode();
    const attempt = (b: Uint8Array) => {
      try {
        new SequenceEngine(defs).restore(b);
        return "restored";
      } catch (e) {
        return (e as { code?: string }).code ?? String(e);
      }
    };
    const flipped = bytes.slice();
    flipped[0] = flipped[0]! ^ 0xff;
    expect([attempt(bytes.subarray(0, bytes.length - 3)), attempt(flipped), attempt(new Uint8Array(0)), attempt(bytes)])
      .toEqual(["data_corrupt", "data_corrupt", "data_corrupt", "restored"]);
  });

  test("a feed that scans only engine.columns() gives the same results as one with every column", () => {
    const emitted: unknown[] = [];
    const narrow = new SequenceEngine(defs, { onEmit: (es) => emitted.push(...es) });
    appendAndFeed(eventsTable(), events, [narrow], narrow.columns());
    expect({ reports: narrow.funnelReports(), emitted, state: Array.from(narrow.encode()), columns: narrow.columns().sort() }).toEqual({
      reports: run.engine.funnelReports(), emitted: run.emitted, state: Array.from(run.engine.encode()),
      columns: ["anonymous_id", "category", "channel", "event_id", "item_id", "session_id", "ts", "type", "user_id"],
    });
  });

  test("metrics report the state held: subjects, events and bytes", () => {
    const m = run.engine.metrics();
    const sum = (f: (d: (typeof m.definitions)[number]) => number) => m.definitions.reduce((s, d) => s + f(d), 0);
    expect({ users: m.stateUsers, positive: m.stateBytes > sum((d) => d.stateEvents) * 8, watermark: m.watermarkMs })
      .toEqual({ users: sum((d) => d.stateUsers), positive: true, watermark: Math.max(...events.map((e) => Number(e.ts))) });
  });
});
