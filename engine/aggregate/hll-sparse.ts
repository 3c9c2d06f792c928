// The sparse representation of a HyperLogLog sketch (engine/aggregate/hll.ts): one u32 entry per
// touched register at the sparse precision p' = 25 (HLL++, Heule, Nunkesser, Hall 2013, section 5.3):
//
//    31 30                           6 5      0
//   +--+------------------------------+--------+
//   | 0|  idx': top 25 bits of hash   | rank'  |     rank' = leading zeros of the other 39 bits + 1
//   +--+------------------------------+--------+              (1..40)
//
// Entries are never 0 (rank' >= 1) and always < 2^31; each idx' keeps the largest rank' seen.
// Conversion to dense registers of any p <= 25 is exact: the dense sketch equals the one fed the same
// hashes directly.
//
// Where they live: an open-addressing set (a power-of-two Uint32Array, 0 = empty slot, linear
// probing from slot idx' & mask: idx' is already uniform hash bits) at most 3/4 full.
//
// Why not HLL++'s own layout: HLL++ keeps a sorted, varint-delta compressed list and an unsorted
// buffer merged into it from time to time. A plain sorted Uint32Array (no buffer) was tried first:
// an add is then a binary search plus a memmove. bench/hll.bench.ts, sorted list -> set: 56 -> 23 ns
// an event into one sketch of 3000 users, 150 -> 55 ns a new user until dense, 230 -> 140 ns an
// event over 20k keyed sketches (where a binary search misses cache at every level). The set costs
// about 5-11 bytes an entry instead of 4-6. Order matters only in encode, which sorts (hll-codec.ts
// stores sorted varint deltas, so the encoding does not depend on insertion order).

export const SPARSE_P = 25;
const RANK_BITS = 6;
const RANK_MASK = (1 << RANK_BITS) - 1;
/** Largest rank' (all 39 bits zero). */
export const SPARSE_RANK_MAX = 64 - SPARSE_P + 1;

/** The sparse entry of the hash hi:lo. */
export function sparseEntry(lo: number, hi: number): number {
  const rest = hi & 0x7f; // the 7 bits of hi below idx'
  const rank = rest !== 0 ? Math.clz32(rest) - 24 : 8 + Math.clz32(lo);
  return ((hi >>> 7) << RANK_BITS) | rank;
}

export function entryIndex(entry: number): number {
  return entry >>> RANK_BITS;
}

export function entryRank(entry: number): number {
  return entry & RANK_MASK;
}

/** Dense register index of `entry` at precision p. */
export function denseIndex(entry: number, p: number): number {
  return entry >>> (RANK_BITS + SPARSE_P - p);
}

/** Dense register value of `entry` at precision p: the rank of the hash bits after the first p. */
export function denseRank(entry: number, p: number): number {
  const between = (entry >>> RANK_BITS) & ((1 << (SPARSE_P - p)) - 1); // hash bits p .. 24
  return between !== 0 ? Math.clz32(between) - 6 - p : SPARSE_P - p + (entry & RANK_MASK);
}

/** Raises the register of `entry` at precision p to cover it. */
export function raiseRegister(registers: Uint8Array, entry: number, p: number): void {
  const i = denseIndex(entry, p), rank = denseRank(entry, p);
  if (registers[i]! < rank) registers[i] = rank;
}

/** Slots of a set holding `count` entries at most 3/4 full (a power of two, at least 8). */
export function setCapacity(count: number): number {
  let cap = 8;
  while (count * 4 > cap * 3) cap *= 2;
  return cap;
}

/**
 * Puts `entry` into the set (which has a free slot), keeping the larger rank' when its idx' is
 * there already. Returns 1 when a new idx' was added, else 0.
 */
export function setInsert(set: Uint32Array, entry: number): number {
  const mask = set.length - 1, key = entry >>> RANK_BITS;
  for (let i = key & mask; ; i = (i + 1) & mask) {
    const e = set[i]!;
    if (e === 0) { set[i] = entry; return 1; }
    if (e >>> RANK_BITS === key) { if (e < entry) set[i] = entry; return 0; }
  }
}

/** The entries of `set` (a set or any array; zeros skipped), sorted, in a new array of `count`. */
export function sortedEntries(set: Uint32Array, count: number): Uint32Array {
  const out = new Uint32Array(count);
  let n = 0;
  for (let i = 0; i < set.length; i++) if (set[i] !== 0) out[n++] = set[i]!;
  return out.sort();
}

/** Raises registers (2^p of them) to cover the entries in list[0, end) (zeros skipped). */
export function entriesIntoRegisters(list: Uint32Array, end: number, registers: Uint8Array, p: number): void {
  const shift = RANK_BITS + SPARSE_P - p, betweenMask = (1 << (SPARSE_P - p)) - 1, base = SPARSE_P - p;
  for (let i = 0; i < end; i++) {
    const e = list[i]!;
    if (e === 0) continue;
    const between = (e >>> RANK_BITS) & betweenMask;
    const rank = between !== 0 ? Math.clz32(between) - 6 - p : base + (e & RANK_MASK);
    const r = e >>> shift;
    if (registers[r]! < rank) registers[r] = rank;
  }
}
