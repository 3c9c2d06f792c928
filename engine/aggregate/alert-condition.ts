// Whether one rule's condition holds on one step [fromMs, toMs): the only place the metric source is
// read. A pure function of (rule, source answers): no clock, no state.
//
// Threshold: the step's value compared with the rule's value.
// Anomaly: the step's value against the trailing baseline, the B steps just before it (B =
// baseline_minutes * 60 / step_seconds; the current step is never part of its own baseline). Steps
// without data are left out of the baseline; with fewer than min_baseline_points left the verdict is
// "no data". With d = value - mean and s the sample standard deviation (n - 1) of the baseline:
//   z = |d| / s          (0 when d = 0; Infinity when s = 0 and d != 0: a flat baseline)
//   relative = |d| / |mean|   (0 when d = 0; Infinity when mean = 0 and d != 0)
// and the condition holds when d points the rule's direction (up: d > 0, down: d < 0, both: d != 0)
// and z >= z_score (if set) and relative >= relative_change (if set). Both criteria together mean
// "unusual AND large": z alone fires on tiny moves of a quiet metric, relative alone on noise.
//
// The baseline is read oldest step first and summed in that order, so results are reproducible bit
// for bit.

import { assert } from "../core/assert.ts";
import { baselineSteps, type AlertRule, type AnomalyRule, type ThresholdRule } from "./alert-rules.ts";

/** Where rules read metrics. Implemented over the rollups by the server; scripted in tests. */
export interface MetricSource {
  /**
   * The metric over [fromMs, toMs) restricted to `filter` (dimension -> value), or null when there is
   * no data for it (e.g. a ratio with a zero denominator). For gauges such as consumer lag the source
   * chooses the summary (last or max in the window). Must answer the same for the same arguments
   * while the underlying data is unchanged; NaN is read as null.
   */
  value(metric: string, filter: Readonly<Record<string, string>> | undefined, fromMs: number, toMs: number): number | null;
}

export interface Baseline {
  readonly mean: number;
  readonly stddev: number;
  /** Baseline steps that had data. */
  readonly points: number;
  /** Deviation of the step's value in standard deviations, or null when the step had no value. */
  readonly z: number | null;
  /** Deviation relative to |mean| (0.5 = 50%), or null when the step had no value. */
  readonly relative: number | null;
}

export interface StepVerdict {
  /** null: no data (no value, or too few baseline points). */
  readonly holds: boolean | null;
  readonly value: number | null;
  /** Anomaly rules with enough baseline points; null otherwise. */
  readonly baseline: Baseline | null;
}

function read(source: MetricSource, rule: AlertRule, fromMs: number, toMs: number): number | null {
  const v = source.value(rule.metric, rule.filter, fromMs, toMs);
  return v === null || Number.isNaN(v) ? null : v;
}

function thresholdHolds(rule: ThresholdRule, v: number): boolean {
  switch (rule.op) {
    case ">": return v > rule.value;
    case ">=": return v >= rule.value;
    case "<": return v < rule.value;
    case "<=": return v <= rule.value;
  }
}

const ratio = (d: number, by: number): number => (d === 0 ? 0 : Math.abs(d) / by);

/** `scratch` holds at least the rule's baseline steps; reused across calls so a step allocates little. */
function anomalyVerdict(rule: AnomalyRule, source: MetricSource, fromMs: number, toMs: number, scratch: Float64Array): StepVerdict {
  const steps = baselineSteps(rule);
  assert(scratch.length >= steps, "baseline scratch too small");
  const stepMs = toMs - fromMs;
  let n = 0;
  for (let i = steps; i >= 1; i--) {
    const v = read(source, rule, fromMs - i * stepMs, toMs - i * stepMs);
    if (v !== null) scratch[n++] = v;
  }
  const value = read(source, rule, fromMs, toMs);
  if (n < rule.min_baseline_points) return { holds: null, value, baseline: null };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += scratch[i]!;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (scratch[i]! - mean) ** 2;
  const stddev = Math.sqrt(sq / (n - 1));
  if (value === null) return { holds: null, value, baseline: { mean, stddev, points: n, z: null, relative: null } };
  const d = value - mean;
  const z = ratio(d, stddev);
  const relative = ratio(d, Math.abs(mean));
  const directionOk = rule.direction === "up" ? d > 0 : rule.direction === "down" ? d < 0 : d !== 0;
  const holds = directionOk && (rule.z_score === undefined || z >= rule.z_score) &&
    (rule.relative_change === undefined || relative >= rule.relative_change);
  return { holds, value, baseline: { mean, stddev, points: n, z, relative } };
}

export function evaluateStep(rule: AlertRule, source: MetricSource, fromMs: number, toMs: number, scratch: Float64Array): StepVerdict {
  if (rule.kind === "anomaly") return anomalyVerdict(rule, source, fromMs, toMs, scratch);
  const value = read(source, rule, fromMs, toMs);
  return { holds: value === null ? null : thresholdHolds(rule, value), value, baseline: null };
}
