// Cardinality estimators for HyperLogLog registers (engine/aggregate/hll.ts).
//
// Dense registers: Ertl's improved raw estimator (O. Ertl, "New cardinality estimation algorithms
// for HyperLogLog sketches", 2017, arXiv:1702.01284, section 4 / Algorithm 6). With C_k registers of
// value k (0 <= k <= q + 1, q = 64 - p hash bits left after the index):
//
//   E = alpha_inf m^2 / (m sigma(C_0 / m) + sum_{k=1..q} C_k 2^-k + m tau(1 - C_{q+1} / m) 2^-q)
//   alpha_inf = 1 / (2 ln 2)
//
// Why this one: it is unbiased over the whole range, from a few elements (where sigma() makes it
// behave like linear counting) to past 2^q, with no empirical tables. HLL++'s bias correction
// (Heule, Nunkesser, Hall 2013) needs 200-point interpolation tables per precision, measured by
// simulation; LogLog-Beta needs fitted polynomial coefficients per precision. Ertl's needs neither
// and his paper shows its relative error stays at about 1.04 / sqrt(m) everywhere.
//
// Sparse sketches are estimated by linear counting at the sparse precision p' = 25 (HLL++, section
// 5.3): m' ln(m' / V) with V the empty registers, essentially exact for the few thousand entries a
// sparse sketch holds (m' = 2^25).

import { EngineError } from "../core/errors.ts";

export const ALPHA_INF = 1 / (2 * Math.LN2);
/** Registers hold a byte: histograms over every byte value cannot be indexed out of range. */
const histogram = new Float64Array(256);
/**
 * Four partial histograms, one per register position mod 4: consecutive registers often hold the
 * same value, and four independent counters keep the increments from waiting on each other (14 us
 * -> 10 us at p = 14).
 */
const partial = new Uint32Array(4 * 256);

/** Estimated distinct count from dense registers of precision p (registers.length must be 2^p). */
export function estimateRegisters(registers: Uint8Array, p: number): number {
  fillHistogram(registers, p);
  return estimateHistogram(histogram, registers.length, 64 - p);
}

/** A new histogram C_0 .. C_{q+1} of the registers (q = 64 - p), for a sketch to keep current. */
export function registerHistogram(registers: Uint8Array, p: number): Float64Array {
  fillHistogram(registers, p);
  return histogram.slice(0, 64 - p + 2);
}

function fillHistogram(registers: Uint8Array, p: number): void {
  if (!Number.isInteger(p) || p < 4 || p > 18 || registers.length !== 1 << p) {
    throw new EngineError("bad_argument", `hll registers of length ${registers.length} do not fit precision ${p} (4..18, 2^p registers)`);
  }
  const q = 64 - p, n = registers.length;
  partial.fill(0);
  for (let i = 0; i < n; i += 4) {
    partial[registers[i]!]!++;
    partial[256 + registers[i + 1]!]!++;
    partial[512 + registers[i + 2]!]!++;
    partial[768 + registers[i + 3]!]!++;
  }
  for (let k = 0; k < 256; k++) histogram[k] = partial[k]! + partial[256 + k]! + partial[512 + k]! + partial[768 + k]!;
  for (let k = q + 2; k < 256; k++) {
    if (histogram[k] !== 0) throw new EngineError("bad_argument", `hll register value ${k} exceeds ${q + 1} at precision ${p}`);
  }
}

/** Ertl's improved estimator over a register histogram (C_0 .. C_{q+1}) of m registers. */
export function estimateHistogram(c: Float64Array, m: number, q: number): number {
  if (c[0] === m) return 0;
  let z = m * tau(1 - c[q + 1]! / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + c[k]!);
  z += m * sigma(c[0]! / m);
  return (ALPHA_INF * m * m) / z;
}

/** Linear counting: distinct count from `used` of m registers taken (Whang et al. 1990). */
export function linearCounting(m: number, used: number): number {
  return used === 0 ? 0 : m * Math.log(m / (m - used));
}

/** sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), summed until it stops changing (Ertl, eq. 20). */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1, z = x, prev: number;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (z !== prev);
  return z;
}

/** tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, summed until it stops changing (Ertl, eq. 23). */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1, z = 1 - x, prev: number;
  do {
    x = Math.sqrt(x);
    prev = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (z !== prev);
  return z / 3;
}
