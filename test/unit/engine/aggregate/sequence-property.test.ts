import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseFunnelDefinition, parseJourneyDefinition } from "../../../../engine/aggregate/sequence-definition.ts";
import type { PlainEvent } from "../../../helpers/event-feed.ts";
import { funnelPairs, journeyPair, runEngine } from "./sequence-run.ts";

const SEED = Number(process.env.SEED ?? 4242);
console.log(`sequence-property tests: SEED=${SEED}`);

// Small worlds so that edges happen often: 4 types, 3 users (or none), times on a 1-second grid that
// advances 0-2 s per event with lags of up to 14 s (ties, gaps exactly at a window, late rows),
// windows of 0 to 12 seconds.
const S = 1000;
const T0 = Date.UTC(2025, 0, 1);
const types = ["a", "b", "c", "d"];

const where = fc.record({
  type: fc.subarray(types, { minLength: 1 }),
  channel: fc.option(fc.constantFrom("x", "y"), { nil: undefined }),
}).map((w) => (w.channel === undefined ? { type: w.type } : { type: w.type, channel: w.channel }));

const common = fc.record({
  steps: fc.array(fc.record({ where, gap: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }) }), { minLength: 1, maxLength: 4 }),
  window: fc.integer({ min: 0, max: 12 }),
  lateness: fc.integer({ min: 0, max: 10 }),
  byUser: fc.boolean(),
});

function spec(c: typeof common extends fc.Arbitrary<infer T> ? T : never, name: string) {
  return {
    name, window_ms: c.window * S, allowed_lateness_ms: c.lateness * S, ...(c.byUser ? { by: "user_id" } : {}),
    steps: c.steps.map((s, k) => ({ name: `s${k}`, where: s.where, ...(k > 0 && s.gap !== undefined ? { step_window_ms: s.gap * S } : {}) })),
  };
}

const funnelDef = common.map((c) => parseFunnelDefinition(spec(c, "f")));
const journeyDef = fc.record({ c: common, absent: fc.subarray(types), within: fc.integer({ min: 0, max: 8 }) })
  .map(({ c, absent, within }) => parseJourneyDefinition({
    ...spec(c, "j"), then: { absent: absent.length ? { type: absent } : {}, within_ms: within * S }, emit: { type: "derived" },
  }));

const event = fc.record({
  who: fc.constantFrom<PlainEvent>({ user_id: "u1" }, { user_id: "u1" }, { user_id: "u2" }, { anonymous_id: "a1" }, { user_id: "u3", anonymous_id: "a1" }, {}),
  type: fc.constantFrom(...types),
  channel: fc.option(fc.constantFrom("x", "y"), { nil: undefined }),
  /** The clock advances by this many seconds before the event arrives... */
  advance: fc.integer({ min: 0, max: 2 }),
  /** ...and the event happened this long before its arrival (mostly not at all). */
  lag: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 14 }), weight: 2 }),
});
const stream = fc.array(event, { maxLength: 50, size: "max" }).map((es) => {
  let clock = 20;
  return es.map((e, i): PlainEvent => {
    clock += e.advance;
    return { event_id: `e${i}`, type: e.type, ts: T0 + (clock - e.lag) * S, ...e.who, ...(e.channel ? { channel: e.channel } : {}) };
  });
});
const cuts = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 });

function slices<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  for (let i = 0, k = 0; i < items.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

describe("funnels and journeys equal the oracle on random definitions and streams", () => {
  test("funnels", () => {
    fc.assert(fc.property(fc.array(funnelDef, { minLength: 1, maxLength: 2 }), stream, cuts, (defs, events, sizes) => {
      const named = defs.map((d, i) => ({ ...d, name: `f${i}`, canonical: `${d.canonical}#${i}` }));
      const { got, want } = funnelPairs(runEngine(named, slices(events, sizes)), named, events);
      expect(got).toEqual(want);
    }), { seed: SEED, numRuns: 250 });
  }, 60_000);

  test("journeys", () => {
    fc.assert(fc.property(fc.array(journeyDef, { minLength: 1, maxLength: 2 }), stream, cuts, (defs, events, sizes) => {
      const named = defs.map((d, i) => ({ ...d, name: `j${i}`, canonical: `${d.canonical}#${i}` }));
      const { got, want } = journeyPair(runEngine(named, slices(events, sizes)), named, events);
      expect(got).toEqual(want);
    }), { seed: SEED + 1, numRuns: 250 });
  }, 60_000);
});
