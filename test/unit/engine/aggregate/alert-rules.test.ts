// Alert rule definitions: defaults, normalization, and error messages that name each bad field;
// every bound in ALERT_RULE_LIMITS is triggered once.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ALERT_RULE_LIMITS, parseAlertRule, ruleKey } from "../../../../engine/aggregate/alert-rules.ts";
import { EngineError } from "../../../../engine/core/errors.ts";

const SEED = Number(process.env.SEED ?? 20260301);
console.log(`alert-rules property tests: SEED=${SEED}`);

/** The error parseAlertRule throws, as {code, message}. */
function failure(input: unknown, vocab?: Parameters<typeof parseAlertRule>[1]): { code: string; message: string } {
  try {
    parseAlertRule(input, vocab);
  } catch (e) {
    if (e instanceof EngineError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected parseAlertRule to throw");
}

const threshold = { name: "pv_high", metric: "pv", kind: "threshold", op: ">", value: 100 };
const anomaly = { name: "rev_spike", metric: "revenue", kind: "anomaly", baseline_minutes: 60, z_score: 3 };

describe("normalized rules", () => {
  test("a threshold rule gets every default", () => {
    expect(parseAlertRule(threshold)).toEqual({
      name: "pv_high", metric: "pv", kind: "threshold", op: ">", value: 100,
      step_seconds: 60, for_seconds: 0, clear_after_seconds: 0, eval_delay_seconds: 0, no_data: "ok", severity: "warning",
    });
  });

  test("an anomaly rule: min_baseline_points defaults to half the window; filter and headers keys sorted", () => {
    const r = parseAlertRule({
      ...anomaly, step_seconds: 300, for_seconds: 600, clear_after_seconds: 900, filter: { country: "DE", campaign: "bf-2026" },
      webhook: { url: "https://hooks.example/x", headers: { "X-B": "2", Authorization: "Bearer t" } }, severity: "critical",
    });
    expect({ rule: r, key: ruleKey(r) }).toEqual({
      rule: {
        name: "rev_spike", metric: "revenue", filter: { campaign: "bf-2026", country: "DE" }, kind: "anomaly", baseline_minutes: 60,
        z_score: 3, direction: "both", min_baseline_points: 6, step_seconds: 300, for_seconds: 600, clear_after_seconds: 900,
        eval_delay_seconds: 0, no_data: "ok", severity: "critical",
        webhook: { url: "https://hooks.example/x", headers: { Authorization: "Bearer t", "X-B": "2" } },
      },
      key: '{"name":"rev_spike","metric":"revenue","filter":{"campaign":"bf-2026","country":"DE"},"kind":"anomaly","baseline_minutes":60,' +
        '"z_score":3,"direction":"both","min_baseline_points":6,"step_seconds":300,"for_seconds":600,"clear_after_seconds":900,' +
        '"eval_delay_seconds":0,"no_data":"ok","severity":"critical","webhook":{"url":"https://hooks.example/x","headers":{"Authorization":"Bearer t","X-B":"2"}}}',
    });
  });

  test("-0 is normalized to 0 (JSON cannot carry it back)", () => {
    expect(Object.is((parseAlertRule({ ...threshold, value: -0 }) as { value: number }).value, 0)).toBe(true);
  });

  test("normalized rules are frozen", () => {
    const r = parseAlertRule({ ...threshold, filter: { campaign: "a" } });
    expect([Object.isFrozen(r), Object.isFrozen(r.filter)]).toEqual([true, true]);
  });

  test("property: parsing a normalized rule gives it back unchanged", () => {
    const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    /** Durations as whole steps, so every generated rule is valid. */
    const common = (step: fc.Arbitrary<number>) => fc.record({
      name: fc.stringMatching(/^[a-z0-9][a-z0-9_.:-]{0,20}$/),
      metric: fc.constantFrom("pv", "revenue", "cvr", "rejected_events", "consumer_lag"),
      filter: optional(fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.string({ maxLength: 10 }), { maxKeys: 4 })),
      step_seconds: step, forSteps: fc.integer({ min: 0, max: 10 }), clearSteps: optional(fc.integer({ min: 0, max: 10 })),
      severity: optional(fc.constantFrom("info", "warning", "critical")), no_data: optional(fc.constantFrom("ok", "hold")),
    });
    const threshold = fc.record({
      common: common(fc.constantFrom(10, 60, 300)),
      kind: fc.constant("threshold"), op: fc.constantFrom(">", ">=", "<", "<="), value: fc.double({ noNaN: true, noDefaultInfinity: true }),
    });
    const anomaly = fc.record({
      common: common(fc.constant(60)),
      kind: fc.constant("anomaly"), baseline_minutes: fc.integer({ min: 2, max: 500 }),
      z_score: optional(fc.double({ min: 0.1, max: 10, noNaN: true })), relative_change: fc.double({ min: 0.01, max: 5, noNaN: true }),
      direction: optional(fc.constantFrom("up", "down", "both")),
    });
    const input = fc.oneof(threshold, anomaly).map(({ common: { forSteps, clearSteps, ...c }, ...rest }) => {
      const out: Record<string, unknown> = { ...c, ...rest, for_seconds: forSteps * c.step_seconds };
      if (clearSteps !== undefined) out.clear_after_seconds = clearSteps * c.step_seconds;
      return JSON.parse(JSON.stringify(out)); // drops the undefined optionals, as a client's JSON would
    });
    fc.assert(fc.property(input, (raw) => {
      const once = parseAlertRule(raw);
      expect(parseAlertRule(JSON.parse(JSON.stringify(once)))).toEqual(once);
    }), { seed: SEED, numRuns: 300 });
  });
});

describe("errors name the field", () => {
  test("not an object", () => {
    expect([failure(null), failure([threshold])]).toEqual([
      { code: "bad_argument", message: "invalid alert rule: expected a JSON object" },
      { code: "bad_argument", message: "invalid alert rule: expected a JSON object" },
    ]);
  });

  test("unknown kind", () => {
    expect(failure({ name: "a", kind: "trend" })).toEqual({ code: "bad_argument", message: 'invalid alert rule "a":\n  kind: must be "threshold" or "anomaly"' });
  });

  test("missing, mistyped and unknown fields, all reported at once", () => {
    expect(failure({ name: "pv_high", kind: "threshold", op: "!", value: "3", step_seconds: 0, for_second: 60 })).toEqual({
      code: "bad_argument",
      message: 'invalid alert rule "pv_high":\n  metric: required\n  step_seconds: must be at least 1\n' +
        '  op: must be one of ">", ">=", "<", "<="\n  value: must be a finite number\n  for_second: unknown field',
    });
  });

  test("fields of the other kind are unknown", () => {
    expect(failure({ ...anomaly, op: ">", value: 3 })).toEqual({
      code: "bad_argument", message: 'invalid alert rule "rev_spike":\n  op: unknown field\n  value: unknown field',
    });
  });

  test("filter, webhook and headers", () => {
    expect(failure({
      ...threshold, filter: { Campaign: "a", device: 3 }, webhook: { url: "ftp://x/y", headers: { "a b": "1", "X-Ok": "1\r\nInjected: 1" } },
    })).toEqual({
      code: "bad_argument",
      message: 'invalid alert rule "pv_high":\n  filter.Campaign: is not a dimension name (lower-case letters, digits, _)\n  filter.device: must be a string\n' +
        "  webhook.url: must be an http:// or https:// URL\n  webhook.headers.a b: is not an HTTP header name\n  webhook.headers.X-Ok: must not contain line breaks",
    });
  });

  test("durations must be whole steps", () => {
    expect(failure({ ...threshold, step_seconds: 60, for_seconds: 90, clear_after_seconds: 30 })).toEqual({
      code: "bad_argument",
      message: 'invalid alert rule "pv_high":\n  for_seconds: 90 is not a multiple of step_seconds 60\n  clear_after_seconds: 30 is not a multiple of step_seconds 60',
    });
  });

  test("anomaly: a criterion is required, the window is whole steps, min_baseline_points fits it", () => {
    const { z_score: _, ...noCriterion } = anomaly;
    expect([
      failure(noCriterion).message,
      failure({ ...anomaly, baseline_minutes: 7, step_seconds: 120 }).message,
      failure({ ...anomaly, baseline_minutes: 1 }).message,
      failure({ ...anomaly, min_baseline_points: 61 }).message,
      failure({ ...anomaly, min_baseline_points: 1 }).message,
      failure({ ...anomaly, z_score: 0, relative_change: -1 }).message,
    ]).toEqual([
      'invalid alert rule "rev_spike":\n  z_score: required: an anomaly rule needs z_score, relative_change, or both',
      'invalid alert rule "rev_spike":\n  baseline_minutes: 7 min (420 s) is not a multiple of step_seconds 120',
      'invalid alert rule "rev_spike":\n  baseline_minutes: 1 min spans 1 steps of 60 s; a baseline must span 2 to 1440',
      'invalid alert rule "rev_spike":\n  min_baseline_points: 61 is not from 2 to the baseline\'s 60 steps',
      'invalid alert rule "rev_spike":\n  min_baseline_points: 1 is not from 2 to the baseline\'s 60 steps',
      'invalid alert rule "rev_spike":\n  z_score: must be > 0\n  relative_change: must be > 0 (0.5 means 50%)',
    ]);
  });

  test("a vocabulary rejects unknown metrics and dimensions", () => {
    const vocab = { metrics: ["pv", "revenue"], dimensions: ["campaign", "country"] };
    expect(failure({ ...threshold, metric: "pvs", filter: { campagn: "x" } }, vocab)).toEqual({
      code: "bad_argument",
      message: 'invalid alert rule "pv_high":\n  metric: unknown metric "pvs" (known: pv, revenue)\n  filter.campagn: unknown dimension "campagn" (known: campaign, country)',
    });
  });

  test("detail.issues lists {path, message}", () => {
    let detail: unknown;
    try { parseAlertRule({ ...threshold, severity: "page" }); } catch (e) { detail = (e as EngineError).detail; }
    expect(detail).toEqual({ issues: [{ path: "severity", message: 'must be "info", "warning" or "critical"' }] });
  });
});

describe("every limit", () => {
  const L = ALERT_RULE_LIMITS;
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`d${i}`, "v"]));
  const cases: [string, Record<string, unknown>, string][] = [
    ["NAME_LENGTH_MAX", { ...threshold, name: "n".repeat(L.NAME_LENGTH_MAX + 1) }, `name: must be at most ${L.NAME_LENGTH_MAX} characters`],
    ["METRIC_LENGTH_MAX", { ...threshold, metric: "m".repeat(L.METRIC_LENGTH_MAX + 1) }, `metric: must be at most ${L.METRIC_LENGTH_MAX} characters`],
    ["FILTER_ENTRIES_MAX", { ...threshold, filter: many(L.FILTER_ENTRIES_MAX + 1) }, `filter: may have at most ${L.FILTER_ENTRIES_MAX} dimensions`],
    ["FILTER_VALUE_LENGTH_MAX", { ...threshold, filter: { campaign: "v".repeat(L.FILTER_VALUE_LENGTH_MAX + 1) } }, `filter.campaign: must be at most ${L.FILTER_VALUE_LENGTH_MAX} characters`],
    ["STEP_SECONDS_MAX", { ...threshold, step_seconds: L.STEP_SECONDS_MAX + 1 }, `step_seconds: must be at most ${L.STEP_SECONDS_MAX}`],
    ["HOLD_SECONDS_MAX", { ...threshold, for_seconds: L.HOLD_SECONDS_MAX + 60 }, `for_seconds: must be at most ${L.HOLD_SECONDS_MAX}`],
    ["EVAL_DELAY_SECONDS_MAX", { ...threshold, eval_delay_seconds: L.EVAL_DELAY_SECONDS_MAX + 1 }, `eval_delay_seconds: must be at most ${L.EVAL_DELAY_SECONDS_MAX}`],
    ["BASELINE_STEPS_MAX", { ...anomaly, baseline_minutes: L.BASELINE_STEPS_MAX + 1 }, `baseline_minutes: ${L.BASELINE_STEPS_MAX + 1} min spans ${L.BASELINE_STEPS_MAX + 1} steps of 60 s; a baseline must span 2 to ${L.BASELINE_STEPS_MAX}`],
    ["WEBHOOK_URL_LENGTH_MAX", { ...threshold, webhook: { url: `https://x/${"p".repeat(L.WEBHOOK_URL_LENGTH_MAX)}` } }, `webhook.url: must be at most ${L.WEBHOOK_URL_LENGTH_MAX} characters`],
    ["WEBHOOK_HEADERS_MAX", { ...threshold, webhook: { url: "https://x", headers: many(L.WEBHOOK_HEADERS_MAX + 1) } }, `webhook.headers: may have at most ${L.WEBHOOK_HEADERS_MAX} entries`],
    ["WEBHOOK_HEADER_VALUE_LENGTH_MAX", { ...threshold, webhook: { url: "https://x", headers: { a: "v".repeat(L.WEBHOOK_HEADER_VALUE_LENGTH_MAX + 1) } } }, `webhook.headers.a: must be at most ${L.WEBHOOK_HEADER_VALUE_LENGTH_MAX} characters`],
  ];
  test("one past each bound fails with the bound in the message; at the bound passes", () => {
    const atBound = [
      { ...threshold, name: "n".repeat(L.NAME_LENGTH_MAX) }, { ...threshold, filter: many(L.FILTER_ENTRIES_MAX) },
      { ...threshold, step_seconds: L.STEP_SECONDS_MAX }, { ...anomaly, baseline_minutes: L.BASELINE_STEPS_MAX },
      { ...threshold, webhook: { url: "https://x", headers: many(L.WEBHOOK_HEADERS_MAX) } },
    ];
    expect({
      failures: cases.map(([limit, input]) => [limit, failure(input).message]),
      passes: atBound.map((r) => parseAlertRule(r).name),
    }).toEqual({
      failures: cases.map(([limit, input, line]) => [limit, `invalid alert rule "${input.name}":\n  ${line}`]),
      passes: ["n".repeat(L.NAME_LENGTH_MAX), "pv_high", "pv_high", "rev_spike", "pv_high"],
    });
  });
});
