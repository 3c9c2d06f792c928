// Unsigned integers of a fixed bit width (0..32), packed back to back. Widths 8, 16 and 32 are plain
// Uint8/16/32Arrays (decoded by a copy); any other width packs into u32 words, LSB first:
//
//   value i occupies bits [i * width, (i + 1) * width) of the word stream; a value may straddle
//   two words. Width 0 stores nothing: every value is 0. One zero word follows the last, so a
//   reader may always take the next word too and shift instead of testing for a straddle.
//
// Invariant: count * width < 2^32, so bit positions stay exact in u32 arithmetic (segments are bounded
// by LIMITS.SEGMENT_ROWS_MAX). Unpacking allocates nothing; packed-kernels.ts reads the words in
// place for the scan kernels.

import { assert } from "../core/assert.ts";

export type PackedData = Uint8Array | Uint16Array | Uint32Array;

/** Bits needed to hold `x`, an integer in [0, 2^32). */
export function bitWidth(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

export function packedBytes(count: number, width: number): number {
  if (width === 0) return 0;
  if (width === 8) return count;
  if (width === 16) return count * 2;
  return Math.ceil((count * width) / 32) * 4;
}

/** Packs src[i] - base for i < count; each difference must be an integer in [0, 2^width). */
export function packInts(src: Float64Array, count: number, base: number, width: number): PackedData | null {
  assert(width >= 0 && width <= 32 && count * width < 2 ** 32, `pack ${count} values of width ${width}`);
  if (width === 0) return null;
  if (width === 8 || width === 16 || width === 32) {
    const out = width === 8 ? new Uint8Array(count) : width === 16 ? new Uint16Array(count) : new Uint32Array(count);
    for (let i = 0; i < count; i++) out[i] = src[i]! - base;
    return out;
  }
  const words = new Uint32Array(Math.ceil((count * width) / 32) + 1);
  let bit = 0;
  for (let i = 0; i < count; i++) {
    const v = src[i]! - base;
    const w = bit >>> 5, s = bit & 31;
    words[w] = words[w]! | (v << s);
    if (s + width > 32) words[w + 1] = v >>> (32 - s);
    bit += width;
  }
  return words;
}

/** Writes values [start, start + count) into out[0, count). */
export function unpackInts(data: PackedData | null, width: number, start: number, count: number, out: Uint32Array): void {
  if (width === 0 || data === null) {
    out.fill(0, 0, count);
    return;
  }
  if (width === 8 || width === 16 || width === 32) {
    out.set(data.subarray(start, start + count));
    return;
  }
  const words = data as Uint32Array;
  const mask = maskOf(width);
  let bit = start * width;
  for (let i = 0; i < count; i++) {
    const w = bit >>> 5, s = bit & 31;
    // (x << (31 - s)) << 1 is x << (32 - s), and 0 when s = 0 (a shift by 32 would be no shift).
    out[i] = ((words[w]! >>> s) | ((words[w + 1]! << (31 - s)) << 1)) & mask;
    bit += width;
  }
}

/** Value i alone (random access). */
export function packedAt(data: PackedData | null, width: number, i: number): number {
  if (width === 0 || data === null) return 0;
  if (width === 8 || width === 16 || width === 32) return data[i]!;
  const bit = i * width, w = bit >>> 5, s = bit & 31;
  return (((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & maskOf(width)) >>> 0;
}

/** Low `width` bits set, width < 32, as an int32 (1 << 31 would overflow into a double). */
export function maskOf(width: number): number {
  return width === 31 ? 0x7fffffff : (1 << width) - 1;
}
