// Alert evaluation cost: a full engine of rules (half threshold, half anomaly over a 60-step baseline)
// ticking one step, and catching up an hour of steps after a pause. The metric source is a flat
// in-memory series (about what a rollup lookup costs at best), so the figures are the engine's own
// overhead plus the lookups it must make; the floor is the same lookups made in a bare loop.
// Seeded; prints a result hash (transitions seen) so two runs can be compared.
//
//   bun bench/alert-engine.bench.ts [rules=1000]

import { AlertEngine } from "../engine/aggregate/alert-engine.ts";
import type { MetricSource } from "../engine/aggregate/alert-engine.ts";
import { parseAlertRule } from "../engine/aggregate/alert-rules.ts";

const RULES = Number(process.argv[2] ?? 1000);
const SEED = 7;
const STEP_MS = 60_000;
const ORIGIN = Date.UTC(2026, 10, 27);
const STEPS = 24 * 60;

// splitmix32, as test/sim/rng.ts: seeded noise per metric.
let state = SEED >>> 0;
const rand = (): number => {
  state = (state + 0x9e3779b9) >>> 0;
  let z = Math.imul(state ^ (state >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
};

const SERIES = 50;
const data = Array.from({ length: SERIES }, () => Float64Array.from({ length: STEPS }, () => 1000 + (rand() - 0.5) * 100 + (rand() < 0.002 ? 800 : 0)));
const names = Array.from({ length: RULES }, (_, i) => `m${i}`);
const seriesOf = new Map(names.map((n, i) => [n, data[i % SERIES]!]));
let lookups = 0;
const source: MetricSource = {
  value(metric, _filter, fromMs) {
    lookups++;
    const s = seriesOf.get(metric)!;
    const k = (fromMs - ORIGIN) / STEP_MS;
    return k >= 0 && k < STEPS ? s[k]! : null;
  },
};

let now = ORIGIN + 2 * 60 * STEP_MS;
let transitions = 0, hash = 0;
const engine = new AlertEngine({
  now: () => now, source,
  sink: (t) => { transitions++; hash = (Math.imul(hash, 31) + t.at / STEP_MS + (t.state === "firing" ? 1 : 2)) >>> 0; },
  rulesMax: RULES,
});
for (let i = 0; i < RULES; i++) {
  const metric = names[i]!;
  engine.put(parseAlertRule(i % 2 === 0
    ? { name: `t${i}`, metric, kind: "threshold", op: ">", value: 1040, for_seconds: 120 }
    : { name: `a${i}`, metric, kind: "anomaly", baseline_minutes: 60, z_score: 4, direction: "up" }));
}

function timed(label: string, steps: number, run: () => void): number {
  lookups = 0;
  const t0 = performance.now();
  run();
  const ms = performance.now() - t0;
  const evals = RULES * steps;
  console.log(`${label}: ${ms.toFixed(1)} ms for ${evals} rule-steps = ${((ms * 1000) / evals).toFixed(2)} µs per rule-step, ` +
    `${lookups} source lookups (${((ms * 1e6) / lookups).toFixed(0)} ns each)`);
  return ms;
}

// Warm up with an hour of one-step ticks, then measure.
for (let i = 0; i < 60; i++) { now += STEP_MS; engine.tick(); }
timed(`one tick, ${RULES} rules`, 1, () => { now += STEP_MS; engine.tick(); });
const hourMs = timed("60 ticks of one step", 60, () => { for (let i = 0; i < 60; i++) { now += STEP_MS; engine.tick(); } });
timed("catch-up of 60 steps in one tick", 60, () => { now += 60 * STEP_MS; engine.tick(); });

// Floor: the same number of lookups (an hour of steps: 1 per threshold step, 61 per anomaly step), bare.
const floorLookups = (RULES / 2) * 60 * (1 + 61);
let sink = 0;
const f0 = performance.now();
for (let i = 0; i < floorLookups; i++) { const v = source.value(names[i % RULES]!, undefined, ORIGIN + (i % STEPS) * STEP_MS, 0); if (v !== null) sink += v; }
const floorMs = performance.now() - f0;
console.log(`floor: ${floorLookups} bare lookups in ${floorMs.toFixed(1)} ms (${((floorMs * 1e6) / floorLookups).toFixed(0)} ns each) [${sink > 0 ? "ok" : "?"}]`);
console.log(`an hour of ticks / floor: ${(hourMs / floorMs).toFixed(2)}x`);
console.log(`transitions ${transitions}, result hash ${hash.toString(16)}`);
