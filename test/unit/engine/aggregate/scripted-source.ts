// A metric source for alert tests: per (metric, filter) a series of step values, indexed by step
// number from `originMs`. Answers only whole, aligned steps (anything else is a bug in the engine's
// windows and throws), null outside the series or where the series holds null; counts lookups.

import type { MetricSource } from "../../../../engine/aggregate/alert-engine.ts";

export class ScriptedSource implements MetricSource {
  readonly #series = new Map<string, (number | null)[]>();
  lookups = 0;
  /** When set, value() throws it (a failing source). */
  failure: Error | null = null;

  constructor(readonly originMs: number, readonly stepMs: number) {}

  static key(metric: string, filter?: Readonly<Record<string, string>>): string {
    return `${metric}${JSON.stringify(filter ?? {})}`;
  }

  set(metric: string, filter: Readonly<Record<string, string>> | undefined, values: (number | null)[]): this {
    this.#series.set(ScriptedSource.key(metric, filter), values);
    return this;
  }

  value(metric: string, filter: Readonly<Record<string, string>> | undefined, fromMs: number, toMs: number): number | null {
    this.lookups++;
    if (this.failure) throw this.failure;
    const k = (fromMs - this.originMs) / this.stepMs;
    if (toMs - fromMs !== this.stepMs || !Number.isInteger(k)) throw new Error(`unaligned window [${fromMs}, ${toMs})`);
    return this.#series.get(ScriptedSource.key(metric, filter))?.[k] ?? null;
  }
}
