// Scratch buffers shared by the Roaring kernels that combine containers (roaring-count.ts,
// roaring-combine.ts, roaring-values.ts). The engine is single-threaded and none of these functions
// re-enters another's use: each borrows a buffer for the length of one call and leaves it as its
// invariant says.

import { BITSET_WORDS } from "./roaring-bitset.ts";
import { ARRAY_MAX } from "./roaring-containers.ts";

/** All zero between calls. */
export const scratchBits = new Int32Array(BITSET_WORDS);
/** One container's low halves: a group of a bulk add or remove. */
export const scratch16 = new Uint16Array(65_536);
/** Ping-pong buffers for intersections and small unions of array containers (contents undefined). */
export const unionA = new Uint16Array(ARRAY_MAX), unionB = new Uint16Array(ARRAY_MAX);

/** Copies src[from, from + n) to dst[at...]. */
export function copyValues(src: Uint16Array, from: number, n: number, dst: Uint16Array, at: number): void {
  if (n > 256) dst.set(src.subarray(from, from + n), at); // subarray allocates: only when it pays
  else for (let k = 0; k < n; k++) dst[at + k] = src[from + k]!;
}
