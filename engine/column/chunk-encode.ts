// Chooses and builds the encoding of a chunk's dense (non-null) values at seal time. Every candidate
// that represents the values exactly is costed in bytes and the smallest wins; ties go to the one that
// decodes fastest (FOR, then DELTA, RLE, RAW), and DELTA must be an eighth smaller than FOR to win.
// All are lightweight: decoding is a copy, a fill, a bit-unpack or a prefix sum. Exactness is checked, never assumed: a FOR or DELTA float column is one
// where every value v satisfies k / scale === v for the integer k = round(v * scale), and -0 is not
// an integer here (it would come back as 0).
//
// Runs once per column per sealed segment, off the per-row path; uses one module-level scratch array.

import { bitWidth, packedBytes, packInts } from "./bit-pack.ts";
import { DELTA_BLOCK, Encoding, type ColumnChunk } from "./column-chunk.ts";

export type Payload = Pick<ColumnChunk, "encoding" | "base" | "scale" | "width" | "packed" | "f64" | "u32">;

const SCALES = [1, 10, 100, 1000] as const;
/** DELTA is chosen over FOR only below this fraction of FOR's bytes (see encodeNumbers). */
const DELTA_OVER_FOR = 7 / 8;
const U32_MAX = 0xffff_ffff;
let scratch = new Float64Array(0);

/** Object.is for numbers, written out so the hot loop stays monomorphic. */
export function sameValue(a: number, b: number): boolean {
  return a === b ? a !== 0 || 1 / a === 1 / b : a !== a && b !== b;
}

/**
 * Encodes values[0, count). `integral` promises every value is an integer in [-2^31, 2^32) (dictionary
 * codes, INT32, BOOL): RAW is then never needed, FOR always fits.
 */
export function encodeNumbers(values: Float64Array, count: number, integral: boolean): Payload {
  const none: Payload = { encoding: Encoding.ALL_NULL, base: 0, scale: 1, width: 0, packed: null, f64: null, u32: null };
  if (count === 0) return none;
  let constant = true;
  for (let i = 1; i < count && constant; i++) constant = sameValue(values[i]!, values[0]!);
  if (constant) return { ...none, encoding: Encoding.CONSTANT, base: values[0]! };

  // Cost every exact candidate first, then build only the winner. Ties keep the earlier candidate.
  let choice: Encoding = Encoding.RAW, bestCost = integral ? Infinity : count * 8;
  let forWidth = 0, deltaWidth = 0, kMin = 0, dMin = 0;
  const scale = integral ? 1 : findScale(values, count);
  if (scale > 0) {
    const r = integerRanges(values, count, scale);
    kMin = r.kMin;
    dMin = r.dMin;
    if (r.kMax - r.kMin <= U32_MAX) {
      forWidth = bitWidth(r.kMax - r.kMin);
      const cost = packedBytes(count, forWidth);
      if (cost <= bestCost) { choice = Encoding.FOR; bestCost = cost; }
    }
    // Steps are exact only while every k lies in a range narrower than 2^53.
    if (r.dMax - r.dMin <= U32_MAX && r.kMax - r.kMin < 2 ** 53) {
      deltaWidth = bitWidth(r.dMax - r.dMin);
      const cost = packedBytes(count, deltaWidth) + Math.ceil(count / DELTA_BLOCK) * 8;
      // FOR has random access (sparse reads, code filters in place, MAPPED keys read in place) and
      // one-pass decoding: DELTA must save an eighth of FOR's bytes to be chosen over it.
      if (cost < (choice === Encoding.FOR ? bestCost * DELTA_OVER_FOR : bestCost)) { choice = Encoding.DELTA; bestCost = cost; }
    }
  }
  const runs = countRuns(values, count);
  if (runs * 12 < bestCost) choice = Encoding.RLE;
  switch (choice) {
    case Encoding.FOR:
      return { ...none, encoding: Encoding.FOR, base: kMin, scale, width: forWidth, packed: packInts(scratch, count, kMin, forWidth) };
    case Encoding.DELTA:
      return deltaPayload(scratch, count, dMin, scale, deltaWidth);
    case Encoding.RLE:
      return rlePayload(values, count, runs);
    default:
      return { ...none, encoding: Encoding.RAW, f64: values.slice(0, count) };
  }
}

/** Fills the module scratch with k = round(v * scale) and returns the ranges of k and of its steps. */
function integerRanges(values: Float64Array, count: number, scale: number) {
  if (scratch.length < count) scratch = new Float64Array(count);
  const k = scratch;
  let kMin = Infinity, kMax = -Infinity, dMin = Infinity, dMax = -Infinity;
  for (let i = 0; i < count; i++) {
    const ki = scale === 1 ? values[i]! : Math.round(values[i]! * scale);
    k[i] = ki;
    if (ki < kMin) kMin = ki;
    if (ki > kMax) kMax = ki;
    if (i > 0) {
      const d = ki - k[i - 1]!;
      if (d < dMin) dMin = d;
      if (d > dMax) dMax = d;
    }
  }
  // One value has no steps: DELTA then stores only its checkpoint.
  if (count === 1) { dMin = 0; dMax = 0; }
  return { kMin, kMax, dMin, dMax };
}

/** The smallest scale at which every value is an exact integer k / scale with |k| <= 2^53; 0 if none. */
function findScale(values: Float64Array, count: number): number {
  for (const s of SCALES) {
    let ok = true;
    for (let i = 0; i < count && ok; i++) {
      const v = values[i]!;
      const k = s === 1 ? v : Math.round(v * s);
      ok = Number.isInteger(k) && Math.abs(k) <= 2 ** 53 && k / s === v && !(v === 0 && 1 / v < 0);
    }
    if (ok) return s;
  }
  return 0;
}

function deltaPayload(k: Float64Array, count: number, dMin: number, scale: number, width: number): Payload {
  const checkpoints = new Float64Array(Math.ceil(count / DELTA_BLOCK));
  for (let b = 0; b < checkpoints.length; b++) checkpoints[b] = k[b * DELTA_BLOCK]!;
  // Turn k into deltas in place, back to front; position 0 holds dMin so it packs as 0.
  for (let i = count - 1; i > 0; i--) k[i] = k[i]! - k[i - 1]!;
  k[0] = dMin;
  return {
    encoding: Encoding.DELTA, base: dMin, scale, width, packed: packInts(k, count, dMin, width), f64: checkpoints, u32: null,
  };
}

function countRuns(values: Float64Array, count: number): number {
  let runs = 1;
  for (let i = 1; i < count; i++) if (!sameValue(values[i]!, values[i - 1]!)) runs++;
  return runs;
}

function rlePayload(values: Float64Array, count: number, runs: number): Payload {
  const runValues = new Float64Array(runs), ends = new Uint32Array(runs);
  let r = 0;
  for (let i = 1; i < count; i++) {
    if (!sameValue(values[i]!, values[i - 1]!)) { runValues[r] = values[i - 1]!; ends[r++] = i; }
  }
  runValues[r] = values[count - 1]!;
  ends[r] = count;
  return { encoding: Encoding.RLE, base: 0, scale: 1, width: 0, packed: null, f64: runValues, u32: ends };
}
