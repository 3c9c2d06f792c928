// Counts over Roaring bitmaps' containers (roaring-containers.ts) that build nothing: |A AND B| (from
// which |A OR B| and |A AND NOT B| follow), intersects, and k-way AND / OR counts.
//
// A walk pairs containers with equal keys, iterating the side with fewer containers and galloping
// through the other's keys (a batch-sized set against a set of millions costs per container of the
// small side), then picks a kernel by the pair's kinds (Lemire et al. 2016, section 3):
//
//   bitset . bitset   word by word, counted with a carry-save popcount (roaring-bitset.ts)
//   array . bitset    one bit probe per array value
//   array . array     probe through a scratch bitset, or gallop when one side is much smaller (roaring-array.ts)
//
// K-way counts go container key by container key and never build the intermediate sets: an AND
// filters the smallest array (or ANDs bitset words) through the others; an OR sets the others' bits
// in a scratch bitset and probes the largest array against them.

import * as arr from "./roaring-array.ts";
import * as bits from "./roaring-bitset.ts";
import type { Containers } from "./roaring-containers.ts";
import { scratchBits, unionA, unionB } from "./roaring-scratch.ts";

const { BITSET_WORDS } = bits;

/** |a AND b| of containers a[i] and b[j] (same key). */
function pairAndCount(a: Containers, i: number, b: Containers, j: number): number {
  const ab = a.isBitset(i), bb = b.isBitset(j);
  if (ab && bb) return bits.andCount(a.bitset(i), b.bitset(j));
  if (ab) return bits.arrayAndBitsetCount(b.pool, b.where(j), b.card(j), a.bitset(i));
  if (bb) return bits.arrayAndBitsetCount(a.pool, a.where(i), a.card(i), b.bitset(j));
  return arr.intersectCount(a.pool, a.where(i), a.card(i), b.pool, b.where(j), b.card(j));
}

function pairIntersects(a: Containers, i: number, b: Containers, j: number): boolean {
  const ab = a.isBitset(i), bb = b.isBitset(j);
  if (ab && bb) return bits.bitsetsIntersect(a.bitset(i), b.bitset(j));
  if (ab) return bits.arrayIntersectsBitset(b.pool, b.where(j), b.card(j), a.bitset(i));
  if (bb) return bits.arrayIntersectsBitset(a.pool, a.where(i), a.card(i), b.bitset(j));
  return arr.intersects(a.pool, a.where(i), a.card(i), b.pool, b.where(j), b.card(j));
}

export function andSize(a: Containers, b: Containers): number {
  if (a.n > b.n) [a, b] = [b, a];
  let c = 0;
  for (let i = 0, j = 0; i < a.n && j < b.n; i++) {
    const k = b.seek(a.key(i), j);
    if (k < 0) {
      j = -k - 1;
      continue;
    }
    c += pairAndCount(a, i, b, k);
    j = k + 1;
  }
  return c;
}

export function intersects(a: Containers, b: Containers): boolean {
  if (a.n > b.n) [a, b] = [b, a];
  for (let i = 0, j = 0; i < a.n && j < b.n; i++) {
    const k = b.seek(a.key(i), j);
    if (k < 0) {
      j = -k - 1;
      continue;
    }
    if (pairIntersects(a, i, b, k)) return true;
    j = k + 1;
  }
  return false;
}

/**
 * ORs the containers with `key` at the cursors into scratchBits; returns the union's cardinality.
 * Array values are counted as their bits are set; bitsets are ORed word by word and counted once.
 */
export function unionBits(key: number, list: readonly Containers[], pos: Int32Array, bitsets: number): number {
  const w = scratchBits;
  let card = 0;
  if (bitsets > 0) {
    for (let t = 0; t < list.length; t++) {
      const c = list[t]!, p = pos[t]!;
      if (p >= c.n || c.key(p) !== key || !c.isBitset(p)) continue;
      const s = c.bitset(p);
      for (let k = 0; k < BITSET_WORDS; k++) w[k] = w[k]! | s[k]!;
    }
    card = bits.popcount(w);
  }
  for (let t = 0; t < list.length; t++) {
    const c = list[t]!, p = pos[t]!;
    if (p < c.n && c.key(p) === key && !c.isBitset(p)) card += bits.setBits(w, c.pool, c.where(p), c.card(p));
  }
  return card;
}

/** |list[0] AND list[1] AND ...| without building anything. */
export function andManySize(list: readonly Containers[]): number {
  if (list.length === 0) return 0;
  if (list.length === 1) return list[0]!.size;
  if (list.length === 2) return andSize(list[0]!, list[1]!);
  const sorted = list.slice().sort((x, y) => x.n - y.n), first = sorted[0]!;
  const at = new Int32Array(sorted.length);
  let total = 0;
  next: for (let i = 0; i < first.n; i++) {
    const key = first.key(i);
    at[0] = i;
    for (let t = 1; t < sorted.length; t++) {
      const c = sorted[t]!, k = c.seek(key, at[t]!);
      if (k < 0) {
        at[t] = -k - 1;
        continue next;
      }
      at[t] = k;
    }
    total += andManyCount(sorted, at);
    for (let t = 1; t < sorted.length; t++) at[t]!++;
  }
  return total;
}

/** |AND of the containers at the cursors| (all with the same key). */
function andManyCount(list: readonly Containers[], at: Int32Array): number {
  // The smallest array, if any, is the base: every step then reads at most its values.
  let base = -1;
  for (let t = 0; t < list.length; t++) {
    const c = list[t]!, i = at[t]!;
    if (!c.isBitset(i) && (base < 0 || c.card(i) < list[base]!.card(at[base]!))) base = t;
  }
  if (base < 0) return bitsetsAndCount(list, at);
  const b = list[base]!, bi = at[base]!;
  let src = b.pool, from = b.where(bi), n = b.card(bi), out = unionA;
  const sets: Int32Array[] = [];
  for (let t = 0; t < list.length && n > 0; t++) {
    const c = list[t]!, i = at[t]!;
    if (t === base) continue;
    if (c.isBitset(i)) {
      sets.push(c.bitset(i));
      continue;
    }
    n = arr.intersect(src, from, n, c.pool, c.where(i), c.card(i), out, 0);
    (src = out), (from = 0), (out = out === unionA ? unionB : unionA);
  }
  if (n === 0 || sets.length === 0) return n;
  // Filter by all bitsets but the last one or two, which are only counted.
  while (sets.length > 2) {
    n = bits.filterArrayByBitset(src, from, n, sets.pop()!, 1, out, 0);
    (src = out), (from = 0), (out = out === unionA ? unionB : unionA);
  }
  return sets.length === 2 ? bits.arrayAndBitsets2Count(src, from, n, sets[0]!, sets[1]!) : bits.arrayAndBitsetCount(src, from, n, sets[0]!);
}

/** |AND of the bitsets at the cursors| (at least two). */
function bitsetsAndCount(list: readonly Containers[], at: Int32Array): number {
  const w = (t: number) => list[t]!.bitset(at[t]!);
  if (list.length === 2) return bits.andCount(w(0), w(1));
  if (list.length === 3) return bits.andCount3(w(0), w(1), w(2));
  const s = scratchBits;
  bits.andInto(w(0), w(1), s);
  for (let t = 2; t < list.length; t++) {
    const x = w(t);
    for (let k = 0; k < BITSET_WORDS; k++) s[k] = s[k]! & x[k]!;
  }
  const card = bits.popcount(s);
  s.fill(0);
  return card;
}

/** |list[0] OR list[1] OR ...| without building anything. */
export function orManySize(list: readonly Containers[]): number {
  if (list.length === 0) return 0;
  if (list.length === 1) return list[0]!.size;
  if (list.length === 2) return list[0]!.size + list[1]!.size - andSize(list[0]!, list[1]!);
  const pos = new Int32Array(list.length);
  let size = 0;
  for (;;) {
    let key = 0x10000, count = 0, bitsets = 0, only = 0;
    for (let t = 0; t < list.length; t++) {
      const c = list[t]!, p = pos[t]!;
      if (p >= c.n) continue;
      const k = c.key(p);
      if (k > key) continue;
      if (k < key) (key = k), (count = 0), (bitsets = 0);
      count++;
      if (c.isBitset(p)) bitsets++;
      only = t;
    }
    if (key === 0x10000) return size;
    if (count === 1) {
      size += list[only]!.card(pos[only]!);
    } else if (bitsets === 0) {
      size += arraysUnionCount(key, list, pos);
    } else {
      size += unionBits(key, list, pos, bitsets);
      scratchBits.fill(0);
    }
    for (let t = 0; t < list.length; t++) if (pos[t]! < list[t]!.n && list[t]!.key(pos[t]!) === key) pos[t]!++;
  }
}

/**
 * |union of the array containers with `key` at the cursors|: the largest is only probed, the others'
 * bits are set (counting new ones), so |union| = |largest| + |others| - |largest AND others|.
 */
function arraysUnionCount(key: number, list: readonly Containers[], pos: Int32Array): number {
  let largest = -1;
  for (let t = 0; t < list.length; t++) {
    const c = list[t]!, p = pos[t]!;
    if (p < c.n && c.key(p) === key && (largest < 0 || c.card(p) > list[largest]!.card(pos[largest]!))) largest = t;
  }
  const w = scratchBits;
  let others = 0;
  for (let t = 0; t < list.length; t++) {
    const c = list[t]!, p = pos[t]!;
    if (t !== largest && p < c.n && c.key(p) === key) others += bits.setBits(w, c.pool, c.where(p), c.card(p));
  }
  const l = list[largest]!, lp = pos[largest]!, card = l.card(lp);
  const size = card + others - bits.arrayAndBitsetCount(l.pool, l.where(lp), card, w);
  for (let t = 0; t < list.length; t++) {
    const c = list[t]!, p = pos[t]!;
    if (t === largest || p >= c.n || c.key(p) !== key) continue;
    const pool = c.pool;
    for (let i = c.where(p), end = i + c.card(p); i < end; i++) w[pool[i]! >>> 5] = 0;
  }
  return size;
}
