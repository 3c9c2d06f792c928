import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { SlidingHeavyHitters, SpaceSaving } from "../../../../engine/aggregate/heavy-hitters.ts";
import { Rng } from "../../../sim/rng.ts";

const SEED = Number(process.env.SEED ?? 31337);
console.log(`heavy hitters tests: SEED=${SEED}`);

/** Zipf(s) ranks over n terms by inverse CDF. */
function zipfSampler(n: number, s: number, r: Rng): () => number {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let k = 0; k < n; k++) cdf[k] = acc += 1 / (k + 1) ** s;
  return () => {
    const u = r.float() * acc;
    let lo = 0, hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (cdf[mid]! < u) lo = mid + 1; else hi = mid; }
    return lo;
  };
}

/** Checks one top-k answer against exact counts of the window: the guarantees in heavy-hitters.ts. */
function violations(top: ReturnType<SlidingHeavyHitters["top"]>, exact: Map<string, number>, k: number, capacity: number) {
  const E = top.errorBound;
  const sorted = [...exact.values()].sort((a, b) => b - a);
  const Tk = sorted[k - 1] ?? 0;
  const reported = new Set(top.terms.map((t) => t.term));
  let total = 0;
  for (const v of exact.values()) total += v;
  return {
    outOfBounds: top.terms.filter((t) => { const f = exact.get(t.term) ?? 0; return !(t.lower <= f && f <= t.count && t.count - f <= E); }).map((t) => t.term),
    missed: [...exact].filter(([term, f]) => f > Tk + E && !reported.has(term)).map(([term]) => term),
    tooSmall: top.terms.filter((t) => (exact.get(t.term) ?? 0) < Tk - E).map((t) => t.term),
    errorWithinNOverM: E <= total / capacity,
    total: top.total === total,
  };
}

const CLEAN = { outOfBounds: [], missed: [], tooSmall: [], errorWithinNOverM: true, total: true };

describe("heavy hitters", () => {
  test("sliding top-k over Zipf text is within the stated bound of exact counts, for several windows", () => {
    const r = new Rng(SEED), draw = zipfSampler(5000, 1.1, r);
    const PANES = 60, CAPACITY = 100, MINUTES = 150;
    const hh = new SlidingHeavyHitters(PANES, CAPACITY);
    const perPane: Map<string, number>[] = [];
    for (let p = 0; p < MINUTES; p++) {
      const m = new Map<string, number>();
      // Rates vary per minute, and a burst term appears for a while: trending, not just frequent.
      for (let i = 500 + r.int(0, 1500); i > 0; i--) {
        const term = p >= 100 && p < 120 && r.bool(0.1) ? "burst" : `t${draw()}`;
        hh.add(term, p);
        m.set(term, (m.get(term) ?? 0) + 1);
      }
      perPane.push(m);
    }
    const results: Record<string, unknown> = {}, expected: Record<string, unknown> = {};
    for (const [k, last, window] of [[10, 149, 60], [20, 149, 10], [5, 130, 30], [50, 149, 60], [10, 119, 20]] as const) {
      const exact = new Map<string, number>();
      for (let p = last - window + 1; p <= last; p++) for (const [t, c] of perPane[p]!) exact.set(t, (exact.get(t) ?? 0) + c);
      const top = hh.top(k, last, window);
      console.log(`k=${k} panes ${last - window + 1}..${last}: N=${top.total}, bound E=${top.errorBound.toFixed(0)} (N/m=${(top.total / CAPACITY).toFixed(0)}), top: ${top.terms.slice(0, 5).map((t) => `${t.term}:${t.lower}..${t.count}`).join(" ")}`);
      results[`${k}/${last}/${window}`] = violations(top, exact, k, CAPACITY);
      expected[`${k}/${last}/${window}`] = CLEAN;
    }
    expect(results).toEqual(expected);
  });

  test("bounds hold for arbitrary streams, capacities and windows (property)", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 6 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 9 })), { maxLength: 800 }),
      fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 8 }),
      (capacity, panes, items, k, window) => {
        const hh = new SlidingHeavyHitters(panes, capacity);
        const accepted: [string, number][] = [];
        let newest = -Infinity;
        for (const [term, pane] of items) {
          newest = Math.max(newest, pane);
          hh.add(`w${term}`, pane);
          if (pane > newest - panes) accepted.push([`w${term}`, pane]);
        }
        const last = Number.isFinite(newest) ? newest : 0, first = Math.max(last - Math.min(window, panes) + 1, newest - panes + 1);
        const exact = new Map<string, number>();
        for (const [t, p] of accepted) if (p >= first && p <= last) exact.set(t, (exact.get(t) ?? 0) + 1);
        expect({ v: violations(hh.top(k, last, window), exact, k, capacity), dropped: hh.dropped })
          .toEqual({ v: CLEAN, dropped: items.length - accepted.length });
      },
    ), { seed: SEED, numRuns: 400 });
  });

  test("a summary that never filled up is exact", () => {
    const s = new SpaceSaving(10), hh = new SlidingHeavyHitters(1, 10);
    for (const t of "a b a c a b d".split(" ")) { s.add(t); hh.add(t, 7); }
    expect({ min: s.min, top: hh.top(3, 7, 1) }).toEqual({
      min: 0,
      top: { terms: [{ term: "a", count: 3, lower: 3 }, { term: "b", count: 2, lower: 2 }, { term: "c", count: 1, lower: 1 }], total: 7, errorBound: 0, firstPane: 7, lastPane: 7 },
    });
  });

  test("a summary rebuilt from its counters holds the same state and keeps the guarantees when fed on", () => {
    const r = new Rng(SEED + 1), draw = zipfSampler(300, 1.0, r);
    const a = new SpaceSaving(25), exact = new Map<string, number>();
    const add = (s: SpaceSaving[], t: string) => { for (const x of s) x.add(t); exact.set(t, (exact.get(t) ?? 0) + 1); };
    for (let i = 0; i < 3000; i++) add([a], `x${draw()}`);
    const b = SpaceSaving.from(25, a.keys.slice(0, a.size), a.counts.slice(0, a.size), a.errors.slice(0, a.size), a.total);
    const state = (s: SpaceSaving) => ({
      counters: Array.from({ length: s.size }, (_, i) => [s.keys[i], s.counts[i], s.errors[i]]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
      min: s.min, total: s.total,
    });
    const before = state(b), original = state(a);
    // Fed on, the two may evict different terms among equal minimum counters; both stay within bounds.
    for (let i = 0; i < 3000; i++) add([a, b], `x${draw()}`);
    const bounds = (s: SpaceSaving) => Array.from({ length: s.size }, (_, i) => {
      const f = exact.get(s.keys[i]!) ?? 0;
      return s.counts[i]! - s.errors[i]! <= f && f <= s.counts[i]! ? null : s.keys[i];
    }).filter((x) => x !== null).concat([...exact].filter(([t, f]) => f > s.min && !s.keys.slice(0, s.size).includes(t)).map(([t]) => t));
    expect({ before, a: bounds(a), b: bounds(b), minWithin: b.min <= b.total / 25 }).toEqual({ before: original, a: [], b: [], minWithin: true });
  });
});
