// The alert engine on a controllable clock: threshold alerts fire and clear exactly at the ticks the
// definition says (expectations worked out by hand from the series in each test), no flapping, rules
// added and removed at runtime, restart through encode/decode, and the limits.

import { describe, expect, test } from "bun:test";
import { AlertEngine, ALERT_ENGINE_LIMITS } from "../../../../engine/aggregate/alert-engine.ts";
import { parseAlertRule } from "../../../../engine/aggregate/alert-rules.ts";
import { EngineError } from "../../../../engine/core/errors.ts";
import { AlertHarness, MINUTE, ORIGIN, stepStart } from "./alert-harness.ts";

const T = (v: boolean) => (v ? 150 : 50);
/** pv > 100 per minute, campaign bf-2026. */
const pvHigh = { name: "pv_high", metric: "pv", filter: { campaign: "bf-2026" }, kind: "threshold", op: ">", value: 100 };
const F = { campaign: "bf-2026" };

function errorOf(f: () => unknown): { code: string; message: string } {
  try { f(); } catch (e) { if (e instanceof EngineError) return { code: e.code, message: e.message }; throw e; }
  throw new Error("expected an EngineError");
}

describe("threshold", () => {
  test("fires at the tick its condition has held for for_seconds, clears after clear_after_seconds false", () => {
    const h = new AlertHarness();
    //                         0   1    2    3   4    5    6    7    8   9    10  11  12
    h.source.set("pv", F, [50, 150, 150, 50, 150, 150, 150, 150, 50, 150, 50, 50, 150]);
    h.put({ ...pvHigh, for_seconds: 180, clear_after_seconds: 120 });
    h.runUntil(stepStart(13));
    // Steps 1-2 hold but step 3 breaks the run; steps 4, 5, 6 hold: fires at the end of step 6 (10:07).
    // Step 8 is a single false step, step 9 holds again; steps 10 and 11 are false: resolves at the
    // end of step 11 (10:12). Step 12 holds once: pending, no transition.
    expect(h.log).toEqual([
      {
        tickAt: stepStart(7),
        t: {
          rule: "pv_high", kind: "threshold", metric: "pv", filter: F, severity: "warning", state: "firing", reason: "condition",
          episode: `pv_high@${stepStart(7)}`, value: 150, threshold: { op: ">", value: 100 }, baseline: null,
          at: stepStart(7), since: stepStart(4), fired_at: stepStart(7), step_from: stepStart(6), step_to: stepStart(7),
          text: '[warning] pv_high firing: pv{campaign="bf-2026"} = 150 (> 100) since 2026-11-27T10:04:00.000Z, for 180 s',
        },
      },
      {
        tickAt: stepStart(12),
        t: {
          rule: "pv_high", kind: "threshold", metric: "pv", filter: F, severity: "warning", state: "resolved", reason: "condition",
          episode: `pv_high@${stepStart(7)}`, value: 50, threshold: { op: ">", value: 100 }, baseline: null,
          at: stepStart(12), since: stepStart(10), fired_at: stepStart(7), step_from: stepStart(11), step_to: stepStart(12),
          text: '[warning] pv_high resolved: pv{campaign="bf-2026"} = 50 (not > 100) since 2026-11-27T10:10:00.000Z, after firing since 2026-11-27T10:07:00.000Z',
        },
      },
    ]);
    expect(h.engine.status()).toEqual([
      { rule: "pv_high", state: "pending", since: stepStart(12), fired_at: null, value: 150, evaluated_to: stepStart(13), error: null },
    ]);
  });

  test("status moves inactive -> pending -> firing on the same ticks", () => {
    const h = new AlertHarness();
    h.source.set("pv", F, [50, 150, 150, 150]);
    h.put({ ...pvHigh, for_seconds: 180 });
    const seen: string[] = [];
    for (let k = 1; k <= 4; k++) {
      h.runUntil(stepStart(k) - 1000);
      const before = h.engine.status()[0]!.state;
      h.runUntil(stepStart(k));
      seen.push(`${before}->${h.engine.status()[0]!.state}`);
    }
    expect(seen).toEqual(["inactive->inactive", "inactive->pending", "pending->pending", "pending->firing"]);
  });

  test("for_seconds 0 fires on the first true step; each operator compares as written", () => {
    const h = new AlertHarness();
    h.source.set("x", undefined, [99, 100, 101]);
    for (const [name, op] of [["gt", ">"], ["ge", ">="], ["lt", "<"], ["le", "<="]]) h.put({ name, metric: "x", kind: "threshold", op, value: 100 });
    h.runUntil(stepStart(3));
    // 99: lt and le fire. 100: ge fires, lt resolves. 101: gt fires, le resolves. Within a tick, rules
    // are evaluated in the order they were added (gt, ge, lt, le).
    expect(h.log.map((e) => [e.t.rule, e.t.state, e.t.value, e.tickAt])).toEqual([
      ["lt", "firing", 99, stepStart(1)], ["le", "firing", 99, stepStart(1)],
      ["ge", "firing", 100, stepStart(2)], ["lt", "resolved", 100, stepStart(2)],
      ["gt", "firing", 101, stepStart(3)], ["le", "resolved", 101, stepStart(3)],
    ]);
  });

  test("no flapping: true runs shorter than for_seconds never fire, dips shorter than clear_after_seconds never resolve", () => {
    const h = new AlertHarness();
    // for 5 steps, clear 3 steps. Runs of 4 true between single false steps, ten times; then 5 true
    // (fires); then dips of 2 false between 1 true, ten times.
    const series = [
      ...Array.from({ length: 10 }, () => [true, true, true, true, false]).flat(),
      true, true, true, true, true,
      ...Array.from({ length: 10 }, () => [false, false, true]).flat(),
    ];
    h.source.set("pv", F, series.map(T));
    h.put({ ...pvHigh, for_seconds: 300, clear_after_seconds: 180 });
    h.runUntil(stepStart(series.length));
    expect(h.log.map((e) => [e.t.state, e.tickAt, e.t.since])).toEqual([["firing", stepStart(55), stepStart(50)]]);
  });

  test("sparse ticks give the same transitions, emitted at the first tick after they are due", () => {
    const series = [false, true, true, true, false, false, true, true, true, true, false, false, false].map(T);
    const dense = new AlertHarness();
    dense.source.set("pv", F, series);
    dense.put({ ...pvHigh, for_seconds: 120, clear_after_seconds: 120 });
    dense.runUntil(stepStart(series.length));
    const sparse = new AlertHarness();
    sparse.source.set("pv", F, series);
    sparse.put({ ...pvHigh, for_seconds: 120, clear_after_seconds: 120 });
    sparse.runUntil(stepStart(series.length) + 7 * MINUTE, 7 * MINUTE + 13_000);
    const tickEvery = 7 * MINUTE + 13_000;
    expect(sparse.log).toEqual(dense.log.map((e) => ({ ...e, tickAt: Math.ceil(e.t.at / tickEvery) * tickEvery })));
  });

  test("no data: ok counts as false, hold skips the step", () => {
    const series = [150, 150, null, 150, 50, null, 50];
    const run = (no_data: string) => {
      const h = new AlertHarness();
      h.source.set("pv", F, series);
      h.put({ ...pvHigh, for_seconds: 180, clear_after_seconds: 120, no_data });
      h.runUntil(stepStart(series.length));
      return h.log.map((e) => [e.t.state, e.tickAt, e.t.since]);
    };
    // ok: the null at step 2 breaks the run of three; nothing fires. hold: steps 0, 1, 3 are three
    // consecutive steps with data: fires at the end of step 3 since step 0; then 4 and 6 are two
    // consecutive false steps with data: resolves at the end of step 6 since step 4.
    expect({ ok: run("ok"), hold: run("hold") }).toEqual({
      ok: [],
      hold: [["firing", stepStart(4), stepStart(0)], ["resolved", stepStart(7), stepStart(4)]],
    });
  });

  test("eval_delay_seconds: a step is evaluated that long after it ends", () => {
    const h = new AlertHarness();
    h.source.set("pv", F, [50, 150, 150]);
    h.put({ ...pvHigh, for_seconds: 120, eval_delay_seconds: 15 });
    h.runUntil(stepStart(4));
    expect(h.log.map((e) => [e.tickAt, e.t.at, e.t.step_to])).toEqual([[stepStart(3) + 15_000, stepStart(3) + 15_000, stepStart(3)]]);
  });

  test("a rule added mid-step first evaluates the step that comes due next; history is not replayed", () => {
    const h = new AlertHarness();
    h.source.set("pv", F, Array(10).fill(150));
    h.runUntil(stepStart(4) + 30_000);
    h.put({ ...pvHigh, for_seconds: 120 });
    h.runUntil(stepStart(8));
    // Added at 10:04:30: first evaluated step is [10:04, 10:05); two true steps fire at 10:06.
    expect(h.log.map((e) => [e.t.state, e.tickAt, e.t.since])).toEqual([["firing", stepStart(6), stepStart(4)]]);
  });
});

describe("rules at runtime", () => {
  test("add, replace, keep unchanged, remove: firing rules resolve with the reason; pending ones vanish", () => {
    const h = new AlertHarness();
    h.source.set("pv", F, Array(30).fill(150));
    h.source.set("cvr", undefined, Array(30).fill(0.01));
    const results: unknown[] = [];
    h.put({ ...pvHigh, for_seconds: 120 });                                     // fires at 10:02
    h.runUntil(stepStart(3));
    results.push(h.engine.put(parseAlertRule({ ...pvHigh, for_seconds: 120 }))); // unchanged: keeps firing
    const low = { name: "cvr_low", metric: "cvr", kind: "threshold", op: "<", value: 0.02, for_seconds: 300 };
    results.push(h.engine.put(parseAlertRule(low)));                            // added at 10:03
    h.runUntil(stepStart(5));                                                   // cvr_low pending (2 of 5)
    results.push(h.engine.put(parseAlertRule({ ...low })));                     // unchanged: stays pending
    h.runUntil(stepStart(6) + 5000);
    results.push(h.engine.put(parseAlertRule({ ...pvHigh, for_seconds: 120, severity: "critical" }))); // replaced at 10:06:05
    h.runUntil(stepStart(8));                                                   // cvr_low fires at 10:08; pv_high again at 10:08
    h.clock.advanceTo(stepStart(9) + 1000);
    results.push(h.engine.remove("pv_high"), h.engine.remove("pv_high"));        // removed while firing (steps to 10:09 not yet ticked)
    h.engine.put(parseAlertRule({ name: "pending_one", metric: "pv", kind: "threshold", op: ">", value: 1, for_seconds: 600 }));
    h.runUntil(stepStart(12));
    results.push(h.engine.remove("pending_one"));
    expect({
      results,
      log: h.log.map((e) => [e.tickAt, e.t.rule, e.t.state, e.t.reason, e.t.severity, e.t.at, e.t.since, e.t.episode]),
      rules: h.engine.rules().map((r) => r.name),
    }).toEqual({
      results: ["unchanged", "added", "unchanged", "replaced", true, false, true],
      log: [
        [stepStart(2), "pv_high", "firing", "condition", "warning", stepStart(2), stepStart(0), `pv_high@${stepStart(2)}`],
        [stepStart(6) + 5000, "pv_high", "resolved", "rule_replaced", "warning", stepStart(6) + 5000, stepStart(6) + 5000, `pv_high@${stepStart(2)}`],
        // The replacement's first step is [10:06, 10:07): fires at 10:08, the tick cvr_low fires on too.
        // A replaced rule keeps its place in the evaluation order, so pv_high comes first.
        [stepStart(8), "pv_high", "firing", "condition", "critical", stepStart(8), stepStart(6), `pv_high@${stepStart(8)}`],
        [stepStart(8), "cvr_low", "firing", "condition", "warning", stepStart(8), stepStart(3), `cvr_low@${stepStart(8)}`],
        [stepStart(9) + 1000, "pv_high", "resolved", "rule_removed", "critical", stepStart(9) + 1000, stepStart(9) + 1000, `pv_high@${stepStart(8)}`],
      ],
      rules: ["cvr_low"],
    });
  });

  test("the sink receives the rule with each transition (for its webhook)", () => {
    const h = new AlertHarness();
    const seen: string[] = [];
    h.engine = new AlertEngine(h.options({ sink: (t, rule) => seen.push(`${t.rule}:${rule.webhook?.url}`) }));
    h.source.set("pv", F, [150]);
    h.put({ ...pvHigh, webhook: { url: "https://hooks.example/a" } });
    h.runUntil(stepStart(1));
    expect(seen).toEqual(["pv_high:https://hooks.example/a"]);
  });

  test("a failing source leaves the step due; it is evaluated once the source answers", () => {
    const h = new AlertHarness();
    h.source.set("pv", F, [150, 150, 150, 50]);
    h.put({ ...pvHigh, for_seconds: 180 });
    h.runUntil(stepStart(1));
    h.source.failure = new Error("rollup pv unavailable");
    h.runUntil(stepStart(3) + 30_000);
    const during = h.engine.status()[0];
    h.source.failure = null;
    h.runUntil(stepStart(4));
    // The steps ending 10:02 and 10:03 are evaluated at 10:03:31, when the source answers again: the
    // alert fires then, stamped with the step's own time.
    expect({ during, log: h.log.map((e) => [e.tickAt, e.t.state, e.t.at, e.t.since]) }).toEqual({
      during: { rule: "pv_high", state: "pending", since: stepStart(0), fired_at: null, value: 150, evaluated_to: stepStart(1), error: "rollup pv unavailable" },
      log: [[stepStart(3) + 31_000, "firing", stepStart(3), stepStart(0)]],
    });
  });
});

describe("catch-up", () => {
  test("more due steps than catchupStepsMax: only the latest are evaluated and the gap breaks runs", () => {
    const h = new AlertHarness({ catchupStepsMax: 5 });
    h.source.set("pv", F, Array(40).fill(150));
    h.put({ ...pvHigh, for_seconds: 180 });
    h.put({ name: "always", metric: "pv", filter: F, kind: "threshold", op: ">", value: 0, clear_after_seconds: 60 });
    h.runUntil(stepStart(1));                // pv_high pending 1/3; "always" fires at 10:01
    h.clock.advanceTo(stepStart(20));        // steps ending 10:02 .. 10:20 are due: 19 > 5
    h.engine.tick();
    // Only steps ending 10:16 .. 10:20 are evaluated; the gap restarts pv_high's run at step 15
    // ([10:15, 10:16)), which fires after three steps, at 10:18. "always" stays firing across the gap.
    expect({
      log: h.log.map((e) => [e.t.rule, e.t.state, e.t.at, e.t.since]),
      status: h.engine.status().map((s) => [s.rule, s.state, s.evaluated_to]),
    }).toEqual({
      log: [["always", "firing", stepStart(1), stepStart(0)], ["pv_high", "firing", stepStart(18), stepStart(15)]],
      status: [["pv_high", "firing", stepStart(20)], ["always", "firing", stepStart(20)]],
    });
  });
});

describe("encode / decode", () => {
  function scenario(h: AlertHarness): void {
    h.source.set("pv", F, [150, 150, 150, 150, 150, 150, 50, 50, 150, 150, 150, 150, 150, 50, 50, 50]);
    h.source.set("revenue", undefined, [10, 12, 10, 12, 11, 10, 12, 11, 10, 40, 11, 12, 10, 11, 12, 10]);
    h.put({ ...pvHigh, for_seconds: 300, clear_after_seconds: 120, webhook: { url: "https://hooks.example/x", headers: { authorization: "Bearer s" } } });
    h.put({ name: "rev", metric: "revenue", kind: "anomaly", baseline_minutes: 5, z_score: 3, min_baseline_points: 3, for_seconds: 60, no_data: "hold" });
  }

  test("a restart mid-pending continues exactly as if the process had not stopped", () => {
    const a = new AlertHarness();
    scenario(a);
    a.runUntil(stepStart(3) + 20_000);
    const statusAtEncode = a.engine.status();
    const bytes = a.engine.encode();
    const b = new AlertHarness();
    b.clock.advanceTo(a.clock.now());
    b.source.set("pv", F, [150, 150, 150, 150, 150, 150, 50, 50, 150, 150, 150, 150, 150, 50, 50, 50]);
    b.source.set("revenue", undefined, [10, 12, 10, 12, 11, 10, 12, 11, 10, 40, 11, 12, 10, 11, 12, 10]);
    b.engine = AlertEngine.decode(bytes, b.options());
    const reencoded = new TextDecoder().decode(b.engine.encode()) === new TextDecoder().decode(bytes);
    a.runUntil(stepStart(17));
    b.runUntil(stepStart(17));
    expect({
      statusAtEncode: statusAtEncode.map((s) => [s.rule, s.state, s.since]),
      reencoded,
      same: b.log,
      states: b.engine.status(),
      rules: b.engine.rules(),
      finalBytes: new TextDecoder().decode(b.engine.encode()),
    }).toEqual({
      statusAtEncode: [["pv_high", "pending", stepStart(0)], ["rev", "inactive", null]],
      reencoded: true,
      same: a.log,
      states: a.engine.status(),
      rules: a.engine.rules(),
      finalBytes: new TextDecoder().decode(a.engine.encode()),
    });
    // The scenario is not empty: pv_high fires at 10:05 (five true steps since 10:00), which a fresh
    // start at 10:03:20 could only do at 10:09; the revenue spike at step 9 fires too.
    expect(a.log.map((e) => [e.t.rule, e.t.state, e.t.at])).toEqual([
      ["pv_high", "firing", stepStart(5)], ["pv_high", "resolved", stepStart(8)],
      ["rev", "firing", stepStart(10)], ["rev", "resolved", stepStart(11)],
      ["pv_high", "firing", stepStart(13)], ["pv_high", "resolved", stepStart(15)],
    ]);
  });

  test("the encoded form is JSON with normalized rules and snake_case state", () => {
    const h = new AlertHarness();
    h.source.set("pv", F, [150, 150]);
    h.put({ ...pvHigh, for_seconds: 180 });
    h.runUntil(stepStart(2));
    expect(JSON.parse(new TextDecoder().decode(h.engine.encode()))).toEqual({
      format: "caracal.alerts", version: 1,
      rules: [{
        rule: parseAlertRule({ ...pvHigh, for_seconds: 180 }),
        state: {
          phase: "pending", true_run: 2, false_run: 0, run_since: stepStart(0), clear_since: 0, fired_at: 0,
          next_step_end: stepStart(3), last_value: 150, evaluated_to: stepStart(2),
        },
      }],
    });
  });

  test("corrupt or inconsistent state is refused with data_corrupt", () => {
    const h = new AlertHarness();
    h.source.set("pv", F, [150, 150]);
    h.put({ ...pvHigh, for_seconds: 180 });
    h.runUntil(stepStart(2));
    const good = JSON.parse(new TextDecoder().decode(h.engine.encode()));
    const bytes = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    const withState = (s: Record<string, unknown>) => bytes({ ...good, rules: [{ ...good.rules[0], state: { ...good.rules[0].state, ...s } }] });
    const code = (b: Uint8Array) => errorOf(() => AlertEngine.decode(b, h.options())).code;
    expect([
      code(new Uint8Array([0xff, 0x00])),
      code(bytes({ ...good, version: 2 })),
      code(withState({ true_run: 3 })),               // pending needs true_run < 3 steps
      code(withState({ phase: "inactive" })),         // inactive with a run
      code(withState({ next_step_end: stepStart(2) + 1 })),
      code(bytes({ ...good, rules: [good.rules[0], good.rules[0]] })),
      code(bytes({ ...good, rules: [{ ...good.rules[0], rule: { ...good.rules[0].rule, op: "!" } }] })),
    ]).toEqual(Array(7).fill("data_corrupt"));
  });
});

describe("limits", () => {
  test("RULES_MAX: one rule past the limit is refused; replacing at the limit is not", () => {
    const h = new AlertHarness({ rulesMax: 2 });
    h.put({ ...pvHigh, name: "a" });
    h.put({ ...pvHigh, name: "b" });
    expect({
      replace: h.engine.put(parseAlertRule({ ...pvHigh, name: "b", value: 5 })),
      third: errorOf(() => h.put({ ...pvHigh, name: "c" })),
      defaultMax: ALERT_ENGINE_LIMITS.RULES_MAX,
    }).toEqual({
      replace: "replaced",
      third: { code: "bad_argument", message: "alert rules: 2 rules is the limit (2); delete one first" },
      defaultMax: 1000,
    });
  });

  test("the default RULES_MAX is enforced", () => {
    const h = new AlertHarness();
    for (let i = 0; i < ALERT_ENGINE_LIMITS.RULES_MAX; i++) h.put({ ...pvHigh, name: `r${i}` });
    expect(errorOf(() => h.put({ ...pvHigh, name: "one_more" })).code).toBe("bad_argument");
  });
});

// Keep ORIGIN minute-aligned: every expectation above counts steps from it.
test("the test origin is step-aligned", () => {
  expect(ORIGIN % MINUTE).toBe(0);
});
