// What the alert engine emits when an alert fires or resolves: one plain, JSON-ready object per
// transition, the row of the fired-alerts log and the payload of a webhook, with a human sentence.
//
// Times are epoch ms. `at` is the nominal evaluation time of the step that caused the transition (its
// end + eval_delay_seconds), not the wall time of the tick that happened to evaluate it, so a
// transition is the same however the ticks fell. A firing and its resolution share `episode`.

import type { Baseline } from "./alert-condition.ts";
import type { AlertRule, Severity, ThresholdOp } from "./alert-rules.ts";

export type TransitionReason = "condition" | "rule_removed" | "rule_replaced";

export interface AlertTransition {
  readonly rule: string;
  readonly kind: AlertRule["kind"];
  readonly metric: string;
  readonly filter: Readonly<Record<string, string>> | null;
  readonly severity: Severity;
  readonly state: "firing" | "resolved";
  /** "condition" for the rule's own verdicts; a removed or replaced firing rule resolves with the others. */
  readonly reason: TransitionReason;
  /** `${rule}@${fired_at}`: the same for a firing and its resolution (receivers deduplicate on it and state). */
  readonly episode: string;
  /** The step's value (null: no data). */
  readonly value: number | null;
  /** Threshold rules: the comparison. */
  readonly threshold: { readonly op: ThresholdOp; readonly value: number } | null;
  /** Anomaly rules: the baseline the step was compared with, when there was one. */
  readonly baseline: Baseline | null;
  readonly at: number;
  /** Firing: start of the first step of the run that fired. Resolved: start of the first false step (removal: `at`). */
  readonly since: number;
  readonly fired_at: number;
  /** The evaluated step [step_from, step_to); null for removal and replacement. */
  readonly step_from: number | null;
  readonly step_to: number | null;
  readonly text: string;
}

export interface TransitionFacts {
  readonly state: "firing" | "resolved";
  readonly reason: TransitionReason;
  readonly value: number | null;
  readonly baseline: Baseline | null;
  readonly at: number;
  readonly since: number;
  readonly firedAt: number;
  readonly stepFrom: number | null;
  readonly stepTo: number | null;
}

export function makeTransition(rule: AlertRule, f: TransitionFacts): AlertTransition {
  const t = {
    rule: rule.name, kind: rule.kind, metric: rule.metric, filter: rule.filter ?? null, severity: rule.severity,
    state: f.state, reason: f.reason, episode: `${rule.name}@${f.firedAt}`, value: f.value,
    threshold: rule.kind === "threshold" ? { op: rule.op, value: rule.value } : null,
    baseline: f.baseline, at: f.at, since: f.since, fired_at: f.firedAt, step_from: f.stepFrom, step_to: f.stepTo,
  };
  return { ...t, text: transitionText(rule, t) };
}

/** A number as people read it: at most 6 significant digits, no exponent for everyday sizes. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "∞" : x < 0 ? "-∞" : "NaN";
  return String(Number(x.toPrecision(6)));
}

const iso = (ms: number): string => new Date(ms).toISOString();

function seriesName(rule: AlertRule): string {
  const f = Object.entries(rule.filter ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return f.length ? `${rule.metric}{${f.join(",")}}` : rule.metric;
}

function anomalyPhrase(rule: AlertRule & { kind: "anomaly" }, value: number | null, b: Baseline | null): string {
  const window = `the trailing ${rule.baseline_minutes} min baseline`;
  if (!b) return `no baseline: fewer than ${rule.min_baseline_points} points in ${window}`;
  const stats = `mean ${formatNumber(b.mean)}, sd ${formatNumber(b.stddev)}, ${b.points} points`;
  if (value === null || b.z === null || b.relative === null) return `${window}: ${stats}`;
  const sign = value < b.mean ? "-" : "+";
  return `${sign}${formatNumber(b.z)}σ, ${sign}${formatNumber(b.relative * 100)}% vs ${window}: ${stats}`;
}

type Draft = Omit<AlertTransition, "text">;

function transitionText(rule: AlertRule, t: Draft): string {
  const head = `[${rule.severity}] ${rule.name} ${t.state}`;
  if (t.reason !== "condition") return `${head}: rule ${t.reason === "rule_removed" ? "removed" : "replaced"} at ${iso(t.at)}`;
  const v = `${seriesName(rule)} = ${t.value === null ? "no data" : formatNumber(t.value)}`;
  const cmp = rule.kind === "threshold"
    ? `${t.state === "firing" ? "" : "not "}${rule.op} ${formatNumber(rule.value)}`
    : anomalyPhrase(rule, t.value, t.baseline);
  // The span the condition held over: from its first step's start to the last step's end (not the eval delay).
  if (t.state === "firing") return `${head}: ${v} (${cmp}) since ${iso(t.since)}, for ${((t.step_to ?? t.at) - t.since) / 1000} s`;
  return `${head}: ${v} (${cmp}) since ${iso(t.since)}, after firing since ${iso(t.fired_at)}`;
}
