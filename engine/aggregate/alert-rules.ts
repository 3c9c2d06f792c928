// Alert rule definitions: the JSON a client POSTs to /v1/alerts, validated once here (zod) into a
// frozen, normalized AlertRule with every default filled in. Everything downstream (alert-engine.ts,
// webhook-delivery.ts) trusts an AlertRule and never re-checks it.
//
// Invariants of a normalized rule:
// - step_seconds divides for_seconds, clear_after_seconds and the baseline window, so every duration is
//   a whole number of steps and "held for N seconds" has exactly one meaning;
// - an anomaly rule's baseline spans 2..BASELINE_STEPS_MAX steps and 2 <= min_baseline_points <= that,
//   and it has at least one of z_score / relative_change;
// - filter and webhook headers have their keys sorted, optional fields are absent (never undefined),
//   so JSON.stringify of a rule is canonical (ruleKey) and parse(normalized) deep-equals normalized.
//
// This module decides nothing about time or state; it only says what a rule means.

import { z } from "zod";
import { EngineError } from "../core/errors.ts";

/** Bounds on one rule. (engine/core/limits.ts is the usual home; these are local until moved there.) */
export const ALERT_RULE_LIMITS = {
  NAME_LENGTH_MAX: 128,
  METRIC_LENGTH_MAX: 128,
  FILTER_ENTRIES_MAX: 16,
  FILTER_VALUE_LENGTH_MAX: 1024,
  /** One day: a coarser step would make for_seconds meaningless at alerting timescales. */
  STEP_SECONDS_MAX: 86_400,
  /** for_seconds and clear_after_seconds: a week. */
  HOLD_SECONDS_MAX: 7 * 86_400,
  /** How long after a step ends it is evaluated (lets late events land); an hour. */
  EVAL_DELAY_SECONDS_MAX: 3_600,
  /** An anomaly step costs one source lookup per baseline step: a day of minutes. */
  BASELINE_STEPS_MAX: 1_440,
  WEBHOOK_URL_LENGTH_MAX: 2_048,
  WEBHOOK_HEADERS_MAX: 32,
  WEBHOOK_HEADER_VALUE_LENGTH_MAX: 4_096,
} as const;
const L = ALERT_RULE_LIMITS;

export type ThresholdOp = ">" | ">=" | "<" | "<=";
export type Severity = "info" | "warning" | "critical";
export type AnomalyDirection = "up" | "down" | "both";
/** What a step without data does: "ok" counts it as the condition not holding; "hold" skips it. */
export type NoDataPolicy = "ok" | "hold";

export interface WebhookTarget {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

interface RuleCommon {
  readonly name: string;
  readonly metric: string;
  readonly filter?: Readonly<Record<string, string>>;
  readonly step_seconds: number;
  readonly for_seconds: number;
  readonly clear_after_seconds: number;
  readonly eval_delay_seconds: number;
  readonly no_data: NoDataPolicy;
  readonly severity: Severity;
  readonly webhook?: WebhookTarget;
}

export interface ThresholdRule extends RuleCommon {
  readonly kind: "threshold";
  readonly op: ThresholdOp;
  readonly value: number;
}

export interface AnomalyRule extends RuleCommon {
  readonly kind: "anomaly";
  readonly baseline_minutes: number;
  readonly z_score?: number;
  readonly relative_change?: number;
  readonly direction: AnomalyDirection;
  readonly min_baseline_points: number;
}

export type AlertRule = ThresholdRule | AnomalyRule;

/** Optional knowledge of the metric source, so an unknown metric or dimension fails at POST time. */
export interface RuleVocabulary {
  readonly metrics?: readonly string[];
  readonly dimensions?: readonly string[];
}

/** A message for a field: "required" when absent, else `text` (the path already names the field). */
const msg = (text: string) => (iss: { input?: unknown }) => (iss.input === undefined ? "required" : text);
const num = (what = "a number") => z.number({ error: msg(`must be ${what}`) });

const wholeSeconds = (min: number, max: number) =>
  num().int("must be a whole number of seconds").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const headerValue = z.string({ error: "must be a string" }).max(L.WEBHOOK_HEADER_VALUE_LENGTH_MAX, `must be at most ${L.WEBHOOK_HEADER_VALUE_LENGTH_MAX} characters`)
  .regex(/^[^\r\n\0]*$/, "must not contain line breaks");

/** A webhook target {url, headers?}: journeys (sequence-definition.ts) take the same. */
export const webhookTargetSchema = z.strictObject({
  url: z.string({ error: msg("must be a string") }).max(L.WEBHOOK_URL_LENGTH_MAX, `must be at most ${L.WEBHOOK_URL_LENGTH_MAX} characters`)
    .pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })),
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "is not an HTTP header name"), headerValue, { error: "must be an object of header: value" })
    .refine((h) => Object.keys(h).length <= L.WEBHOOK_HEADERS_MAX, `may have at most ${L.WEBHOOK_HEADERS_MAX} entries`).optional(),
}, { error: "must be an object {url, headers?}" });

const common = {
  name: z.string({ error: msg("must be a string") }).min(1, "must not be empty")
    .max(L.NAME_LENGTH_MAX, `must be at most ${L.NAME_LENGTH_MAX} characters`)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, "may hold letters, digits and _ . : - and must start with a letter or digit"),
  metric: z.string({ error: msg("must be a string") }).min(1, "must not be empty")
    .max(L.METRIC_LENGTH_MAX, `must be at most ${L.METRIC_LENGTH_MAX} characters`)
    .regex(/^[a-z_][a-z0-9_.]*$/, "must be lower-case letters, digits, _ and ., starting with a letter or _"),
  filter: z.record(
    z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "is not a dimension name (lower-case letters, digits, _)"),
    z.string({ error: "must be a string" }).max(L.FILTER_VALUE_LENGTH_MAX, `must be at most ${L.FILTER_VALUE_LENGTH_MAX} characters`),
    { error: 'must be an object {"dimension": "value", ...}' },
  ).refine((f) => Object.keys(f).length <= L.FILTER_ENTRIES_MAX, `may have at most ${L.FILTER_ENTRIES_MAX} dimensions`).optional(),
  step_seconds: wholeSeconds(1, L.STEP_SECONDS_MAX).default(60),
  for_seconds: wholeSeconds(0, L.HOLD_SECONDS_MAX).default(0),
  clear_after_seconds: wholeSeconds(0, L.HOLD_SECONDS_MAX).optional(),
  eval_delay_seconds: wholeSeconds(0, L.EVAL_DELAY_SECONDS_MAX).default(0),
  no_data: z.enum(["ok", "hold"], { error: 'must be "ok" or "hold"' }).default("ok"),
  severity: z.enum(["info", "warning", "critical"], { error: 'must be "info", "warning" or "critical"' }).default("warning"),
  webhook: webhookTargetSchema.optional(),
};

const thresholdSchema = z.strictObject({
  ...common,
  kind: z.literal("threshold"),
  op: z.enum([">", ">=", "<", "<="], { error: msg('must be one of ">", ">=", "<", "<="') }),
  // z.number() refuses Infinity and NaN.
  value: num("a finite number"),
});

const anomalySchema = z.strictObject({
  ...common,
  kind: z.literal("anomaly"),
  baseline_minutes: num().int("must be a whole number of minutes").min(1, "must be at least 1"),
  z_score: num("a finite number").positive("must be > 0").optional(),
  relative_change: num("a finite number").positive("must be > 0 (0.5 means 50%)").optional(),
  direction: z.enum(["up", "down", "both"], { error: 'must be "up", "down" or "both"' }).default("both"),
  min_baseline_points: num().int("must be a whole number").optional(),
});

const ruleSchema = z.discriminatedUnion("kind", [thresholdSchema, anomalySchema], {
  error: msg('must be "threshold" or "anomaly"'),
});

type Issue = { path: string; message: string };

/** Cross-field rules zod's per-field schemas cannot state. */
function crossFieldIssues(r: z.infer<typeof ruleSchema>, vocab: RuleVocabulary | undefined): Issue[] {
  const out: Issue[] = [];
  const step = r.step_seconds;
  const clear = r.clear_after_seconds ?? r.for_seconds;
  if (r.for_seconds % step !== 0) out.push({ path: "for_seconds", message: `${r.for_seconds} is not a multiple of step_seconds ${step}` });
  if (clear % step !== 0) out.push({ path: "clear_after_seconds", message: `${clear} is not a multiple of step_seconds ${step}` });
  if (vocab?.metrics && !vocab.metrics.includes(r.metric)) {
    out.push({ path: "metric", message: `unknown metric "${r.metric}" (known: ${vocab.metrics.join(", ")})` });
  }
  for (const dim of Object.keys(r.filter ?? {})) {
    if (vocab?.dimensions && !vocab.dimensions.includes(dim)) {
      out.push({ path: `filter.${dim}`, message: `unknown dimension "${dim}" (known: ${vocab.dimensions.join(", ")})` });
    }
  }
  if (r.kind !== "anomaly") return out;
  const windowSeconds = r.baseline_minutes * 60;
  const steps = windowSeconds / step;
  if (windowSeconds % step !== 0) {
    out.push({ path: "baseline_minutes", message: `${r.baseline_minutes} min (${windowSeconds} s) is not a multiple of step_seconds ${step}` });
  } else if (steps < 2 || steps > L.BASELINE_STEPS_MAX) {
    out.push({ path: "baseline_minutes", message: `${r.baseline_minutes} min spans ${steps} steps of ${step} s; a baseline must span 2 to ${L.BASELINE_STEPS_MAX}` });
  } else if (r.min_baseline_points !== undefined && (r.min_baseline_points < 2 || r.min_baseline_points > steps)) {
    out.push({ path: "min_baseline_points", message: `${r.min_baseline_points} is not from 2 to the baseline's ${steps} steps` });
  }
  if (r.z_score === undefined && r.relative_change === undefined) {
    out.push({ path: "z_score", message: "required: an anomaly rule needs z_score, relative_change, or both" });
  }
  return out;
}

function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.flatMap((i): Issue[] => {
    const path = i.path.map(String).join(".");
    if (i.code === "unrecognized_keys") {
      return i.keys.map((k) => ({ path: path ? `${path}.${k}` : k, message: "unknown field" }));
    }
    if (i.code === "invalid_key") {
      const inner = i.issues[0]?.message ?? i.message;
      return [{ path, message: inner }];
    }
    return [{ path: path || "(rule)", message: i.message }];
  });
}

const sortedRecord = (r: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));

function normalize(r: z.infer<typeof ruleSchema>): AlertRule {
  // Key order here is the canonical order (ruleKey) and the order GET /v1/alerts shows.
  const head = {
    name: r.name, metric: r.metric,
    ...(r.filter && Object.keys(r.filter).length > 0 ? { filter: sortedRecord(r.filter) } : {}),
  };
  const tail = {
    step_seconds: r.step_seconds, for_seconds: r.for_seconds,
    clear_after_seconds: r.clear_after_seconds ?? r.for_seconds, eval_delay_seconds: r.eval_delay_seconds,
    no_data: r.no_data, severity: r.severity,
    ...(r.webhook ? { webhook: { url: r.webhook.url, ...(r.webhook.headers ? { headers: sortedRecord(r.webhook.headers) } : {}) } } : {}),
  };
  // -0 becomes 0: JSON cannot carry -0, and a canonical rule must survive a round trip.
  if (r.kind === "threshold") return deepFreeze({ ...head, kind: "threshold", op: r.op, value: r.value + 0, ...tail });
  const steps = (r.baseline_minutes * 60) / r.step_seconds;
  return deepFreeze({
    ...head, kind: "anomaly", baseline_minutes: r.baseline_minutes,
    ...(r.z_score !== undefined ? { z_score: r.z_score } : {}),
    ...(r.relative_change !== undefined ? { relative_change: r.relative_change } : {}),
    direction: r.direction,
    // Half the window by default: a baseline mostly made of gaps is not a baseline.
    min_baseline_points: r.min_baseline_points ?? Math.max(2, Math.ceil(steps / 2)),
    ...tail,
  });
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === "object") deepFreeze(v);
  return Object.freeze(o);
}

/**
 * Validates a rule as received (parsed JSON) and returns it normalized. Throws EngineError
 * "bad_argument" whose message names every offending field, one per line (`field: problem`), and whose
 * detail.issues lists them as {path, message}.
 */
export function parseAlertRule(input: unknown, vocab?: RuleVocabulary): AlertRule {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new EngineError("bad_argument", "invalid alert rule: expected a JSON object", { issues: [{ path: "(rule)", message: "expected a JSON object" }] });
  }
  const parsed = ruleSchema.safeParse(input);
  const issues = parsed.success ? crossFieldIssues(parsed.data, vocab) : zodIssues(parsed.error);
  if (issues.length > 0) {
    const name = (input as { name?: unknown }).name;
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join("\n");
    throw new EngineError("bad_argument", `invalid alert rule${typeof name === "string" ? ` "${name}"` : ""}:\n${lines}`, { issues });
  }
  return normalize(parsed.data!);
}

/** Canonical text of a normalized rule: equal keys mean identical definitions. */
export function ruleKey(rule: AlertRule): string {
  return JSON.stringify(rule);
}

/** Steps a rule's condition must hold to fire (for_seconds, at least one step). */
export function fireSteps(rule: AlertRule): number {
  return Math.max(1, rule.for_seconds / rule.step_seconds);
}

/** Steps the condition must fail, once firing, to resolve (clear_after_seconds, at least one step). */
export function clearSteps(rule: AlertRule): number {
  return Math.max(1, rule.clear_after_seconds / rule.step_seconds);
}

/** Steps in an anomaly rule's trailing baseline. */
export function baselineSteps(rule: AnomalyRule): number {
  return (rule.baseline_minutes * 60) / rule.step_seconds;
}
