// The sparse representation of a HyperLogLog sketch (engine/aggregate/hll.ts): a sorted list of u32
// entries, one per touched register at the sparse precision p' = 25 (HLL++, Heule, Nunkesser, Hall
// 2013, section 5.3):
//
//    31 30                           6 5      0
//   +--+------------------------------+--------+
//   | 0|  idx': top 25 bits of hash   | rank'  |     rank' = leading zeros of the other 39 bits + 1
//   +--+------------------------------+--------+              (1..40)
//
// Invariants: entries[0 .. count) strictly increase in idx' (so in value); each idx' keeps the
// largest rank' seen; every entry is < 2^31.
//
// Why not HLL++'s own entry format: HLL++ drops rank' when it can be recomputed from idx' (a flag
// bit) to make entries small for its in-memory varint-delta list, which needs an unsorted buffer
// and periodic merges. We keep entries a fixed 4 bytes in a sorted Uint32Array instead: an add is a
// binary search (and a memmove for a new register), there is no buffer to flush before estimate,
// merge or encode, and a handful of users costs 4 bytes each. Varint deltas are used on the wire only
// (engine/aggregate/hll-codec.ts). Conversion to dense registers of any p <= 25 is exact: the dense
// sketch equals the one fed the same hashes directly.

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

/**
 * Position of the entry with idx' = index(entry) in entries[0, count), or -(insertion point) - 1 when
 * there is none.
 */
export function findEntry(entries: Uint32Array, count: number, entry: number): number {
  const key = entry >>> RANK_BITS;
  let lo = 0, hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = entries[mid]! >>> RANK_BITS;
    if (k < key) lo = mid + 1;
    else if (k > key) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/**
 * Merges sorted a[0, na) and b[0, nb) into out (length >= na + nb), keeping the larger rank' for an
 * idx' in both. Returns the merged count.
 */
export function mergeEntries(a: Uint32Array, na: number, b: Uint32Array, nb: number, out: Uint32Array): number {
  let i = 0, j = 0, n = 0;
  while (i < na && j < nb) {
    const x = a[i]!, y = b[j]!;
    const kx = x >>> RANK_BITS, ky = y >>> RANK_BITS;
    if (kx < ky) { out[n++] = x; i++; }
    else if (kx > ky) { out[n++] = y; j++; }
    else { out[n++] = x > y ? x : y; i++; j++; }
  }
  while (i < na) out[n++] = a[i++]!;
  while (j < nb) out[n++] = b[j++]!;
  return n;
}

/** Raises registers (2^p of them) to cover entries[0, count). */
export function entriesIntoRegisters(entries: Uint32Array, count: number, registers: Uint8Array, p: number): void {
  const shift = RANK_BITS + SPARSE_P - p, betweenMask = (1 << (SPARSE_P - p)) - 1, base = SPARSE_P - p;
  for (let i = 0; i < count; i++) {
    const e = entries[i]!;
    const between = (e >>> RANK_BITS) & betweenMask;
    const rank = between !== 0 ? Math.clz32(between) - 6 - p : base + (e & RANK_MASK);
    const r = e >>> shift;
    if (registers[r]! < rank) registers[r] = rank;
  }
}
