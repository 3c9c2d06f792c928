// A quantile sketch with relative-error guarantees that also supports removal: the logarithmic
// bucketing of DDSketch (Masson, Rim, Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
// Relative-Error Guarantees", VLDB 2019) with dense counts, so a value can be taken out as exactly as
// it was put in. Funnels need removal: a user's time-to-convert shrinks when a late event completes
// a faster chain, and the old value must leave the distribution.
//
// With gamma = (1 + alpha) / (1 - alpha), a value x >= 1 goes to bucket i = ceil(log_gamma(x)), i.e.
// gamma^(i-1) < x <= gamma^i, whose representative 2 gamma^i / (gamma + 1) is within a factor
// (1 +- alpha) of every value of the bucket. 0 has its own exact bucket; 0 < x < 1 counts as 1
// (durations are whole milliseconds). Values are bounded by the sketch's maximum (a funnel's window),
// which fixes the number of buckets: about ln(max) / (2 alpha), ~1140 for 90 days at alpha = 1%.
//
// quantile(p) for a percent p is the nearest-rank quantile: the value of rank ceil(p n / 100) (1-based)
// in sorted order, returned as its bucket's representative: within alpha of the exact value, relative.

import { assert } from "../core/assert.ts";
import type { ByteReader, ByteWriter } from "./sequence-codec.ts";

export const SKETCH_ALPHA = 0.01;

export class RelativeSketch {
  private readonly logGamma: number;
  private readonly gamma: number;
  private readonly counts: Float64Array;
  private zeros = 0;
  private total = 0;

  constructor(maxValue: number, alpha = SKETCH_ALPHA) {
    assert(alpha > 0 && alpha < 1, "sketch alpha in (0, 1)");
    this.gamma = (1 + alpha) / (1 - alpha);
    this.logGamma = Math.log(this.gamma);
    this.counts = new Float64Array(this.bucketOf(Math.max(1, maxValue)) + 1);
  }

  get count(): number {
    return this.total;
  }

  get byteSize(): number {
    return this.counts.byteLength;
  }

  add(x: number): void {
    this.bump(x, 1);
  }

  /** Takes out one occurrence of a value added before. */
  remove(x: number): void {
    this.bump(x, -1);
  }

  /** Nearest-rank percentile `percent` (1..100) as a bucket representative; null when empty. */
  quantile(percent: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil((percent * this.total) / 100));
    if (rank <= this.zeros) return 0;
    let seen = this.zeros;
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      seen += c[i]!;
      if (seen >= rank) return (2 * Math.pow(this.gamma, i)) / (this.gamma + 1);
    }
    throw new Error(`assertion failed: sketch counts add up to ${seen}, below rank ${rank}`);
  }

  encode(w: ByteWriter): void {
    let nonzero = 0;
    for (const v of this.counts) if (v !== 0) nonzero++;
    w.f64(this.zeros);
    w.u32(nonzero);
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i] === 0) continue;
      w.u32(i);
      w.f64(this.counts[i]!);
    }
  }

  /** Replaces the contents with an encoded sketch of the same maximum and alpha. */
  decode(r: ByteReader): void {
    this.counts.fill(0);
    this.zeros = r.f64();
    this.total = this.zeros;
    for (let n = r.count(12); n > 0; n--) {
      const i = r.u32();
      if (i >= this.counts.length) r.fail(`sketch bucket ${i} beyond ${this.counts.length}`);
      const v = r.f64();
      this.counts[i] = v;
      this.total += v;
    }
  }

  private bucketOf(x: number): number {
    // x <= gamma^i with the smallest such i; the loop corrects floating error in the logarithm.
    let i = Math.max(0, Math.ceil(Math.log(x) / this.logGamma));
    while (i > 0 && Math.pow(this.gamma, i - 1) >= x) i--;
    while (Math.pow(this.gamma, i) < x) i++;
    return i;
  }

  private bump(x: number, by: number): void {
    this.total += by;
    if (x <= 0) {
      this.zeros += by;
      return;
    }
    const i = Math.min(this.bucketOf(Math.max(1, x)), this.counts.length - 1);
    this.counts[i]! += by;
  }
}
