// Kernels on bitset containers: 65536 bits as an Int32Array(2048), bit v at word v >>> 5, bit v & 31
// (the layout of the portable Roaring format read as little-endian 32-bit words). Int32, not Uint32:
// JSC reads a Uint32Array word above 2^31 as a double, and the kernels run ~11% faster on Int32Array.
//
// Counting. JavaScript has no popcount instruction, so population counts use a carry-save adder
// (Harley-Seal, as in Muła, Kurz, Lemire, "Faster population counts using AVX2 instructions", The
// Computer Journal 61(1), 2018): sixteen words are folded into ones/twos/fours/eights accumulators
// with five bitwise operations each, and only the block's carry into `sixteens` is counted, by a SWAR
// popcount on 32 bits. Measured under Bun 1.4 (JSC): 0.66 ns per word pair for an AND count, against
// 1.6 ns for a SWAR popcount of every word (the flat-bitset floor of bench/audiences.bench.ts), 0.9 ns
// for a 64 KiB lookup table and 0.8 ns for eight-word blocks.
//
// Arrays passed in are sorted ascending, unique, 16-bit values (array containers): see roaring-array.ts.

export const BITSET_WORDS = 2048;

/** A copy of a bitset (new + set: 3x faster than slice() under JSC, measured). */
export function copyBitset(w: Int32Array): Int32Array {
  const out = new Int32Array(BITSET_WORDS);
  out.set(w);
  return out;
}

/** Bits set in one 32-bit word (SWAR). */
export function bitCount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Bits set in a bitset. */
export function popcount(w: Int32Array): number {
  let total = 0, ones = 0, twos = 0, fours = 0, eights = 0;
  for (let i = 0; i < BITSET_WORDS; i += 16) {
    let u = 0, x = 0, y = 0, tA = 0, tB = 0, fA = 0, fB = 0, eA = 0, eB = 0;
    (x = w[i]!), (y = w[i + 1]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = w[i + 2]!), (y = w[i + 3]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fA = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (x = w[i + 4]!), (y = w[i + 5]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = w[i + 6]!), (y = w[i + 7]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fB = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (u = fours ^ fA), (eA = (fours & fA) | (u & fB)), (fours = u ^ fB);
    (x = w[i + 8]!), (y = w[i + 9]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = w[i + 10]!), (y = w[i + 11]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fA = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (x = w[i + 12]!), (y = w[i + 13]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = w[i + 14]!), (y = w[i + 15]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fB = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (u = fours ^ fA), (eB = (fours & fA) | (u & fB)), (fours = u ^ fB);
    u = eights ^ eA;
    total += bitCount32((eights & eA) | (u & eB));
    eights = u ^ eB;
  }
  return 16 * total + 8 * bitCount32(eights) + 4 * bitCount32(fours) + 2 * bitCount32(twos) + bitCount32(ones);
}

/** |a AND b| of two bitsets, building nothing (the same adder over a[i] & b[i]). */
export function andCount(a: Int32Array, b: Int32Array): number {
  let total = 0, ones = 0, twos = 0, fours = 0, eights = 0;
  for (let i = 0; i < BITSET_WORDS; i += 16) {
    let u = 0, x = 0, y = 0, tA = 0, tB = 0, fA = 0, fB = 0, eA = 0, eB = 0;
    (x = a[i]! & b[i]!), (y = a[i + 1]! & b[i + 1]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = a[i + 2]! & b[i + 2]!), (y = a[i + 3]! & b[i + 3]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fA = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (x = a[i + 4]! & b[i + 4]!), (y = a[i + 5]! & b[i + 5]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = a[i + 6]! & b[i + 6]!), (y = a[i + 7]! & b[i + 7]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fB = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (u = fours ^ fA), (eA = (fours & fA) | (u & fB)), (fours = u ^ fB);
    (x = a[i + 8]! & b[i + 8]!), (y = a[i + 9]! & b[i + 9]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = a[i + 10]! & b[i + 10]!), (y = a[i + 11]! & b[i + 11]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fA = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (x = a[i + 12]! & b[i + 12]!), (y = a[i + 13]! & b[i + 13]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = a[i + 14]! & b[i + 14]!), (y = a[i + 15]! & b[i + 15]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fB = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (u = fours ^ fA), (eB = (fours & fA) | (u & fB)), (fours = u ^ fB);
    u = eights ^ eA;
    total += bitCount32((eights & eA) | (u & eB));
    eights = u ^ eB;
  }
  return 16 * total + 8 * bitCount32(eights) + 4 * bitCount32(fours) + 2 * bitCount32(twos) + bitCount32(ones);
}

/** |a AND b AND c| of three bitsets, building nothing. */
export function andCount3(a: Int32Array, b: Int32Array, c: Int32Array): number {
  let total = 0, ones = 0, twos = 0, fours = 0, eights = 0;
  for (let i = 0; i < BITSET_WORDS; i += 16) {
    let u = 0, x = 0, y = 0, tA = 0, tB = 0, fA = 0, fB = 0, eA = 0, eB = 0;
    (x = a[i]! & b[i]! & c[i]!), (y = a[i + 1]! & b[i + 1]! & c[i + 1]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = a[i + 2]! & b[i + 2]! & c[i + 2]!), (y = a[i + 3]! & b[i + 3]! & c[i + 3]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fA = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (x = a[i + 4]! & b[i + 4]! & c[i + 4]!), (y = a[i + 5]! & b[i + 5]! & c[i + 5]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = a[i + 6]! & b[i + 6]! & c[i + 6]!), (y = a[i + 7]! & b[i + 7]! & c[i + 7]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fB = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (u = fours ^ fA), (eA = (fours & fA) | (u & fB)), (fours = u ^ fB);
    (x = a[i + 8]! & b[i + 8]! & c[i + 8]!), (y = a[i + 9]! & b[i + 9]! & c[i + 9]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = a[i + 10]! & b[i + 10]! & c[i + 10]!), (y = a[i + 11]! & b[i + 11]! & c[i + 11]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fA = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (x = a[i + 12]! & b[i + 12]! & c[i + 12]!), (y = a[i + 13]! & b[i + 13]! & c[i + 13]!);
    (u = ones ^ x), (tA = (ones & x) | (u & y)), (ones = u ^ y);
    (x = a[i + 14]! & b[i + 14]! & c[i + 14]!), (y = a[i + 15]! & b[i + 15]! & c[i + 15]!);
    (u = ones ^ x), (tB = (ones & x) | (u & y)), (ones = u ^ y);
    (u = twos ^ tA), (fB = (twos & tA) | (u & tB)), (twos = u ^ tB);
    (u = fours ^ fA), (eB = (fours & fA) | (u & fB)), (fours = u ^ fB);
    u = eights ^ eA;
    total += bitCount32((eights & eA) | (u & eB));
    eights = u ^ eB;
  }
  return 16 * total + 8 * bitCount32(eights) + 4 * bitCount32(fours) + 2 * bitCount32(twos) + bitCount32(ones);
}

/** |arr[from, from + n) AND v AND w|: one pass probing two bitsets. */
export function arrayAndBitsets2Count(arr: Uint16Array, from: number, n: number, v: Int32Array, w: Int32Array): number {
  let c = 0;
  for (let i = from, end = from + n; i < end; i++) {
    const x = arr[i]!, k = x >>> 5;
    c += ((v[k]! & w[k]!) >>> (x & 31)) & 1;
  }
  return c;
}

export function bitsetsIntersect(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < BITSET_WORDS; i++) if ((a[i]! & b[i]!) !== 0) return true;
  return false;
}

/** out := a AND b; returns |out|. out may be a or b. */
export function andInto(a: Int32Array, b: Int32Array, out: Int32Array): number {
  for (let i = 0; i < BITSET_WORDS; i++) out[i] = a[i]! & b[i]!;
  return popcount(out);
}

/** out := a OR b; returns |out|. out may be a or b. */
export function orInto(a: Int32Array, b: Int32Array, out: Int32Array): number {
  for (let i = 0; i < BITSET_WORDS; i++) out[i] = a[i]! | b[i]!;
  return popcount(out);
}

/** out := a AND NOT b; returns |out|. out may be a or b. */
export function andNotInto(a: Int32Array, b: Int32Array, out: Int32Array): number {
  for (let i = 0; i < BITSET_WORDS; i++) out[i] = a[i]! & ~b[i]!;
  return popcount(out);
}

export function hasBit(w: Int32Array, v: number): boolean {
  return ((w[v >>> 5]! >>> (v & 31)) & 1) !== 0;
}

/** Sets the bits of arr[from, from + n); returns how many were not set before. */
export function setBits(w: Int32Array, arr: Uint16Array, from: number, n: number): number {
  let added = 0;
  for (let i = from, end = from + n; i < end; i++) {
    const v = arr[i]!, k = v >>> 5, old = w[k]!, now = old | (1 << (v & 31));
    w[k] = now;
    added += (now ^ old) >>> (v & 31);
  }
  return added;
}

/** Clears the bits of arr[from, from + n); returns how many were set before. */
export function clearBits(w: Int32Array, arr: Uint16Array, from: number, n: number): number {
  let removed = 0;
  for (let i = from, end = from + n; i < end; i++) {
    const v = arr[i]!, k = v >>> 5, old = w[k]!;
    removed += (old >>> (v & 31)) & 1;
    w[k] = old & ~(1 << (v & 31));
  }
  return removed;
}

/** Sets bits [begin, end) (0 <= begin <= end <= 65536). */
export function setRange(w: Int32Array, begin: number, end: number): void {
  if (begin >= end) return;
  const first = begin >>> 5, last = (end - 1) >>> 5;
  const headMask = ~0 << (begin & 31), tailMask = ~0 >>> (31 - ((end - 1) & 31));
  if (first === last) {
    w[first] = w[first]! | (headMask & tailMask);
    return;
  }
  w[first] = w[first]! | headMask;
  w.fill(0xffffffff, first + 1, last);
  w[last] = w[last]! | tailMask;
}

/** |arr[from, from + n) AND w|: a probe per array value. */
export function arrayAndBitsetCount(arr: Uint16Array, from: number, n: number, w: Int32Array): number {
  let c = 0;
  for (let i = from, end = from + n; i < end; i++) {
    const v = arr[i]!;
    c += (w[v >>> 5]! >>> (v & 31)) & 1;
  }
  return c;
}

export function arrayIntersectsBitset(arr: Uint16Array, from: number, n: number, w: Int32Array): boolean {
  for (let i = from, end = from + n; i < end; i++) {
    const v = arr[i]!;
    if (((w[v >>> 5]! >>> (v & 31)) & 1) !== 0) return true;
  }
  return false;
}

/**
 * Writes the values of arr[from, from + n) whose bit in w is `keep` (1: AND, 0: AND NOT) to
 * out[at...]; returns how many. out may be arr with at <= from (writes never overtake reads).
 */
export function filterArrayByBitset(arr: Uint16Array, from: number, n: number, w: Int32Array, keep: 0 | 1, out: Uint16Array, at: number): number {
  let k = at;
  for (let i = from, end = from + n; i < end; i++) {
    const v = arr[i]!;
    out[k] = v;
    k += ((w[v >>> 5]! >>> (v & 31)) & 1) ^ keep ^ 1;
  }
  return k - at;
}

/** Writes the set bits' positions ascending to out[at...]; returns how many. */
export function bitsetToArray(w: Int32Array, out: Uint16Array, at: number): number {
  let k = at;
  for (let i = 0; i < BITSET_WORDS; i++) {
    let x = w[i]!;
    const base = i << 5;
    while (x !== 0) {
      const t = x & -x;
      out[k++] = base + 31 - Math.clz32(t);
      x ^= t;
    }
  }
  return k - at;
}

/** The largest set bit, or -1 when none is set. */
export function bitsetMax(w: Int32Array): number {
  for (let i = BITSET_WORDS - 1; i >= 0; i--) if (w[i] !== 0) return (i << 5) + 31 - Math.clz32(w[i]!);
  return -1;
}

/**
 * Writes up to `limit` set positions >= `from` ascending to out[at...] as (high | position) u32
 * values; returns how many.
 */
export function bitsetValues(w: Int32Array, high: number, from: number, limit: number, out: Uint32Array, at: number): number {
  let k = at;
  const end = at + limit;
  for (let i = from >>> 5; i < BITSET_WORDS && k < end; i++) {
    let x = w[i]!;
    if (i === from >>> 5) x &= ~0 << (from & 31);
    const base = (high | (i << 5)) >>> 0;
    while (x !== 0 && k < end) {
      const t = x & -x;
      out[k++] = base + 31 - Math.clz32(t);
      x ^= t;
    }
  }
  return k - at;
}

export function bitsetsEqual(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < BITSET_WORDS; i++) if (a[i] !== b[i]) return false;
  return true;
}
