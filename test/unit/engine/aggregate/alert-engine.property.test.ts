// Property: for any series of step verdicts, any for/clear durations, either no-data policy and any
// tick schedule, the engine's transitions are exactly those of a reference written differently (over
// windows of steps instead of counters), and each is emitted at the first tick at or after it is due.

import { expect, test } from "bun:test";
import fc from "fast-check";
import { AlertHarness, MINUTE, ORIGIN, stepStart } from "./alert-harness.ts";

const SEED = Number(process.env.SEED ?? 20261127);
console.log(`alert-engine property tests: SEED=${SEED}`);

type Verdict = boolean | null;
type Expected = [step: number, state: "firing" | "resolved", sinceStep: number];

/**
 * The definition, read literally: fires at step k when the F steps ending at k all hold and all come
 * after the previous transition; resolves at step k when the C steps ending at k all fail and all come
 * after the firing. Steps are those with data under "hold", every step under "ok" (no data = false).
 */
function reference(verdicts: readonly Verdict[], fire: number, clear: number, noData: "ok" | "hold"): Expected[] {
  const steps = verdicts.map((v, k) => ({ k, v })).filter((s) => noData === "ok" || s.v !== null).map((s) => ({ k: s.k, v: s.v === true }));
  const out: Expected[] = [];
  let firing = false;
  let after = 0; // index in `steps` where the next run may start
  for (let i = 0; i < steps.length; i++) {
    const need = firing ? clear : fire;
    const from = i - need + 1;
    if (from < after) continue;
    const window = steps.slice(from, i + 1);
    if (window.every((s) => s.v === !firing)) {
      out.push([steps[i]!.k, firing ? "resolved" : "firing", steps[from]!.k]);
      firing = !firing;
      after = i + 1;
    }
  }
  return out;
}

test("property: transitions match the window reference for any tick schedule", () => {
  const verdict = fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constant(null) });
  fc.assert(fc.property(
    fc.array(verdict, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }),
    fc.constantFrom<"ok" | "hold">("ok", "hold"), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 80 }),
    (series, fire, clear, noData, gapsSeconds) => {
      const h = new AlertHarness();
      h.source.set("pv", undefined, series.map((v) => (v === null ? null : v ? 150 : 50)));
      h.put({
        name: "p", metric: "pv", kind: "threshold", op: ">", value: 100, no_data: noData,
        // for_seconds 0 and 60 both mean one step; exercise both spellings.
        for_seconds: fire === 1 && gapsSeconds[0]! % 2 === 0 ? 0 : fire * 60, clear_after_seconds: clear * 60,
      });
      const ticks: number[] = [];
      let t = ORIGIN;
      for (const g of gapsSeconds) ticks.push((t += g * 1000));
      while (t < stepStart(series.length)) ticks.push((t += 97_000));
      for (const tick of ticks) { h.clock.advanceTo(tick); h.engine.tick(); }
      // Every step ending by the last tick was evaluated; those past the series have no data.
      const evaluated = Math.floor((t - ORIGIN) / MINUTE);
      const verdicts = Array.from({ length: evaluated }, (_, k) => (k < series.length ? series[k]! : null));
      const firstTickAtOrAfter = (at: number) => ticks.find((x) => x >= at);
      expect(h.log.map((e) => ({
        step: [(e.t.step_to! - ORIGIN) / MINUTE - 1, e.t.state, (e.t.since - ORIGIN) / MINUTE],
        onTime: e.tickAt === firstTickAtOrAfter(e.t.at) && e.t.at === e.t.step_to,
      }))).toEqual(reference(verdicts, fire, clear, noData).map((step) => ({ step, onTime: true })));
    },
  ), { seed: SEED, numRuns: 400 });
});
