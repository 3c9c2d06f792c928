// Scan kernels that read bit-packed values (bit-pack.ts) in place, fused with what the scan does
// with them next, so no intermediate array of values is written and read again:
//
//   gather   out[i] = table[p(i)]: a MAPPED column decoded straight from its key's packed codes,
//            with validity bits from valid[p(i)] when the map has nulls
//   keep     the rows whose state[off + p(i)] is KEEP: a predicate over dictionary codes, decided
//            once per code (resolve) and then read from a table; or, for a single kept code, the
//            rows whose p(i) equals it
//   at       the same for selected rows only (a selection vector), by random access
//
// p(i) is packed value `start + i`. Widths 8/16/32 index the typed array; other widths read two words
// and shift (the pad word after the last makes the second read safe). Nothing allocates; the loops
// are flat and branch only on the rare unknown state.

import type { PackedData } from "./bit-pack.ts";
import { maskOf } from "./bit-pack.ts";
import { gatherU32Kernel, generated, keepEqualKernel, keepKernel, unpackF64Kernel, unpackU32Kernel } from "./packed-gen.ts";

/** Code states of a predicate table: not decided yet, keep the row, drop it. */
export const UNKNOWN = 0, KEEP = 1, DROP = 2;

/** Decides code c, records it in the state table and returns KEEP or DROP. */
export type Resolve = (c: number) => number;

function direct(data: PackedData | null, width: number): boolean {
  return width === 8 || width === 16 || width === 32;
}

/** out[i] = table[p(i)] for i < n. */
export function gatherRange(data: PackedData | null, width: number, start: number, n: number, table: Uint32Array, out: Uint32Array): void {
  if (data === null || width === 0) { out.fill(table[0]!, 0, n); return; }
  if (direct(data, width)) { for (let i = 0; i < n; i++) out[i] = table[data[start + i]!]!; return; }
  if (generated(width, start)) { gatherU32Kernel(width)(data as Uint32Array, start, n, table, out); return; }
  const mask = maskOf(width);
  let bit = start * width;
  for (let i = 0; i < n; i++, bit += width) {
    const w = bit >>> 5, s = bit & 31;
    out[i] = table[((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask]!;
  }
}

/** gatherRange, and validity bit i = valid[p(i)] (bits[0, ceil(n / 8)) written whole). */
export function gatherRangeValid(
  data: PackedData | null, width: number, start: number, n: number, table: Uint32Array, valid: Uint8Array, out: Uint32Array, bits: Uint8Array,
): void {
  if (data === null || width === 0) {
    out.fill(table[0]!, 0, n);
    bits.fill(valid[0] === 1 ? 0xff : 0, 0, (n + 7) >> 3);
    return;
  }
  let b = 0;
  if (direct(data, width)) {
    for (let i = 0; i < n; i++) {
      const k = data[start + i]!;
      out[i] = table[k]!;
      b |= valid[k]! << (i & 7);
      if ((i & 7) === 7) { bits[i >> 3] = b; b = 0; }
    }
  } else {
    const mask = maskOf(width);
    let bit = start * width;
    for (let i = 0; i < n; i++, bit += width) {
      const w = bit >>> 5, s = bit & 31;
      const k = ((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask;
      out[i] = table[k]!;
      b |= valid[k]! << (i & 7);
      if ((i & 7) === 7) { bits[i >> 3] = b; b = 0; }
    }
  }
  if ((n & 7) !== 0) bits[n >> 3] = b;
}

/** out[i] = table[p(i)] for i = sel[k], k < m; with `valid`, sets bit i when valid[p(i)] (bits must start zeroed). */
export function gatherAt(
  data: PackedData | null, width: number, start: number, sel: Int32Array, m: number, table: Uint32Array, out: Uint32Array,
  valid: Uint8Array | null, bits: Uint8Array | null,
): void {
  const mask = data === null || width === 0 ? 0 : direct(data, width) ? -1 : maskOf(width);
  for (let k = 0; k < m; k++) {
    const i = sel[k]!, bit = (start + i) * width, w = bit >>> 5, s = bit & 31;
    const p = mask === 0 ? 0 : mask === -1 ? data![start + i]! : ((data![w]! >>> s) | ((data![w + 1]! << (31 - s)) << 1)) & mask;
    out[i] = table[p]!;
    if (valid !== null) bits![i >> 3] = bits![i >> 3]! | (valid[p]! << (i & 7));
  }
}

/** Writes into sel the rows i < n whose state[off + p(i)] is KEEP; returns how many. */
export function keepRange(
  data: PackedData | null, width: number, start: number, n: number, state: Uint8Array, off: number, resolve: Resolve, sel: Int32Array,
): number {
  if (data === null || width === 0) {
    let st = state[off]!;
    if (st === UNKNOWN) st = resolve(off);
    if (st !== KEEP) return 0;
    for (let i = 0; i < n; i++) sel[i] = i;
    return n;
  }
  let m = 0;
  if (direct(data, width)) {
    for (let i = 0; i < n; i++) {
      const c = off + data[start + i]!;
      let st = state[c]!;
      if (st === UNKNOWN) st = resolve(c);
      sel[m] = i;
      m += st & 1; // KEEP = 1, DROP = 2
    }
    return m;
  }
  if (generated(width, start)) return keepKernel(width)(data as Uint32Array, start, n, state, off, resolve, sel);
  const mask = maskOf(width);
  let bit = start * width;
  for (let i = 0; i < n; i++, bit += width) {
    const w = bit >>> 5, s = bit & 31;
    const c = off + (((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask);
    let st = state[c]!;
    if (st === UNKNOWN) st = resolve(c);
    sel[m] = i;
    m += st & 1;
  }
  return m;
}

/** Writes into sel the rows i < n whose p(i) equals t; returns how many (a predicate keeping one code). */
export function keepEqualRange(data: PackedData | null, width: number, start: number, n: number, t: number, sel: Int32Array): number {
  let m = 0;
  if (data === null || width === 0) {
    if (t !== 0) return 0;
    for (let i = 0; i < n; i++) sel[i] = i;
    return n;
  }
  if (generated(width, start)) return keepEqualKernel(width)(data as Uint32Array, start, n, t, sel);
  if (direct(data, width)) {
    for (let i = 0; i < n; i++) { sel[m] = i; m += data[start + i] === t ? 1 : 0; }
    return m;
  }
  const mask = maskOf(width);
  let bit = start * width;
  for (let i = 0; i < n; i++, bit += width) {
    const w = bit >>> 5, s = bit & 31;
    sel[m] = i;
    m += (((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask) === t ? 1 : 0;
  }
  return m;
}

/** Keeps, in place, the selected rows sel[k] (k < m) whose state[off + p(sel[k])] is KEEP; returns how many. */
export function keepAt(
  data: PackedData | null, width: number, start: number, sel: Int32Array, m: number, state: Uint8Array, off: number, resolve: Resolve,
): number {
  const mask = data === null || width === 0 ? 0 : direct(data, width) ? -1 : maskOf(width);
  let kept = 0;
  for (let k = 0; k < m; k++) {
    const i = sel[k]!, bit = (start + i) * width, w = bit >>> 5, s = bit & 31;
    const c = off + (mask === 0 ? 0 : mask === -1 ? data![start + i]! : ((data![w]! >>> s) | ((data![w + 1]! << (31 - s)) << 1)) & mask);
    let st = state[c]!;
    if (st === UNKNOWN) st = resolve(c);
    sel[kept] = i;
    kept += st & 1;
  }
  return kept;
}

/** index[k] = p(index[k]) for k < m, in place (random access: a selection's values). */
export function unpackIndexed(data: PackedData | null, width: number, index: Uint32Array, m: number): void {
  if (data === null || width === 0) { index.fill(0, 0, m); return; }
  if (direct(data, width)) { for (let k = 0; k < m; k++) index[k] = data[index[k]!]!; return; }
  const mask = maskOf(width);
  for (let k = 0; k < m; k++) {
    const bit = index[k]! * width, w = bit >>> 5, s = bit & 31;
    index[k] = ((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask;
  }
}

/** out[i] = (base + p(i)) / scale for i < n: a FOR chunk decoded to numbers in one pass. */
export function unpackToF64(data: PackedData | null, width: number, start: number, n: number, base: number, scale: number, out: Float64Array): void {
  if (data === null || width === 0) { out.fill(base / scale, 0, n); return; }
  if (direct(data, width)) {
    if (scale === 1) for (let i = 0; i < n; i++) out[i] = base + data[start + i]!;
    else for (let i = 0; i < n; i++) out[i] = (base + data[start + i]!) / scale;
    return;
  }
  if (generated(width, start)) { unpackF64Kernel(width, scale)(data as Uint32Array, start, n, base, scale, out); return; }
  const mask = maskOf(width);
  let bit = start * width;
  if (scale === 1) {
    for (let i = 0; i < n; i++, bit += width) {
      const w = bit >>> 5, s = bit & 31;
      out[i] = base + ((((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask) >>> 0);
    }
    return;
  }
  for (let i = 0; i < n; i++, bit += width) {
    const w = bit >>> 5, s = bit & 31;
    out[i] = (base + ((((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask) >>> 0)) / scale;
  }
}

/** out[i] = base + p(i) for i < n (codes of a FOR chunk), in one pass. */
export function unpackToU32(data: PackedData | null, width: number, start: number, n: number, base: number, out: Uint32Array): void {
  if (data === null || width === 0) { out.fill(base, 0, n); return; }
  if (direct(data, width)) {
    // Base 0 (map entries, DELTA steps) is a copy; a loop here would see three array kinds.
    if (base === 0) out.set(data.subarray(start, start + n));
    else for (let i = 0; i < n; i++) out[i] = base + data[start + i]!;
    return;
  }
  if (generated(width, start)) { unpackU32Kernel(width)(data as Uint32Array, start, n, base, out); return; }
  const mask = maskOf(width);
  let bit = start * width;
  for (let i = 0; i < n; i++, bit += width) {
    const w = bit >>> 5, s = bit & 31;
    out[i] = base + (((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask);
  }
}
