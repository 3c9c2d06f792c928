// Set algebra between Roaring bitmaps' containers (roaring-containers.ts): counts that build nothing,
// operations that build a new bitmap, in-place operations, and bulk adds and removes.
//
// Every binary operation walks the two key lists and pairs containers with equal keys, then picks a
// kernel by the pair's kinds (Lemire et al. 2016, section 3):
//
//   bitset . bitset   word by word (roaring-bitset.ts), result counted with a carry-save popcount
//   array . bitset    one bit probe per array value
//   array . array     merge, or galloping when one side is much smaller (roaring-array.ts)
//
// AND-like walks iterate the side with fewer containers and gallop through the other's keys, so a
// batch-sized set against a set of millions costs per container of the small side.
//
// Results respect the container invariant (bitset iff more than ARRAY_MAX = 2048 values): a bitset
// result that falls to ARRAY_MAX or fewer is turned into an array, an array that grows past it into
// a bitset.
// Scratch buffers are module-level and left zeroed / unused between calls (no call here re-enters).

import { ARRAY_MAX, Containers } from "./roaring-containers.ts";
import * as arr from "./roaring-array.ts";
import * as bits from "./roaring-bitset.ts";

const { BITSET_WORDS } = bits;
/** All zero between calls; a result that keeps it as its bitset gets a fresh one in its place. */
let scratchBits = new Int32Array(BITSET_WORDS);
/** One container's low halves (a group of a bulk add or remove), and two halves for k-way unions. */
const scratch16 = new Uint16Array(65_536);
const unionA = new Uint16Array(ARRAY_MAX), unionB = new Uint16Array(ARRAY_MAX);

// ---------------------------------------------------------------------------------------------
// Counts

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

// ---------------------------------------------------------------------------------------------
// Building results: containers are appended in key order.

/** Appends an array container holding r.pool[at, at + k) (the tail of an allocArray); drops it when empty. */
function pushArray(r: Containers, key: number, at: number, k: number): void {
  r.trimTail(at, k);
  if (k === 0) return;
  r.setArray(r.push(key), at, k, k);
  r.size += k;
}

/** Appends the container held in scratchBits (`card` bits), as a bitset or an array; re-zeroes scratch. */
function pushScratch(r: Containers, key: number, card: number): void {
  if (card > ARRAY_MAX) {
    r.setBitset(r.push(key), scratchBits, card);
    r.size += card;
    scratchBits = new Int32Array(BITSET_WORDS);
    return;
  }
  if (card > 0) {
    const at = r.allocArray(card);
    bits.bitsetToArray(scratchBits, r.pool, at);
    pushArray(r, key, at, card);
  }
  scratchBits.fill(0);
}

/** Appends a copy of x's container i. */
function pushCopy(r: Containers, x: Containers, i: number): void {
  const key = x.key(i), card = x.card(i);
  if (x.isBitset(i)) {
    r.setBitset(r.push(key), bits.copyBitset(x.bitset(i)), card);
    r.size += card;
    return;
  }
  const at = r.allocArray(card);
  copyValues(x.pool, x.where(i), card, r.pool, at);
  pushArray(r, key, at, card);
}

function copyValues(src: Uint16Array, from: number, n: number, dst: Uint16Array, at: number): void {
  if (n > 256) dst.set(src.subarray(from, from + n), at); // subarray allocates: only when it pays
  else for (let k = 0; k < n; k++) dst[at + k] = src[from + k]!;
}

export function and(a: Containers, b: Containers): Containers {
  if (a.n > b.n) [a, b] = [b, a];
  const r = new Containers();
  r.reserveMeta(a.n);
  for (let i = 0, j = 0; i < a.n && j < b.n; i++) {
    const key = a.key(i), k = b.seek(key, j);
    if (k < 0) {
      j = -k - 1;
      continue;
    }
    j = k + 1;
    const ab = a.isBitset(i), bb = b.isBitset(k);
    if (ab && bb) {
      pushScratch(r, key, bits.andInto(a.bitset(i), b.bitset(k), scratchBits));
    } else if (ab || bb) {
      const x = ab ? b : a, xi = ab ? k : i, w = ab ? a.bitset(i) : b.bitset(k);
      const at = r.allocArray(x.card(xi));
      pushArray(r, key, at, bits.filterArrayByBitset(x.pool, x.where(xi), x.card(xi), w, 1, r.pool, at));
    } else {
      const at = r.allocArray(Math.min(a.card(i), b.card(k)));
      pushArray(r, key, at, arr.intersect(a.pool, a.where(i), a.card(i), b.pool, b.where(k), b.card(k), r.pool, at));
    }
  }
  r.shrinkPool();
  return r;
}

export function or(a: Containers, b: Containers): Containers {
  const r = new Containers();
  r.reserveMeta(a.n + b.n);
  let i = 0, j = 0;
  while (i < a.n || j < b.n) {
    const ka = i < a.n ? a.key(i) : 0x10000, kb = j < b.n ? b.key(j) : 0x10000;
    if (ka < kb) pushCopy(r, a, i++);
    else if (kb < ka) pushCopy(r, b, j++);
    else orPair(r, ka, a, i++, b, j++);
  }
  r.shrinkPool();
  return r;
}

function orPair(r: Containers, key: number, a: Containers, i: number, b: Containers, j: number): void {
  const ab = a.isBitset(i), bb = b.isBitset(j);
  if (ab && bb) {
    const words = new Int32Array(BITSET_WORDS);
    const card = bits.orInto(a.bitset(i), b.bitset(j), words);
    r.setBitset(r.push(key), words, card);
    r.size += card;
  } else if (ab || bb) {
    const x = ab ? b : a, xi = ab ? j : i;
    const words = bits.copyBitset(ab ? a.bitset(i) : b.bitset(j));
    const card = (ab ? a.card(i) : b.card(j)) + bits.setBits(words, x.pool, x.where(xi), x.card(xi));
    r.setBitset(r.push(key), words, card);
    r.size += card;
  } else if (a.card(i) + b.card(j) <= ARRAY_MAX) {
    const at = r.allocArray(a.card(i) + b.card(j));
    pushArray(r, key, at, arr.union(a.pool, a.where(i), a.card(i), b.pool, b.where(j), b.card(j), r.pool, at));
  } else {
    const card = bits.setBits(scratchBits, a.pool, a.where(i), a.card(i)) + bits.setBits(scratchBits, b.pool, b.where(j), b.card(j));
    pushScratch(r, key, card);
  }
}

export function andNot(a: Containers, b: Containers): Containers {
  const r = new Containers();
  r.reserveMeta(a.n);
  for (let i = 0, j = 0; i < a.n; i++) {
    const key = a.key(i), k = j < b.n ? b.seek(key, j) : -b.n - 1;
    if (k < 0) {
      j = -k - 1;
      pushCopy(r, a, i);
      continue;
    }
    j = k + 1;
    const ab = a.isBitset(i), bb = b.isBitset(k);
    if (ab && bb) {
      pushScratch(r, key, bits.andNotInto(a.bitset(i), b.bitset(k), scratchBits));
    } else if (ab) {
      scratchBits.set(a.bitset(i));
      pushScratch(r, key, a.card(i) - bits.clearBits(scratchBits, b.pool, b.where(k), b.card(k)));
    } else if (bb) {
      const at = r.allocArray(a.card(i));
      pushArray(r, key, at, bits.filterArrayByBitset(a.pool, a.where(i), a.card(i), b.bitset(k), 0, r.pool, at));
    } else {
      const at = r.allocArray(a.card(i));
      pushArray(r, key, at, arr.difference(a.pool, a.where(i), a.card(i), b.pool, b.where(k), b.card(k), r.pool, at));
    }
  }
  r.shrinkPool();
  return r;
}

/** The union of all of `list`, container key by container key (k-way, no intermediate bitmaps). */
export function orMany(list: readonly Containers[]): Containers {
  const r = new Containers();
  if (list.length === 0) return r;
  if (list.length === 1) return list[0]!.clone();
  const pos = new Int32Array(list.length);
  for (;;) {
    let key = 0x10000, count = 0, total = 0, bitsets = 0, only = 0;
    for (let t = 0; t < list.length; t++) {
      const c = list[t]!, p = pos[t]!;
      if (p >= c.n) continue;
      const k = c.key(p);
      if (k > key) continue;
      if (k < key) (key = k), (count = 0), (total = 0), (bitsets = 0);
      count++;
      total += c.card(p);
      if (c.isBitset(p)) bitsets++;
      only = t;
    }
    if (key === 0x10000) {
      r.shrinkPool();
      return r;
    }
    if (count === 1) pushCopy(r, list[only]!, pos[only]!);
    else if (bitsets === 0 && total <= SMALL_UNION) unionArrays(r, key, list, pos);
    else pushScratch(r, key, unionBits(key, list, pos, bitsets));
    for (let t = 0; t < list.length; t++) if (pos[t]! < list[t]!.n && list[t]!.key(pos[t]!) === key) pos[t]!++;
  }
}

/** Appends the union of the array containers with `key` at the cursors (at most SMALL_UNION values in all). */
function unionArrays(r: Containers, key: number, list: readonly Containers[], pos: Int32Array): void {
  let acc = unionA, other = unionB, n = 0;
  for (let t = 0; t < list.length; t++) {
    const c = list[t]!, p = pos[t]!;
    if (p >= c.n || c.key(p) !== key) continue;
    n = arr.union(acc, 0, n, c.pool, c.where(p), c.card(p), other, 0);
    [acc, other] = [other, acc];
  }
  const at = r.allocArray(n);
  copyValues(acc, 0, n, r.pool, at);
  pushArray(r, key, at, n);
}

/**
 * ORs the containers with `key` at the cursors into scratchBits; returns the union's cardinality.
 * Array values are counted as their bits are set; bitsets are ORed word by word and counted once.
 */
function unionBits(key: number, list: readonly Containers[], pos: Int32Array, bitsets: number): number {
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

/** Unions of at most this many values merge arrays; larger ones go through a bitset. */
const SMALL_UNION = 64;

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

// ---------------------------------------------------------------------------------------------
// In place. AND and AND NOT only shrink containers (emptied ones are dropped at the end); OR merges
// into matched containers first, then inserts the other side's missing containers in one pass.

export function andInPlace(a: Containers, b: Containers): void {
  if (a === b) return;
  for (let i = 0, j = 0; i < a.n; i++) {
    const k = j < b.n ? b.seek(a.key(i), j) : -b.n - 1;
    if (k < 0) {
      j = -k - 1;
      a.setCard(i, 0);
      continue;
    }
    j = k + 1;
    const ab = a.isBitset(i), bb = b.isBitset(k);
    if (ab && bb) {
      const card = bits.andInto(a.bitset(i), b.bitset(k), a.bitset(i));
      a.setCard(i, card);
      if (card <= ARRAY_MAX) a.demote(i);
    } else if (ab) {
      const at = a.allocArray(b.card(k));
      const n = bits.filterArrayByBitset(b.pool, b.where(k), b.card(k), a.bitset(i), 1, a.pool, at);
      a.trimTail(at, n);
      a.setArray(i, n === 0 ? 0 : at, n, n);
    } else if (bb) {
      a.setCard(i, bits.filterArrayByBitset(a.pool, a.where(i), a.card(i), b.bitset(k), 1, a.pool, a.where(i)));
    } else {
      a.setCard(i, arr.intersect(a.pool, a.where(i), a.card(i), b.pool, b.where(k), b.card(k), a.pool, a.where(i)));
    }
  }
  a.dropEmpty();
}

export function andNotInPlace(a: Containers, b: Containers): void {
  if (a === b) return a.reset();
  for (let i = 0, j = 0; i < a.n && j < b.n; i++) {
    const k = b.seek(a.key(i), j);
    if (k < 0) {
      j = -k - 1;
      continue;
    }
    j = k + 1;
    const ab = a.isBitset(i), bb = b.isBitset(k);
    if (ab) {
      const w = a.bitset(i);
      const card = bb ? bits.andNotInto(w, b.bitset(k), w) : a.card(i) - bits.clearBits(w, b.pool, b.where(k), b.card(k));
      a.setCard(i, card);
      if (card <= ARRAY_MAX) a.demote(i);
    } else if (bb) {
      a.setCard(i, bits.filterArrayByBitset(a.pool, a.where(i), a.card(i), b.bitset(k), 0, a.pool, a.where(i)));
    } else {
      a.setCard(i, arr.difference(a.pool, a.where(i), a.card(i), b.pool, b.where(k), b.card(k), a.pool, a.where(i)));
    }
  }
  a.dropEmpty();
}

export function orInPlace(a: Containers, b: Containers): void {
  if (a === b || b.n === 0) return;
  let missing = 0;
  for (let j = 0, i = 0; j < b.n; j++) {
    const k = a.seek(b.key(j), i);
    if (k < 0) {
      missing++;
      i = -k - 1;
      continue;
    }
    i = k + 1;
    if (b.isBitset(j)) orBitsetInto(a, k, b.bitset(j), b.card(j));
    else unionInto(a, k, b.pool, b.where(j), b.card(j));
  }
  if (missing > 0) insertMissing(a, b, missing);
  a.resize();
}

/** a[i] := a[i] OR the bitset w (holding `card` values). */
function orBitsetInto(a: Containers, i: number, w: Int32Array, card: number): void {
  if (a.isBitset(i)) {
    const own = a.bitset(i);
    a.setCard(i, bits.orInto(own, w, own));
    return;
  }
  const words = bits.copyBitset(w);
  a.setBitset(i, words, card + bits.setBits(words, a.pool, a.where(i), a.card(i)));
}

/** Inserts copies of b's containers whose keys a lacks (`missing` of them), keeping keys ascending. */
function insertMissing(a: Containers, b: Containers, missing: number): void {
  a.reserveMeta(a.n + missing);
  const m = a.meta;
  // Back merge of the key lists: a's entries move up, new entries (empty arrays) fill the gaps.
  let w = a.n + missing - 1, i = a.n - 1;
  const moveUp = () => {
    m.copyWithin(4 * w, 4 * i, 4 * i + 4);
    w--;
    i--;
  };
  for (let j = b.n - 1; j >= 0 && w > i; j--) {
    const key = b.key(j);
    while (i >= 0 && m[4 * i]! > key) moveUp();
    if (i >= 0 && m[4 * i] === key) {
      moveUp();
      continue;
    }
    m[4 * w] = key;
    m[4 * w + 1] = 0;
    m[4 * w + 2] = 0;
    m[4 * w + 3] = 0;
    w--;
  }
  a.n += missing;
  // Fill the new (cardinality 0) entries.
  for (let j = 0, k = 0; j < b.n; j++) {
    k = a.seek(b.key(j), k);
    if (a.card(k) !== 0) continue;
    const card = b.card(j);
    if (b.isBitset(j)) {
      a.setBitset(k, bits.copyBitset(b.bitset(j)), card);
    } else {
      const at = a.allocArray(card);
      copyValues(b.pool, b.where(j), card, a.pool, at);
      a.setArray(k, at, card, card);
    }
  }
}

/**
 * a[i] := a[i] OR src[sf, sf + sn) (sorted, unique; not a's pool). An array that would pass ARRAY_MAX
 * values becomes a bitset. Returns how many values were new.
 */
export function unionInto(a: Containers, i: number, src: Uint16Array, sf: number, sn: number): number {
  const card = a.card(i);
  if (a.isBitset(i)) {
    const added = bits.setBits(a.bitset(i), src, sf, sn);
    a.setCard(i, card + added);
    return added;
  }
  if (sn <= FEW && card + sn <= ARRAY_MAX) return insertFew(a, i, src, sf, sn);
  const size = card + sn - arr.intersectCount(a.pool, a.where(i), card, src, sf, sn);
  if (size === card) return 0;
  if (size > ARRAY_MAX) {
    const words = new Int32Array(BITSET_WORDS);
    bits.setBits(words, a.pool, a.where(i), card);
    bits.setBits(words, src, sf, sn);
    a.setBitset(i, words, size);
    return size - card;
  }
  a.reserveArray(i, size);
  arr.unionInPlace(a.pool, a.where(i), card, src, sf, sn);
  a.setCard(i, size);
  return size - card;
}

/** Values per container from which a union counts duplicates first instead of inserting one by one. */
const FEW = 4;

/** Inserts a few sorted values into array container i one by one (each a binary search and a shift). */
function insertFew(a: Containers, i: number, src: Uint16Array, sf: number, sn: number): number {
  let card = a.card(i);
  a.reserveArray(i, card + sn);
  const pool = a.pool, where = a.where(i);
  let lo = where, added = 0;
  for (let s = sf; s < sf + sn; s++) {
    const v = src[s]!, end = where + card;
    const p = arr.lowerBound(pool, lo, end, v);
    lo = p;
    if (p < end && pool[p] === v) continue;
    const n = end - p;
    if (n > 32) pool.copyWithin(p + 1, p, end);
    else for (let k = end; k > p; k--) pool[k] = pool[k - 1]!;
    pool[p] = v;
    card++;
    added++;
  }
  a.setCard(i, card);
  return added;
}

// ---------------------------------------------------------------------------------------------
// Bulk adds and removes of ascending u32 values (duplicates allowed).

/**
 * Copies the low halves of values[i...] that share values[i]'s key, deduplicated, into scratch16;
 * returns how many, and leaves the index of the next group in groupEnd.
 */
function group(values: Uint32Array, i: number, end: number): number {
  const key = values[i]! >>> 16;
  let m = 0, last = -1;
  for (; i < end; i++) {
    const v = values[i]!;
    if (v >>> 16 !== key) break;
    const low = v & 0xffff;
    if (low !== last) (scratch16[m++] = low), (last = low);
  }
  groupEnd = i;
  return m;
}
let groupEnd = 0;

export function addSorted(c: Containers, values: Uint32Array, begin: number, end: number): void {
  for (let i = begin, hint = 0; i < end; ) {
    const key = values[i]! >>> 16, m = group(values, i, end);
    i = groupEnd;
    let k = c.seek(key, hint);
    if (k < 0) {
      k = -k - 1;
      c.insertAt(k, key);
      fillNew(c, k, m);
    } else {
      c.size += unionInto(c, k, scratch16, 0, m);
    }
    hint = k + 1;
  }
}

/** Fills the new, empty container k with scratch16[0, m). */
function fillNew(c: Containers, k: number, m: number): void {
  if (m > ARRAY_MAX) {
    const words = new Int32Array(BITSET_WORDS);
    bits.setBits(words, scratch16, 0, m);
    c.setBitset(k, words, m);
  } else {
    const at = c.allocArray(m);
    copyValues(scratch16, 0, m, c.pool, at);
    c.setArray(k, at, m, m);
  }
  c.size += m;
}

export function removeSorted(c: Containers, values: Uint32Array, begin: number, end: number): void {
  let emptied = false;
  for (let i = begin, hint = 0; i < end && hint < c.n; ) {
    const key = values[i]! >>> 16, m = group(values, i, end);
    i = groupEnd;
    const k = c.seek(key, hint);
    if (k < 0) {
      hint = -k - 1;
      continue;
    }
    hint = k + 1;
    const card = c.card(k);
    const left = c.isBitset(k)
      ? card - bits.clearBits(c.bitset(k), scratch16, 0, m)
      : arr.differenceInPlace(c.pool, c.where(k), card, scratch16, 0, m);
    c.setCard(k, left);
    c.size -= card - left;
    if (c.isBitset(k) && left <= ARRAY_MAX) c.demote(k);
    if (left === 0) emptied = true;
  }
  if (emptied) c.dropEmpty();
}

// ---------------------------------------------------------------------------------------------
// Single values and reads

export function has(c: Containers, id: number): boolean {
  const k = c.seek(id >>> 16);
  if (k < 0) return false;
  const low = id & 0xffff;
  return c.isBitset(k) ? bits.hasBit(c.bitset(k), low) : arr.contains(c.pool, c.where(k), c.card(k), low);
}

/** Adds one id: the path of most adds at ingest (one user per (atom, day) per batch), kept short. */
export function addOne(c: Containers, id: number): void {
  const key = id >>> 16, low = id & 0xffff;
  let k = c.seek(key);
  if (k < 0) {
    k = -k - 1;
    c.insertAt(k, key);
    scratch16[0] = low;
    fillNew(c, k, 1);
    return;
  }
  const card = c.card(k);
  if (c.isBitset(k)) {
    const w = c.bitset(k), old = w[low >>> 5]!, now = old | (1 << (low & 31));
    if (now === old) return;
    w[low >>> 5] = now;
    c.setCard(k, card + 1);
    c.size++;
    return;
  }
  let where = c.where(k);
  const p = arr.lowerBound(c.pool, where, where + card, low);
  if (p < where + card && c.pool[p] === low) return;
  if (card === ARRAY_MAX) {
    scratch16[0] = low;
    c.size += unionInto(c, k, scratch16, 0, 1);
    return;
  }
  const at = p - where;
  c.reserveArray(k, card + 1); // may move the container: re-read where
  where = c.where(k);
  const pool = c.pool, end = where + card, q = where + at;
  if (card - at > 32) pool.copyWithin(q + 1, q, end);
  else for (let i = end; i > q; i--) pool[i] = pool[i - 1]!;
  pool[q] = low;
  c.setCard(k, card + 1);
  c.size++;
}

/** The largest value, or -1 when empty. */
export function max(c: Containers): number {
  if (c.n === 0) return -1;
  const i = c.n - 1, low = c.isBitset(i) ? bits.bitsetMax(c.bitset(i)) : c.pool[c.where(i) + c.card(i) - 1]!;
  return c.key(i) * 65_536 + low;
}

export function equals(a: Containers, b: Containers): boolean {
  if (a.n !== b.n || a.size !== b.size) return false;
  for (let i = 0; i < a.n; i++) {
    if (a.key(i) !== b.key(i) || a.card(i) !== b.card(i)) return false;
    const same = a.isBitset(i) ? bits.bitsetsEqual(a.bitset(i), b.bitset(i)) : arr.rangesEqual(a.pool, a.where(i), b.pool, b.where(i), a.card(i));
    if (!same) return false;
  }
  return true;
}

/** Values >= from: how many, up to `limit`. */
function countFrom(c: Containers, from: number, limit: number): number {
  if (from <= 0) return Math.min(limit, c.size);
  let k = c.seek(from >>> 16), n = 0;
  if (k >= 0) {
    const low = from & 0xffff, card = c.card(k);
    n = c.isBitset(k) ? card - bitsBelow(c.bitset(k), low) : card - (arr.lowerBound(c.pool, c.where(k), c.where(k) + card, low) - c.where(k));
    k++;
  } else {
    k = -k - 1;
  }
  for (; k < c.n && n < limit; k++) n += c.card(k);
  return Math.min(limit, n);
}

function bitsBelow(w: Int32Array, low: number): number {
  let n = 0;
  for (let i = 0; i < low >>> 5; i++) n += bits.bitCount32(w[i]!);
  if ((low & 31) !== 0) n += bits.bitCount32(w[low >>> 5]! & ((1 << (low & 31)) - 1));
  return n;
}

/** The smallest `limit` values >= from, ascending. */
export function values(c: Containers, limit: number, from: number): Uint32Array {
  if (from > 0xffff_ffff) return new Uint32Array(0);
  from = Math.max(0, from);
  const out = new Uint32Array(countFrom(c, from, limit));
  const first = from >>> 16, found = c.seek(first);
  let at = 0;
  for (let k = found < 0 ? -found - 1 : found; k < c.n && at < out.length; k++) {
    const key = c.key(k), high = key * 65_536, low = key === first ? from & 0xffff : 0;
    if (c.isBitset(k)) {
      at += bits.bitsetValues(c.bitset(k), high, low, out.length - at, out, at);
      continue;
    }
    const where = c.where(k), end = where + c.card(k);
    for (let p = low === 0 ? where : arr.lowerBound(c.pool, where, end, low); p < end && at < out.length; p++) out[at++] = high + c.pool[p]!;
  }
  return out;
}
