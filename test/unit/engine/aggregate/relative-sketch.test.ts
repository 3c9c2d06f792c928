import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { RelativeSketch } from "../../../../engine/aggregate/relative-sketch.ts";
import { ByteReader, ByteWriter } from "../../../../engine/aggregate/sequence-codec.ts";

const SEED = Number(process.env.SEED ?? 777);
console.log(`relative-sketch tests: SEED=${SEED}`);

/** Nearest-rank percentile of ascending values. */
const exact = (sorted: number[], p: number) => sorted[Math.max(1, Math.ceil((p * sorted.length) / 100)) - 1]!;
const PERCENTS = [1, 10, 50, 90, 99, 100];

describe("RelativeSketch", () => {
  test("after adds and removals, every nearest-rank percentile is within 1% of the exact one (property)", () => {
    const MAX = 3_600_000;
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: MAX })), { minLength: 1, maxLength: 300, size: "max" }),
      fc.array(fc.nat(), { maxLength: 100, size: "max" }),
      (values, removals) => {
        const s = new RelativeSketch(MAX);
        for (const v of values) s.add(v);
        const kept = [...values];
        for (const r of removals) {
          if (kept.length <= 1) break;
          const [v] = kept.splice(r % kept.length, 1);
          s.remove(v!);
        }
        kept.sort((a, b) => a - b);
        const within = PERCENTS.map((p) => {
          const e = exact(kept, p), got = s.quantile(p)!;
          return Math.abs(got - e) <= 0.01 * e + 1e-9;
        });
        expect({ within, count: s.count }).toEqual({ within: PERCENTS.map(() => true), count: kept.length });
      }), { seed: SEED, numRuns: 300 });
  });

  test("zero is exact, an empty sketch has no percentiles, values beyond the maximum land in the top bucket", () => {
    const s = new RelativeSketch(1000);
    const empty = s.quantile(50);
    s.add(0);
    s.add(0);
    s.add(5000);
    expect({ empty, p50: s.quantile(50), p100: s.quantile(100)! < 1000 * 1.02 }).toEqual({ empty: null, p50: 0, p100: true });
  });

  test("encode/decode round trip", () => {
    const s = new RelativeSketch(86_400_000);
    for (let i = 0; i < 1000; i++) s.add((i * 7919) % 90_000);
    const w = new ByteWriter();
    s.encode(w);
    const back = new RelativeSketch(86_400_000);
    back.decode(new ByteReader(w.finish()));
    expect(PERCENTS.map((p) => back.quantile(p))).toEqual(PERCENTS.map((p) => s.quantile(p)));
  });
});
