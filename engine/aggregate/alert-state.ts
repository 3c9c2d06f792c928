// One rule's alert state and the step-by-step machine that moves it: the whole of "no flapping".
//
//   inactive --true--> pending --true x (F-1)--> firing --false x C--> inactive (resolved)
//      ^                  |                        |  ^
//      +------false-------+                        +--+ true resets the false run
//
// F = fireSteps(rule) = max(1, for_seconds / step_seconds): the condition must hold on F consecutive
// evaluated steps; the alert fires at the end of the F-th (with F = 1 it goes straight to firing). One
// false step while pending drops back to inactive, so no oscillation shorter than for_seconds fires.
// C = clearSteps(rule) = max(1, clear_after_seconds / step_seconds): once firing, the alert resolves at
// the end of the C-th consecutive false step; a true step in between starts the count over, so no
// dip shorter than clear_after_seconds resolves it.
// A step without data counts as false under no_data "ok"; under "hold" it is skipped: it neither
// extends nor breaks a run.
//
// Invariants: pending => 1 <= trueRun < F; firing => 0 <= falseRun < C; inactive => runs are 0.

import { clearSteps, fireSteps, type AlertRule } from "./alert-rules.ts";

export type AlertPhase = "inactive" | "pending" | "firing";

export interface RuleState {
  phase: AlertPhase;
  /** Consecutive true steps while pending. */
  trueRun: number;
  /** Consecutive false steps while firing. */
  falseRun: number;
  /** Start (ms) of the first step of the current true run; meaningful when pending or firing. */
  runSince: number;
  /** Start (ms) of the first step of the current false run; meaningful when firing and falseRun > 0. */
  clearSince: number;
  /** `at` of the firing transition of the current episode; meaningful when firing. */
  firedAt: number;
  /** End (ms) of the next step to evaluate; always a multiple of the rule's step. */
  nextStepEnd: number;
  /** The last evaluated step's value and end, for status. */
  lastValue: number | null;
  evaluatedTo: number | null;
  /** The metric source's last error for this rule; not persisted. */
  error: string | null;
}

export function initialState(nextStepEnd: number): RuleState {
  return {
    phase: "inactive", trueRun: 0, falseRun: 0, runSince: 0, clearSince: 0, firedAt: 0,
    nextStepEnd, lastValue: null, evaluatedTo: null, error: null,
  };
}

/**
 * Applies one evaluated step [stepFrom, ...) whose verdict is `holds` (null: no data), evaluated at
 * `at`. Returns the transition it causes, if any.
 */
export function advanceState(state: RuleState, rule: AlertRule, holds: boolean | null, stepFrom: number, at: number): "firing" | "resolved" | null {
  if (holds === null) {
    if (rule.no_data === "hold") return null;
    holds = false;
  }
  if (state.phase === "firing") {
    if (holds) { state.falseRun = 0; return null; }
    if (state.falseRun === 0) state.clearSince = stepFrom;
    if (++state.falseRun < clearSteps(rule)) return null;
    state.phase = "inactive";
    state.falseRun = 0;
    return "resolved";
  }
  if (!holds) {
    state.phase = "inactive";
    state.trueRun = 0;
    return null;
  }
  if (state.trueRun === 0) state.runSince = stepFrom;
  if (++state.trueRun < fireSteps(rule)) { state.phase = "pending"; return null; }
  state.phase = "firing";
  state.trueRun = 0;
  state.falseRun = 0;
  state.firedAt = at;
  return "firing";
}

/**
 * Steps were skipped without evaluation (the engine fell too far behind): nothing is known about them,
 * so a pending run starts over and a firing alert's clear run starts over. A firing alert stays firing.
 */
export function breakRuns(state: RuleState): void {
  if (state.phase === "pending") state.phase = "inactive";
  state.trueRun = 0;
  state.falseRun = 0;
}
