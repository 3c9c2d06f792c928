// Anomaly rules: a seeded noisy series with an injected spike and dip fires exactly at them (the
// expected steps are computed here from the definition, independently of the engine), a hand-worked
// example checks the whole transition and its sentence, and flat baselines behave as documented.

import { expect, test } from "bun:test";
import { Rng } from "../../../sim/rng.ts";
import { AlertHarness, MINUTE, ORIGIN, stepStart } from "./alert-harness.ts";

const SEED = Number(process.env.SEED ?? 424242);
console.log(`alert-anomaly tests: SEED=${SEED}`);

interface Params { z_score?: number; relative_change?: number; direction: "up" | "down" | "both"; windowSteps: number; minPoints: number }

/** The definition, computed directly: per step, the verdict and the baseline of the steps before it. */
function referenceSteps(values: readonly (number | null)[], p: Params) {
  return values.map((value, k) => {
    const prior = values.slice(Math.max(0, k - p.windowSteps), k).filter((v): v is number => v !== null);
    if (prior.length < p.minPoints) return { k, value, holds: false, baseline: null };
    const mean = prior.reduce((a, b) => a + b, 0) / prior.length;
    const stddev = Math.sqrt(prior.reduce((a, b) => a + (b - mean) ** 2, 0) / (prior.length - 1));
    if (value === null) return { k, value, holds: false, baseline: { mean, stddev, points: prior.length, z: null, relative: null } };
    const d = value - mean;
    const z = d === 0 ? 0 : Math.abs(d) / stddev;
    const relative = d === 0 ? 0 : Math.abs(d) / Math.abs(mean);
    const way = p.direction === "both" ? d !== 0 : p.direction === "up" ? d > 0 : d < 0;
    const holds = way && (p.z_score === undefined || z >= p.z_score) && (p.relative_change === undefined || relative >= p.relative_change);
    return { k, value, holds, baseline: { mean, stddev, points: prior.length, z, relative } };
  });
}

/** With for = clear = one step: fire on a true step while not firing, resolve on a false one while firing. */
function referenceTransitions(rule: string, steps: ReturnType<typeof referenceSteps>) {
  let firing = false;
  return steps.filter((s) => (s.holds !== firing ? ((firing = s.holds), true) : false))
    .map((s) => ({ rule, state: s.holds ? ("firing" as const) : ("resolved" as const), step: s.k, value: s.value, baseline: s.baseline }));
}

test("a seeded series fires at the injected spike and dip, and nowhere else", () => {
  const rng = new Rng(SEED);
  const N = 240, SPIKE = 180, DIP = 220;
  const values = Array.from({ length: N }, () => 1000 + (rng.float() - 0.5) * 80);
  values[SPIKE]! += 400;
  values[DIP]! -= 400;
  const rules = {
    spike: { z_score: 4, direction: "up" as const },
    dip: { z_score: 3, relative_change: 0.3, direction: "down" as const },
    move: { relative_change: 0.25, direction: "both" as const },
  };
  const h = new AlertHarness();
  h.source.set("pv", { campaign: "bf-2026" }, values);
  for (const [name, r] of Object.entries(rules)) {
    h.put({ name, metric: "pv", filter: { campaign: "bf-2026" }, kind: "anomaly", baseline_minutes: 30, ...r });
  }
  h.runUntil(stepStart(N));
  const expected = Object.entries(rules).flatMap(([name, r]) =>
    referenceTransitions(name, referenceSteps(values, { ...r, windowSteps: 30, minPoints: 15 })));
  const got = h.log.map(({ t }) => ({ rule: t.rule, state: t.state, step: (t.step_from! - ORIGIN) / MINUTE, value: t.value, baseline: t.baseline }));
  const order = (x: { rule: string; step: number }) => `${x.rule}:${String(x.step).padStart(4, "0")}`;
  expect({
    firingSteps: Object.fromEntries(Object.keys(rules).map((name) => [name, expected.filter((e) => e.rule === name && e.state === "firing").map((e) => e.step)])),
    transitions: got.sort((a, b) => order(a).localeCompare(order(b))),
  }).toEqual({
    firingSteps: { spike: [SPIKE], dip: [DIP], move: [SPIKE, DIP] },
    transitions: expected.sort((a, b) => order(a).localeCompare(order(b))),
  });
});

test("a worked example: the current step is not in its own baseline; the sentence", () => {
  const h = new AlertHarness();
  h.source.set("revenue", undefined, [10, 12, 10, 12, 20]);
  h.put({ name: "rev", metric: "revenue", kind: "anomaly", baseline_minutes: 4, z_score: 3 });
  h.runUntil(stepStart(6));
  // Step 4 (20) against steps 0-3 (10, 12, 10, 12): mean 11, sample sd sqrt(4/3) = 1.1547,
  // z = 9 / 1.1547 = 7.79, +81.8%. Step 5 has no data: the alert resolves (no_data "ok"); its baseline
  // is steps 1-4 (12, 10, 12, 20): mean 13.5, sd sqrt(59/3) = 4.43471.
  const base = { rule: "rev", kind: "anomaly", metric: "revenue", filter: null, severity: "warning", reason: "condition", episode: `rev@${stepStart(5)}`, threshold: null, fired_at: stepStart(5) } as const;
  expect(h.log.map((e) => e.t)).toEqual([
    {
      ...base, state: "firing", value: 20, baseline: { mean: 11, stddev: Math.sqrt(4 / 3), points: 4, z: 9 / Math.sqrt(4 / 3), relative: 9 / 11 },
      at: stepStart(5), since: stepStart(4), step_from: stepStart(4), step_to: stepStart(5),
      text: "[warning] rev firing: revenue = 20 (+7.79423σ, +81.8182% vs the trailing 4 min baseline: mean 11, sd 1.1547, 4 points) since 2026-11-27T10:04:00.000Z, for 60 s",
    },
    {
      ...base, state: "resolved", value: null, baseline: { mean: 13.5, stddev: Math.sqrt(59 / 3), points: 4, z: null, relative: null },
      at: stepStart(6), since: stepStart(5), step_from: stepStart(5), step_to: stepStart(6),
      text: "[warning] rev resolved: revenue = no data (the trailing 4 min baseline: mean 13.5, sd 4.43471, 4 points) since 2026-11-27T10:05:00.000Z, after firing since 2026-11-27T10:05:00.000Z",
    },
  ]);
});

test("too few baseline points is no data; gaps in the baseline are left out", () => {
  const h = new AlertHarness();
  // Window of 3 steps, at least 2 points. Step 3 (30): its baseline, steps 0-2, has one point (10):
  // no data, though 30 is far off. Step 4 (10): baseline (gap, 10, 30), z 0.71. Step 5: no data.
  // Step 6 (10): baseline (30, 10, gap), z 0.71. Step 7 (30): baseline (10, gap, 10) has 2 points,
  // mean 10, sd 0: fires.
  h.source.set("x", undefined, [null, null, 10, 30, 10, null, 10, 30]);
  h.put({ name: "x_anomaly", metric: "x", kind: "anomaly", baseline_minutes: 3, z_score: 3, min_baseline_points: 2, no_data: "hold" });
  h.runUntil(stepStart(8));
  expect(h.log.map((e) => [e.t.state, (e.t.step_from! - ORIGIN) / MINUTE, e.t.baseline?.points])).toEqual([["firing", 7, 2]]);
});

test("a flat baseline: any move is infinitely many sd, so z alone fires; a relative criterion still gates it", () => {
  const h = new AlertHarness();
  h.source.set("lag", undefined, [5, 5, 5, 5, 5.0001, 5]);
  h.put({ name: "z_only", metric: "lag", kind: "anomaly", baseline_minutes: 4, z_score: 3 });
  h.put({ name: "z_and_relative", metric: "lag", kind: "anomaly", baseline_minutes: 4, z_score: 3, relative_change: 0.5 });
  h.runUntil(stepStart(5));
  expect(h.log.map((e) => [e.t.rule, e.t.state, e.t.baseline])).toEqual([
    ["z_only", "firing", { mean: 5, stddev: 0, points: 4, z: Infinity, relative: (5.0001 - 5) / 5 }],
  ]);
});
