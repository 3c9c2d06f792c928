// Set algebra between Roaring bitmaps' containers (roaring-containers.ts) that builds results: AND,
// OR, AND NOT and a k-way OR into new bitmaps, and AND / OR / AND NOT in place. Containers are paired
// by key as in roaring-count.ts, with the same kernels writing instead of counting.
//
// Results respect the container invariant (bitset iff more than ARRAY_MAX = 2048 values): a bitset
// result that falls to ARRAY_MAX or fewer becomes an array, an array that grows past it a bitset. New
// bitmaps are built container by container in key order, their pool trimmed at the end; in
// place, AND and AND NOT only shrink containers (emptied ones are dropped at the end), and OR merges
// into matched containers first, then inserts the other side's missing ones in one pass.

import * as arr from "./roaring-array.ts";
import * as bits from "./roaring-bitset.ts";
import { ARRAY_MAX, Containers } from "./roaring-containers.ts";
import { unionBits } from "./roaring-count.ts";
import { copyValues, scratchBits, unionA, unionB } from "./roaring-scratch.ts";
import { unionInto } from "./roaring-values.ts";

const { BITSET_WORDS } = bits;
/** Unions of at most this many values merge arrays; larger ones go through a bitset. */
const SMALL_UNION = 64;

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
    r.setBitset(r.push(key), bits.copyBitset(scratchBits), card);
    r.size += card;
  } else if (card > 0) {
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
