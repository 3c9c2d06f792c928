// Ids in and out of a Roaring bitmap's containers (roaring-containers.ts): single and bulk adds and
// removes, membership, the largest id, equality, and listing ids in order.
//
// Bulk adds and removes take ascending u32 values (duplicates allowed), split them into groups by
// container key (low halves copied to a scratch buffer), and merge each group into its container: a
// few values are inserted one by one (binary search, one copyWithin of the tail); more are merged
// from the back in one pass (roaring-array.ts unionInPlace). An array container that would pass
// ARRAY_MAX values becomes a bitset; a bitset that falls to ARRAY_MAX or fewer, an array.

import * as arr from "./roaring-array.ts";
import * as bits from "./roaring-bitset.ts";
import { ARRAY_MAX, type Containers } from "./roaring-containers.ts";
import { copyValues, scratch16 } from "./roaring-scratch.ts";

const { BITSET_WORDS } = bits;
/** Values per container from which a union counts duplicates first instead of inserting one by one. */
const FEW = 4;

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

/** Inserts a few sorted values into array container i one by one (each a search and a shift). */
function insertFew(a: Containers, i: number, src: Uint16Array, sf: number, sn: number): number {
  let card = a.card(i);
  a.reserveArray(i, card + sn);
  const pool = a.pool, where = a.where(i);
  let added = 0;
  for (let s = sf; s < sf + sn; s++) {
    const v = src[s]!, end = where + card;
    const p = arr.guessBound(pool, where, end, v);
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
  const p = arr.guessBound(c.pool, where, where + card, low);
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
