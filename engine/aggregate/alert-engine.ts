// The alert engine: holds the rules and their states, and at each tick of an injected clock evaluates
// every step that has come due, emitting firing/resolved transitions to a sink. Deterministic: the
// transitions are a function of the rules, the clock's readings and the metric source's answers.
//
// Time. A rule's steps are [k*S, (k+1)*S) in epoch ms (S = step_seconds, aligned to the epoch, UTC).
// A step ending at e is due at e + eval_delay_seconds; each tick evaluates, in order, every due step not
// yet evaluated, so sparse or jittery ticks give the same transitions as a tick every millisecond
// (a transition's `at` is the step's due time). A rule added at time t first evaluates the first step
// that comes due after t (history is never evaluated retroactively). If more than catchupStepsMax
// steps are due at once (a long pause, a restart after downtime), only the latest catchupStepsMax are
// evaluated and the skipped gap breaks the rule's runs (alert-state.ts breakRuns).
//
// Rules are evaluated in the order they were added (kept across encode/decode). The sink is called
// synchronously, after the rule's state has moved, with the transition and the rule; it must not throw.
// A metric source that throws leaves the rule's step un-evaluated (retried next tick) and is reported
// in status().error.
//
// Persistence: encode() is UTF-8 JSON {format, version, rules: [{rule, state}]} with rules in their
// normalized form (alert-rules.ts); decode() re-validates everything and refuses inconsistent states.

import { z } from "zod";
import { EngineError } from "../core/errors.ts";
import { evaluateStep, type MetricSource } from "./alert-condition.ts";
import { ALERT_RULE_LIMITS, clearSteps, fireSteps, parseAlertRule, ruleKey, type AlertRule } from "./alert-rules.ts";
import { advanceState, breakRuns, initialState, type AlertPhase, type RuleState } from "./alert-state.ts";
import { makeTransition, type AlertTransition, type TransitionReason } from "./alert-transition.ts";

export type { MetricSource } from "./alert-condition.ts";
export type { AlertTransition } from "./alert-transition.ts";

export const ALERT_ENGINE_LIMITS = {
  /** Rules one engine holds (each costs up to BASELINE_STEPS_MAX + 1 source lookups per step). */
  RULES_MAX: 1_000,
  /** Due steps evaluated per rule in one tick before older ones are skipped: a day of minutes. */
  CATCHUP_STEPS_MAX: 1_440,
} as const;

export type AlertSink = (transition: AlertTransition, rule: AlertRule) => void;

export interface AlertEngineOptions {
  /** The clock, epoch ms. */
  now(): number;
  source: MetricSource;
  sink: AlertSink;
  rulesMax?: number;
  catchupStepsMax?: number;
}

export interface AlertStatus {
  readonly rule: string;
  readonly state: AlertPhase;
  /** Start of the current true run (pending, firing), else null. */
  readonly since: number | null;
  readonly fired_at: number | null;
  /** The last evaluated step's value and end. */
  readonly value: number | null;
  readonly evaluated_to: number | null;
  readonly error: string | null;
}

interface Entry { readonly rule: AlertRule; readonly key: string; readonly state: RuleState }

/** End of the first step of `rule` that comes due strictly after `now`. */
function firstStepEnd(rule: AlertRule, now: number): number {
  const stepMs = rule.step_seconds * 1000;
  return (Math.floor((now - rule.eval_delay_seconds * 1000) / stepMs) + 1) * stepMs;
}

export class AlertEngine {
  readonly #opts: AlertEngineOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #scratch = new Float64Array(ALERT_RULE_LIMITS.BASELINE_STEPS_MAX);

  constructor(opts: AlertEngineOptions) {
    this.#opts = opts;
  }

  /** Adds a rule, or replaces the one with its name. An identical definition keeps its state ("unchanged"). */
  put(rule: AlertRule): "added" | "replaced" | "unchanged" {
    const key = ruleKey(rule);
    const old = this.#entries.get(rule.name);
    if (old?.key === key) return "unchanged";
    const max = this.#opts.rulesMax ?? ALERT_ENGINE_LIMITS.RULES_MAX;
    if (!old && this.#entries.size >= max) {
      throw new EngineError("bad_argument", `alert rules: ${this.#entries.size} rules is the limit (${max}); delete one first`);
    }
    const now = this.#opts.now();
    if (old) this.#endEpisode(old, "rule_replaced", now);
    // Replacing keeps the rule's place in the evaluation order.
    this.#entries.set(rule.name, { rule, key, state: initialState(firstStepEnd(rule, now)) });
    return old ? "replaced" : "added";
  }

  /** Removes a rule; a firing alert resolves with reason "rule_removed". False when there was none. */
  remove(name: string): boolean {
    const e = this.#entries.get(name);
    if (!e) return false;
    this.#endEpisode(e, "rule_removed", this.#opts.now());
    this.#entries.delete(name);
    return true;
  }

  get(name: string): AlertRule | undefined {
    return this.#entries.get(name)?.rule;
  }

  rules(): AlertRule[] {
    return [...this.#entries.values()].map((e) => e.rule);
  }

  status(): AlertStatus[] {
    return [...this.#entries.values()].map(({ rule, state: s }) => ({
      rule: rule.name, state: s.phase, since: s.phase === "inactive" ? null : s.runSince,
      fired_at: s.phase === "firing" ? s.firedAt : null, value: s.lastValue, evaluated_to: s.evaluatedTo, error: s.error,
    }));
  }

  /** Evaluates every due step of every rule. */
  tick(): void {
    const now = this.#opts.now();
    const cap = this.#opts.catchupStepsMax ?? ALERT_ENGINE_LIMITS.CATCHUP_STEPS_MAX;
    for (const e of this.#entries.values()) evaluateDueSteps(e, now, cap, this.#opts, this.#scratch);
  }

  encode(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(encodeEntries([...this.#entries.values()])));
  }

  /** An engine holding the rules and states of `bytes`. Throws EngineError "data_corrupt" on bad input. */
  static decode(bytes: Uint8Array, opts: AlertEngineOptions): AlertEngine {
    const engine = new AlertEngine(opts);
    for (const e of decodeEntries(bytes)) engine.#entries.set(e.rule.name, e);
    return engine;
  }

  #endEpisode(e: Entry, reason: TransitionReason, now: number): void {
    if (e.state.phase !== "firing") return;
    this.#opts.sink(makeTransition(e.rule, {
      state: "resolved", reason, value: e.state.lastValue, baseline: null, at: now, since: now,
      firedAt: e.state.firedAt, stepFrom: null, stepTo: null,
    }), e.rule);
  }
}

function evaluateDueSteps(e: Entry, now: number, cap: number, opts: AlertEngineOptions, scratch: Float64Array): void {
  const { rule, state } = e;
  const stepMs = rule.step_seconds * 1000;
  const delayMs = rule.eval_delay_seconds * 1000;
  const lastDueEnd = Math.floor((now - delayMs) / stepMs) * stepMs;
  if (lastDueEnd < state.nextStepEnd) return;
  if ((lastDueEnd - state.nextStepEnd) / stepMs + 1 > cap) {
    state.nextStepEnd = lastDueEnd - (cap - 1) * stepMs;
    breakRuns(state);
  }
  while (state.nextStepEnd <= lastDueEnd) {
    const to = state.nextStepEnd, from = to - stepMs, at = to + delayMs;
    let verdict;
    try {
      verdict = evaluateStep(rule, opts.source, from, to, scratch);
    } catch (err) {
      state.error = err instanceof Error ? err.message : String(err);
      return;
    }
    state.error = null;
    const change = advanceState(state, rule, verdict.holds, from, at);
    state.nextStepEnd = to + stepMs;
    state.lastValue = verdict.value;
    state.evaluatedTo = to;
    if (change === null) continue;
    opts.sink(makeTransition(rule, {
      state: change, reason: "condition", value: verdict.value, baseline: verdict.baseline, at,
      since: change === "firing" ? state.runSince : state.clearSince, firedAt: state.firedAt, stepFrom: from, stepTo: to,
    }), rule);
  }
}

// ---- persistence ---------------------------------------------------------------------------------

const FORMAT = "caracal.alerts";
const VERSION = 1;

const msTime = z.int();
const stateSchema = z.strictObject({
  phase: z.enum(["inactive", "pending", "firing"]),
  true_run: z.int().min(0),
  false_run: z.int().min(0),
  run_since: msTime,
  clear_since: msTime,
  fired_at: msTime,
  next_step_end: msTime,
  last_value: z.number().nullable(),
  evaluated_to: msTime.nullable(),
});
const fileSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  rules: z.array(z.strictObject({ rule: z.unknown(), state: stateSchema })),
});

function encodeEntries(entries: readonly Entry[]): z.infer<typeof fileSchema> {
  return {
    format: FORMAT, version: VERSION,
    rules: entries.map(({ rule, state: s }) => ({
      rule,
      state: {
        phase: s.phase, true_run: s.trueRun, false_run: s.falseRun, run_since: s.runSince, clear_since: s.clearSince,
        fired_at: s.firedAt, next_step_end: s.nextStepEnd,
        // JSON has no Infinity: a non-finite last value (status only) is stored as null.
        last_value: s.lastValue !== null && Number.isFinite(s.lastValue) ? s.lastValue : null, evaluated_to: s.evaluatedTo,
      },
    })),
  };
}

function corrupt(message: string): EngineError {
  return new EngineError("data_corrupt", `alert state: ${message}`);
}

function decodeEntries(bytes: Uint8Array): Entry[] {
  let raw: unknown;
  try { raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)); } catch (err) {
    throw corrupt(`not UTF-8 JSON (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw corrupt(z.prettifyError(parsed.error));
  const seen = new Set<string>();
  return parsed.data.rules.map(({ rule: rawRule, state: s }, i) => {
    let rule: AlertRule;
    try { rule = parseAlertRule(rawRule); } catch (err) { throw corrupt(`rule ${i}: ${(err as Error).message}`); }
    if (seen.has(rule.name)) throw corrupt(`rule "${rule.name}" appears twice`);
    seen.add(rule.name);
    const ok = s.next_step_end % (rule.step_seconds * 1000) === 0 &&
      (s.phase === "inactive" ? s.true_run === 0 && s.false_run === 0
        : s.phase === "pending" ? s.true_run >= 1 && s.true_run < fireSteps(rule) && s.false_run === 0
        : s.true_run === 0 && s.false_run < clearSteps(rule));
    if (!ok) throw corrupt(`rule "${rule.name}": state ${JSON.stringify(s)} is inconsistent with its definition`);
    const state: RuleState = {
      phase: s.phase, trueRun: s.true_run, falseRun: s.false_run, runSince: s.run_since, clearSince: s.clear_since,
      firedAt: s.fired_at, nextStepEnd: s.next_step_end, lastValue: s.last_value, evaluatedTo: s.evaluated_to, error: null,
    };
    return { rule, key: ruleKey(rule), state };
  });
}
