import { describe, expect, test } from "bun:test";
import { murmur3 } from "../../../../engine/aggregate/derived-event-id.ts";
import { SequenceEngine, type DerivedEvent } from "../../../../engine/aggregate/sequence-engine.ts";
import { parseJourneyDefinition } from "../../../../engine/aggregate/sequence-definition.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../../../helpers/event-feed.ts";

// Hand-worked cases at the edges of SEMANTICS 6 (engine/aggregate/sequence-engine.ts). Each event is
// its own batch, so decisions happen at batch ends as well as before rows.
const T = Date.UTC(2025, 0, 1);
const S = 1000;
const ev = (id: string, user: string, type: string, second: number): PlainEvent => ({ event_id: id, user_id: user, type, ts: T + second * S });

function emitted(def: Record<string, unknown>, events: PlainEvent[]): { triggers: string[]; metrics: Record<string, number> } {
  const journey = parseJourneyDefinition({ name: "j", allowed_lateness_ms: 0, emit: { type: "derived" }, ...def });
  const out: DerivedEvent[] = [];
  const engine = new SequenceEngine([journey], { onEmit: (es) => out.push(...es) });
  const table = eventsTable();
  for (const e of events) appendAndFeed(table, [e], [engine]);
  const m = engine.metrics().definitions[0] as unknown as Record<string, number>;
  return {
    triggers: out.map((e) => `${(e.props as Record<string, string>).trigger_event_id}@${(Number(e.ts) - T) / S}`),
    metrics: { emitted: m.emitted!, cancelled: m.cancelled!, unmatched: m.unmatched!, pending: m.pendingCandidates! },
  };
}

/** The documented id: "jrn-" + murmur3 of "journey NUL column NUL subject NUL trigger id", seeds 1-4, UUID-shaped. */
function expectedId(...parts: string[]): string {
  const b = new TextEncoder().encode(parts.join("\u0000"));
  const h = [1, 2, 3, 4].map((seed) => murmur3(b, seed).toString(16).padStart(8, "0")).join("");
  return `jrn-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const single = { steps: [{ name: "a", where: { type: "a" } }], then: { absent: { type: "b" }, within_ms: 5 * S } };

describe("derived event ids", () => {
  test("murmur3 (x86_32) matches the published test vectors", () => {
    const t = (s: string, seed: number) => murmur3(new TextEncoder().encode(s), seed);
    expect([t("", 0), t("", 1), t("", 0xffffffff), t("test", 0), t("Hello, world!", 0), t("Hello, world!", 1234), t("The quick brown fox jumps over the lazy dog", 0), t("abc", 0), t("abcd", 0)])
      .toEqual([0, 0x514e28b7, 0x81f16f39, 0xba6bd213, 0xc0363e43, 0xfaf6cdb3, 0x2e4ff723, 0xb3dd93fa, 0x43ed676a]);
  });
});

describe("journey decisions at the edges", () => {
  test("an absent event exactly at B.ts + within_ms cancels; one millisecond later does not", () => {
    expect(emitted(single, [
      ev("1", "u1", "a", 0), ev("3", "u2", "a", 0),
      ev("2", "u1", "b", 5), { ...ev("4", "u2", "b", 5), ts: T + 5 * S + 1 },
      ev("5", "u3", "c", 20),
    ])).toEqual({ triggers: ["3@5"], metrics: { emitted: 1, cancelled: 1, unmatched: 0, pending: 0 } });
  });

  test("B is not its own absent event, but a later B is; an absent event at B's very ts counts", () => {
    expect(emitted({ ...single, then: { absent: { type: ["a", "b"] }, within_ms: 5 * S } }, [
      ev("1", "u1", "a", 0), ev("2", "u1", "a", 3), // 2 cancels 1; 2 fires at 8
      ev("3", "u2", "b", 10), ev("4", "u2", "a", 10), // b at the same ms, arrived first: still cancels
      ev("5", "u3", "c", 30),
    ])).toEqual({ triggers: ["2@8"], metrics: { emitted: 1, cancelled: 2, unmatched: 0, pending: 0 } });
  });

  test("a candidate whose deadline equals watermark - lateness is not decided yet: an event arriving then still cancels", () => {
    expect(emitted(single, [
      ev("1", "u1", "a", 0), ev("2", "u1", "a", 2), // deadlines 5 and 7
      ev("3", "u2", "c", 7), // watermark 7: decides 1 (emits), not 2 (7 is not past 7)
      ev("4", "u1", "b", 7), // accepted (7 >= 7 - 0) and within [2, 7]: cancels 2
      ev("5", "u2", "c", 20),
    ])).toEqual({ triggers: ["1@5"], metrics: { emitted: 1, cancelled: 1, unmatched: 0, pending: 0 } });
  });

  test("a chain completed by a late first step fires; a B without any chain is unmatched; undecided ones wait", () => {
    expect(emitted({
      steps: [{ name: "view", where: { type: "view" } }, { name: "cart", where: { type: "cart" } }], window_ms: 10 * S,
      allowed_lateness_ms: 3 * S, then: { absent: { type: "buy" }, within_ms: 5 * S },
    }, [
      ev("1", "u1", "cart", 4), ev("2", "u1", "view", 2), // view arrives 2 s late: the chain exists
      ev("3", "u2", "cart", 4), // no view ever
      ev("4", "u3", "view", 30), ev("5", "u3", "cart", 31), // watermark 31 - 3 is not past 36: pending
    ])).toEqual({ triggers: ["1@9"], metrics: { emitted: 1, cancelled: 0, unmatched: 1, pending: 1 } });
  });

  test("the derived event: subject, type, fields, copied columns, props, and a deterministic id", () => {
    const journey = parseJourneyDefinition({
      name: "cart_abandonment", allowed_lateness_ms: 0, by: "anonymous_id", steps: [{ name: "cart", where: { type: "cart" } }],
      then: { absent: { type: "buy" }, within_ms: 5 * S }, emit: { type: "cart_abandonment", channel: "lifecycle", copy: ["item_id", "category"] },
    });
    const out: DerivedEvent[] = [];
    const engine = new SequenceEngine([journey], { onEmit: (es) => out.push(...es) });
    appendAndFeed(eventsTable(), [
      { event_id: "c1", anonymous_id: "anon-7", user_id: "u9", type: "cart", item_id: "sku-1", ts: T },
      { event_id: "x", anonymous_id: "anon-8", type: "view", ts: T + 60 * S },
    ], [engine]);
    expect(out).toEqual([{
        event_id: expectedId("cart_abandonment", "anonymous_id", "anon-7", "c1"), type: "cart_abandonment", ts: T + 5 * S,
        anonymous_id: "anon-7", channel: "lifecycle", item_id: "sku-1",
        props: { journey: "cart_abandonment", trigger_event_id: "c1", trigger_ts: T },
    }]);
  });
});
