// Decodes a range of dense values of a numeric or code chunk (see column-chunk.ts for the encodings)
// into caller-owned typed arrays. Nothing here allocates per value: callers pass scratch arrays of at
// least `count` entries, reused across batches.

import { assert } from "../core/assert.ts";
import { unpackInts } from "./bit-pack.ts";
import { DELTA_BLOCK, Encoding, type ColumnChunk } from "./column-chunk.ts";
import { unpackToF64, unpackToU32 } from "./packed-kernels.ts";

/** Dense values [start, start + count) as float64. `tmp` is scratch of >= count + DELTA_BLOCK entries. */
export function decodeDenseF64(c: ColumnChunk, start: number, count: number, out: Float64Array, tmp: Uint32Array): void {
  if (count === 0) return;
  switch (c.encoding) {
    case Encoding.CONSTANT:
      out.fill(c.base, 0, count);
      return;
    case Encoding.RAW:
      out.set(c.f64!.subarray(start, start + count));
      return;
    case Encoding.FOR:
      // One fused loop: in JSC, unpacking to u32 and then converting costs 2.5 times as much.
      unpackToF64(c.packed, c.width, start, count, c.base, c.scale, out);
      return;
    case Encoding.DELTA:
      decodeDelta(c, start, count, out, tmp);
      return;
    case Encoding.RLE:
      decodeRle(c, start, count, out);
      return;
    default:
      assert(false, `chunk encoding ${c.encoding} holds no numbers`);
  }
}

/**
 * Dense values as u32 (dictionary codes, the hot path of group-by and filters): FOR and CONSTANT
 * decode straight into `out`; the rarer encodings go through `f64` scratch.
 */
export function decodeDenseU32(c: ColumnChunk, start: number, count: number, out: Uint32Array, tmp: Uint32Array, f64: Float64Array): void {
  if (count === 0) return;
  if (c.encoding === Encoding.CONSTANT) {
    out.fill(c.base, 0, count);
  } else if (c.encoding === Encoding.FOR) {
    // Base 0 at widths 8/16/32 is a copy; everything else unpacks and adds the base in one pass.
    if (c.base === 0 && (c.width === 8 || c.width === 16 || c.width === 32)) unpackInts(c.packed, c.width, start, count, out);
    else unpackToU32(c.packed, c.width, start, count, c.base, out);
  } else {
    decodeDenseF64(c, start, count, f64, tmp);
    out.set(f64.subarray(0, count));
  }
}

// Starts at the checkpoint of the block holding `start` and sums forward; `tmp` receives the packed
// steps from the checkpoint on, hence its extra DELTA_BLOCK entries.
function decodeDelta(c: ColumnChunk, start: number, count: number, out: Float64Array, tmp: Uint32Array): void {
  const block = Math.floor(start / DELTA_BLOCK), from = block * DELTA_BLOCK, skip = start - from;
  unpackToU32(c.packed, c.width, from, skip + count, 0, tmp);
  const step = c.base, scale = c.scale;
  // Integers below 2^53 add exactly, so summing on from the checkpoint gives every later k too.
  let k = c.f64![block]!;
  for (let i = 1; i <= skip; i++) k += step + tmp[i]!;
  out[0] = scale === 1 ? k : k / scale;
  for (let i = 1; i < count; i++) {
    k += step + tmp[skip + i]!;
    out[i] = scale === 1 ? k : k / scale;
  }
}

function decodeRle(c: ColumnChunk, start: number, count: number, out: Float64Array): void {
  const ends = c.u32!, values = c.f64!;
  // Binary search for the run that holds `start`: the first run whose end exceeds it.
  let lo = 0, hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid]! > start) hi = mid;
    else lo = mid + 1;
  }
  let i = 0;
  for (let r = lo; i < count; r++) {
    const n = Math.min(ends[r]! - start - i, count - i);
    out.fill(values[r]!, i, i + n);
    i += n;
  }
}
