import { describe, expect, test } from "bun:test";
import { EngineError } from "../../../../engine/core/errors.ts";
import { parseFunnelDefinition, parseJourneyDefinition, SEQUENCE_LIMITS } from "../../../../engine/aggregate/sequence-definition.ts";

const MATCHABLE = "type, user_id, anonymous_id, session_id, campaign, channel, source, medium, ad_id, creative_id, item_id, category, currency, country, region, city, device, os, browser, url, referrer, platform, text";

function failure(f: () => unknown): { code: string; message: string } | "accepted" {
  try {
    f();
    return "accepted";
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return { code: e.code, message: e.message };
  }
}

const step = (type: string, extra: Record<string, unknown> = {}) => ({ name: type, where: { type }, ...extra });

describe("funnel definitions", () => {
  test("normalizes: defaults, sorted distinct values, per-step windows, key order does not change the canonical text", () => {
    const a = parseFunnelDefinition({
      name: "f", window_ms: 1000, steps: [{ name: "a", where: { type: ["b", "a", "a"], country: "US" } }, step("c", { step_window_ms: 10 }), step("d")],
    });
    const b = parseFunnelDefinition({
      steps: [{ where: { country: ["US"], type: ["a", "b"] }, name: "a" }, { step_window_ms: 10, where: { type: "c" }, name: "c" }, step("d")], window_ms: 1000, name: "f",
    });
    const { canonical, ...rest } = a;
    expect({ rest, same: canonical === b.canonical }).toEqual({
      rest: {
        kind: "funnel", name: "f",
        steps: [{ name: "a", where: { country: ["US"], type: ["a", "b"] } }, { name: "c", where: { type: ["c"] } }, { name: "d", where: { type: ["d"] } }],
        stepWindowMs: [0, 10, 1000], windowMs: 1000, by: ["user_id", "anonymous_id"], allowedLatenessMs: 60_000, maxUsers: 100_000, maxEventsPerUser: 256,
      },
      same: true,
    });
  });

  test("the definition's step_window_ms is the default for steps without their own; by names one column", () => {
    const d = parseFunnelDefinition({ name: "f", window_ms: 100, step_window_ms: 7, by: "session_id", steps: [step("a"), step("b"), step("c", { step_window_ms: 3 })] });
    expect({ stepWindowMs: d.stepWindowMs, by: d.by }).toEqual({ stepWindowMs: [0, 7, 3], by: ["session_id"] });
  });

  test("every problem is named, with where it is", () => {
    expect([
      failure(() => parseFunnelDefinition({ name: "f", window_ms: 1000, steps: [step("a"), { name: "b", where: { type: [] } }], extra: 1 })),
      failure(() => parseFunnelDefinition({ name: "f", window_ms: 1000, by: "nope", steps: [{ name: "a", where: { type: "view", cmpaign: "x" }, step_window_ms: 5 }] })),
      failure(() => parseFunnelDefinition({ name: "", window_ms: -1, steps: [] })),
    ]).toEqual([
      { code: "bad_config", message: 'funnel definition "f" is invalid:\n✖ Unrecognized key: "extra"\n✖ Too small: expected array to have >=1 items\n  → at steps[1].where.type' },
      {
        code: "bad_config",
        message: 'funnel definition "f" is invalid:\n' +
          `✖ "cmpaign" is not a string column that can be matched (one of ${MATCHABLE})\n  → at steps[0].where.cmpaign\n` +
          "✖ the first step has no previous step: step_window_ms is not allowed on it\n  → at steps[0].step_window_ms\n" +
          `✖ by: "nope" is not a string column (one of ${MATCHABLE})\n  → at by`,
      },
      {
        code: "bad_config",
        message: 'funnel definition "" is invalid:\n' +
          "✖ 1 to 64 letters, digits, _ . - (not starting with . or -)\n  → at name\n" +
          "✖ Too small: expected array to have >=1 items\n  → at steps\n" +
          "✖ Too small: expected number to be >=0\n  → at window_ms",
      },
    ]);
  });

  test("limits: steps, users, events per user, intervals", () => {
    const steps = (n: number) => Array.from({ length: n }, (_, k) => step(`t${k}`));
    const base = { name: "f", window_ms: 1000, steps: steps(2) };
    const outcome = (d: Record<string, unknown>) => {
      const f = failure(() => parseFunnelDefinition({ ...base, ...d }));
      return f === "accepted" ? f : f.message.split("\n")[1];
    };
    expect([
      outcome({ steps: steps(SEQUENCE_LIMITS.STEPS_MAX) }),
      outcome({ steps: steps(SEQUENCE_LIMITS.STEPS_MAX + 1) }),
      outcome({ max_users: SEQUENCE_LIMITS.USERS_MAX }),
      outcome({ max_users: SEQUENCE_LIMITS.USERS_MAX + 1 }),
      outcome({ max_events_per_user: SEQUENCE_LIMITS.EVENTS_PER_USER_MAX + 1 }),
      outcome({ window_ms: SEQUENCE_LIMITS.INTERVAL_MS_MAX + 1 }),
      outcome({ steps: [step("a"), { name: "b", where: { type: Array.from({ length: SEQUENCE_LIMITS.WHERE_VALUES_MAX + 1 }, (_, i) => `v${i}`) } }] }),
    ]).toEqual([
      "accepted",
      "✖ Too big: expected array to have <=256 items",
      "accepted",
      "✖ Too big: expected number to be <=10000000",
      "✖ Too big: expected number to be <=65536",
      "✖ Too big: expected number to be <=7776000000",
      "✖ Too big: expected array to have <=10000 items",
    ]);
  });

  test("other string columns can be allowed (a table with declared columns)", () => {
    const d = parseFunnelDefinition({ name: "f", window_ms: 10, by: "device_id", steps: [{ name: "a", where: { reading: "high" } }] }, { stringColumns: ["reading", "device_id"] });
    expect({ where: d.steps[0]!.where, by: d.by }).toEqual({ where: { reading: ["high"] }, by: ["device_id"] });
  });
});

describe("journey definitions", () => {
  test("normalizes the absence and the emitted event", () => {
    const { canonical: _, ...d } = parseJourneyDefinition({
      name: "cart_abandonment", window_ms: 1_800_000, steps: [step("view"), step("add_to_cart")],
      then: { absent: { type: ["purchase", "checkout"] }, within_ms: 1_800_000 },
      emit: { type: "cart_abandonment", channel: "lifecycle", copy: ["item_id", "category", "item_id"] },
    });
    expect(d).toEqual({
      kind: "journey", name: "cart_abandonment", steps: [{ name: "view", where: { type: ["view"] } }, { name: "add_to_cart", where: { type: ["add_to_cart"] } }],
      stepWindowMs: [0, 1_800_000], windowMs: 1_800_000, by: ["user_id", "anonymous_id"], allowedLatenessMs: 60_000, maxUsers: 100_000, maxEventsPerUser: 256,
      absent: { type: ["checkout", "purchase"] }, withinMs: 1_800_000,
      emit: { type: "cart_abandonment", fields: { channel: "lifecycle" }, copy: ["category", "item_id"] },
    });
  });

  test("a webhook is kept but is not part of the canonical text (changing it keeps the state); a bad one is named", () => {
    const base = { name: "j", steps: [step("a")], then: { absent: {}, within_ms: 5 }, emit: { type: "t" } };
    const plain = parseJourneyDefinition(base);
    const hooked = parseJourneyDefinition({ ...base, webhook: { url: "https://hooks.example/x", headers: { authorization: "Bearer k" } } });
    expect([plain.webhook, hooked.webhook, hooked.canonical === plain.canonical]).toEqual([undefined, { url: "https://hooks.example/x", headers: { authorization: "Bearer k" } }, true]);
    const bad = failure(() => parseJourneyDefinition({ ...base, webhook: { url: "ftp://x" } }));
    expect(bad !== "accepted" && bad.code === "bad_config" && bad.message.includes("webhook.url") && bad.message.includes("http:// or https://")).toBe(true);
  });

  test("a one-step journey needs no window; the emitted event cannot set engine columns", () => {
    expect([
      failure(() => parseJourneyDefinition({ name: "j", steps: [step("a")], then: { absent: {}, within_ms: 5 }, emit: { type: "t" } })),
      failure(() => parseJourneyDefinition({
        name: "j", steps: [step("a"), step("b")], then: { absent: { tpe: "x" }, within_ms: 5 },
        emit: { type: "t", user_id: "x", ts: 5, country: 3, region: "r", copy: ["region", "event_id"] },
      })),
    ]).toEqual([
      "accepted",
      {
        code: "bad_config",
        message: 'journey definition "j" is invalid:\n' +
          "✖ window_ms is required when there is more than one step\n  → at window_ms\n" +
          `✖ "tpe" is not a string column that can be matched (one of ${MATCHABLE})\n  → at then.absent.tpe\n` +
          "✖ emit.country: expected a string, got 3\n  → at emit.country\n" +
          "✖ emit.ts is set by the engine and cannot be given\n  → at emit.ts\n" +
          "✖ emit.user_id is set by the engine and cannot be given\n  → at emit.user_id\n" +
          '✖ emit.copy: "event_id" is not a string column that can be copied\n  → at emit.copy\n' +
          '✖ emit.copy: "region" is also given a constant value\n  → at emit.copy',
      },
    ]);
  });
});
