// An alert engine on a fake clock with a scripted source, and a log of what its sink received and
// when (the clock's reading at the tick that emitted it).

import { AlertEngine, type AlertEngineOptions, type AlertTransition } from "../../../../engine/aggregate/alert-engine.ts";
import { parseAlertRule, type AlertRule } from "../../../../engine/aggregate/alert-rules.ts";
import { FakeClock } from "./fake-clock.ts";
import { ScriptedSource } from "./scripted-source.ts";

/** 2026-11-27 10:00 UTC: minute-aligned (and hour-aligned) origin of every test's series. */
export const ORIGIN = Date.UTC(2026, 10, 27, 10, 0);
export const MINUTE = 60_000;

export interface Emitted { readonly tickAt: number; readonly t: AlertTransition }

export class AlertHarness {
  readonly clock = new FakeClock(ORIGIN);
  readonly source = new ScriptedSource(ORIGIN, MINUTE);
  readonly log: Emitted[] = [];
  engine: AlertEngine;

  constructor(opts: Partial<Pick<AlertEngineOptions, "rulesMax" | "catchupStepsMax">> = {}) {
    this.engine = new AlertEngine(this.options(opts));
  }

  options(opts: Partial<AlertEngineOptions> = {}): AlertEngineOptions {
    return { now: this.clock.now, source: this.source, sink: (t) => this.log.push({ tickAt: this.clock.now(), t }), ...opts };
  }

  put(rule: Record<string, unknown>): AlertRule {
    const r = parseAlertRule(rule);
    this.engine.put(r);
    return r;
  }

  /** Ticks every `everyMs` from the clock's next multiple of it up to and including `untilMs`. */
  runUntil(untilMs: number, everyMs = 1000): void {
    for (let t = (Math.floor(this.clock.now() / everyMs) + 1) * everyMs; t <= untilMs; t += everyMs) {
      this.clock.advanceTo(t);
      this.engine.tick();
    }
  }
}

/** Start of step k of the test series. */
export const stepStart = (k: number): number => ORIGIN + k * MINUTE;
