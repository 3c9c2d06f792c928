// The storage of one Roaring bitmap: its containers, in typed arrays with as few objects as we can.
//
// An id's high 16 bits are its container's key, its low 16 bits the value within the container.
// Container i is described by four int32 in `meta`:
//
//   meta[4i]     key                 ascending, unique
//   meta[4i + 1] cardinality         1..65536 between operations (0 only while an operation runs)
//   meta[4i + 2] where               array: offset of its values in `pool`; bitset: slot in `sets`
//   meta[4i + 3] capacity            array: slots reserved in `pool` (>= cardinality); bitset: -1
//
// Invariant between operations: a container is a bitset (Int32Array(2048) in `sets`) iff its
// cardinality exceeds ARRAY_MAX = 2048, else an array (sorted unique Uint16 values). Roaring's rule
// is 4096, where both kinds take 8 KiB; we switch at 2048, trading up to 4 KiB more for a container
// of 2049-4096 values (~9 MB at 10M users) for faster set algebra (see ARRAY_MAX). The portable format
// keeps the 4096 rule: roaring-format.ts converts. Array containers of one bitmap share one
// Uint16Array `pool`, each in its own segment with room to grow: at 10M users the audience index holds
// ~2.6M containers, 1.1M of them with a single value, and one typed array per container would cost
// more in object headers and GC work than in values. So a bitmap is 3-4 objects whatever its size.
//
// Pool segments: a container that outgrows its segment moves to the end of the pool (its old segment
// becomes free space); when the pool is full, or half of it is free, the live segments are copied, in
// key order, into a new pool with 25% headroom (100% for small pools). Offsets into the pool are therefore valid only until
// the next call that may allocate (allocArray, reserveArray, promote/demote): re-read `where`.

import { BITSET_WORDS, bitsetToArray, copyBitset, popcount, setBits } from "./roaring-bitset.ts";

/**
 * Most values an array container holds in memory: half the format's 4096 (roaring-format.ts). From
 * 2048 values on, a bitset is at most twice the bytes of an array, and an intersection probes its bits
 * in one step instead of reading 2048-4096 values (3.5 us -> 0.8 us per container pair at 10M users).
 */
export const ARRAY_MAX = 2048;
/**
 * Room a repacked pool gets past what it must hold, so it does not repack at every insert: 25%, or as
 * much again as it holds for pools under this many slots (small pools repack cheaply but often).
 */
const POOL_HEADROOM_SMALL = 1024;
const NO_META = new Int32Array(0);
const NO_POOL = new Uint16Array(0);

export class Containers {
  meta: Int32Array = NO_META;
  /** Containers in use (meta[0, 4n)). */
  n = 0;
  /** Ids in the bitmap (sum of cardinalities). */
  size = 0;
  pool: Uint16Array = NO_POOL;
  /** pool[poolEnd...] is unused; pool[0, poolEnd) holds segments and `poolFree` slots of free space. */
  poolEnd = 0;
  poolFree = 0;
  /** Bitset containers by slot; null slots are free. Null until the first bitset. */
  sets: (Int32Array | null)[] | null = null;

  key(i: number): number {
    return this.meta[4 * i]!;
  }

  card(i: number): number {
    return this.meta[4 * i + 1]!;
  }

  where(i: number): number {
    return this.meta[4 * i + 2]!;
  }

  isBitset(i: number): boolean {
    return this.meta[4 * i + 3]! < 0;
  }

  bitset(i: number): Int32Array {
    return this.sets![this.meta[4 * i + 2]!]!;
  }

  /**
   * Index of the container with `key` at or after `from`, or -(insertion point) - 1. Tries `from`
   * and index `key` first (ids from 0 up fill keys 0, 1, 2, ...: container i then has key i), then
   * gallops.
   */
  seek(key: number, from = 0): number {
    const m = this.meta, n = this.n;
    if (key >= from && key < n && m[4 * key] === key) return key;
    let lo = from, step = 1;
    if (lo >= n || m[4 * lo]! >= key) return lo < n && m[4 * lo] === key ? lo : -lo - 1;
    while (lo + step < n && m[4 * (lo + step)]! < key) (lo += step), (step <<= 1);
    let hi = Math.min(n, lo + step + 1);
    lo++;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (m[4 * mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < n && m[4 * lo] === key ? lo : -lo - 1;
  }

  reserveMeta(containers: number): void {
    if (this.meta.length >= 4 * containers) return;
    const grown = new Int32Array(4 * Math.max(containers, 4, this.n + (this.n >> 1)));
    grown.set(this.meta.subarray(0, 4 * this.n));
    this.meta = grown;
  }

  /** Inserts an empty array container with `key` at index i (keys must stay ascending). */
  insertAt(i: number, key: number): void {
    this.reserveMeta(this.n + 1);
    const m = this.meta;
    if (i < this.n) m.copyWithin(4 * i + 4, 4 * i, 4 * this.n);
    m[4 * i] = key;
    m[4 * i + 1] = 0;
    m[4 * i + 2] = 0;
    m[4 * i + 3] = 0;
    this.n++;
  }

  /** Appends an empty array container (key above every other). */
  push(key: number): number {
    this.insertAt(this.n, key);
    return this.n - 1;
  }

  /**
   * Reserves `slots` at the end of the pool and returns their offset; the caller assigns them to a
   * container (setArray) or gives them back (trimTail). May move every segment (see the header).
   */
  allocArray(slots: number): number {
    if (this.poolEnd + slots > this.pool.length) this.repack(slots);
    const at = this.poolEnd;
    this.poolEnd += slots;
    return at;
  }

  /** Gives back the unused tail of the last allocArray: pool[at + used, at + reserved). */
  trimTail(at: number, used: number): void {
    if (this.poolEnd > at + used) this.poolEnd = at + used;
  }

  /** Makes container i an array in pool[at, at + cap) holding `card` values, freeing what it held. */
  setArray(i: number, at: number, cap: number, card: number): void {
    const m = this.meta, oldWhere = m[4 * i + 2]!, oldCap = m[4 * i + 3]!;
    m[4 * i + 1] = card;
    m[4 * i + 2] = at;
    m[4 * i + 3] = cap;
    this.free(oldWhere, oldCap); // after the update: freeing may repack, which must see the new segment
  }

  /** Makes container i the bitset `words` holding `card` values, freeing what it held. */
  setBitset(i: number, words: Int32Array, card: number): void {
    const m = this.meta, oldWhere = m[4 * i + 2]!, oldCap = m[4 * i + 3]!;
    m[4 * i + 1] = card;
    m[4 * i + 2] = this.slotFor(words, oldCap < 0 ? oldWhere : -1);
    m[4 * i + 3] = -1;
    if (oldCap >= 0) this.free(oldWhere, oldCap);
  }

  setCard(i: number, card: number): void {
    this.meta[4 * i + 1] = card;
  }

  /** Makes room in array container i for `need` values (<= ARRAY_MAX), moving it when it must. */
  reserveArray(i: number, need: number): void {
    const m = this.meta, cap = m[4 * i + 3]!;
    if (need <= cap) return;
    const where = m[4 * i + 2]!, card = m[4 * i + 1]!;
    const grown = Math.min(ARRAY_MAX, Math.max(need, cap < 64 ? 2 * cap : cap + (cap >> 2)));
    if (where + cap === this.poolEnd && where + grown <= this.pool.length) {
      // The last segment grows in place.
      this.poolEnd = where + grown;
      m[4 * i + 3] = grown;
      return;
    }
    const at = this.allocArray(grown); // may repack: re-read where
    copy16(this.pool, m[4 * i + 2]!, card, at);
    this.setArray(i, at, grown, card);
  }

  /** Turns array container i into a bitset (its cardinality unchanged). */
  promote(i: number): void {
    const words = new Int32Array(BITSET_WORDS);
    setBits(words, this.pool, this.where(i), this.card(i));
    this.setBitset(i, words, this.card(i));
  }

  /** Turns bitset container i, whose cardinality is now <= ARRAY_MAX, into an array (or empties it). */
  demote(i: number): void {
    const card = this.card(i);
    if (card === 0) return this.setArray(i, 0, 0, 0);
    const words = this.bitset(i);
    const at = this.allocArray(card);
    bitsetToArray(words, this.pool, at);
    this.setArray(i, at, card, card);
  }

  /** Frees container i's storage (it keeps its key; cardinality 0 until set again). */
  release(i: number): void {
    this.setArray(i, 0, 0, 0);
  }

  /** Removes containers left empty by an operation and recomputes `size`. */
  dropEmpty(): void {
    const m = this.meta;
    // Free first, compact after: freeing may repack, which walks meta and must see it whole.
    for (let i = 0; i < this.n; i++) if (m[4 * i + 1] === 0 && m[4 * i + 3] !== 0) this.release(i);
    let w = 0, size = 0;
    for (let i = 0; i < this.n; i++) {
      const card = m[4 * i + 1]!;
      if (card === 0) continue;
      size += card;
      if (w !== i) m.copyWithin(4 * w, 4 * i, 4 * i + 4);
      w++;
    }
    this.n = w;
    this.size = size;
    if (w === 0) this.reset();
  }

  /** Removes every container. */
  reset(): void {
    this.meta = NO_META;
    this.n = 0;
    this.size = 0;
    this.pool = NO_POOL;
    this.poolEnd = 0;
    this.poolFree = 0;
    this.sets = null;
  }

  /** Recomputes `size` from the cardinalities. */
  resize(): void {
    let size = 0;
    for (let i = 0; i < this.n; i++) size += this.meta[4 * i + 1]!;
    this.size = size;
  }

  /** A deep copy with a tight pool. */
  clone(): Containers {
    const c = new Containers();
    if (this.n === 0) return c;
    c.meta = this.meta.slice(0, 4 * this.n);
    c.n = this.n;
    c.size = this.size;
    let slots = 0, sets = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.isBitset(i)) sets++;
      else slots += this.card(i);
    }
    c.pool = slots === 0 ? NO_POOL : new Uint16Array(slots);
    if (sets > 0) c.sets = [];
    const m = c.meta;
    let at = 0;
    for (let i = 0; i < this.n; i++) {
      if (m[4 * i + 3]! < 0) {
        m[4 * i + 2] = c.sets!.length;
        c.sets!.push(copyBitset(this.bitset(i)));
        continue;
      }
      const card = m[4 * i + 1]!;
      c.pool.set(this.pool.subarray(m[4 * i + 2]!, m[4 * i + 2]! + card), at);
      m[4 * i + 2] = at;
      m[4 * i + 3] = card;
      at += card;
    }
    c.poolEnd = at;
    return c;
  }

  /** Bytes of the typed arrays held, capacity included. */
  get byteSize(): number {
    let bitsets = 0;
    if (this.sets !== null) for (const s of this.sets) if (s !== null) bitsets++;
    return this.meta.byteLength + this.pool.byteLength + bitsets * 4 * BITSET_WORDS;
  }

  /** Cardinality of bitset container i counted from its bits (validation and tests). */
  countBits(i: number): number {
    return popcount(this.bitset(i));
  }

  /** A slot for `words`: `reuse` when given (>= 0), else a free one. */
  private slotFor(words: Int32Array, reuse: number): number {
    if (this.sets === null) this.sets = [];
    const sets = this.sets;
    const slot = reuse >= 0 ? reuse : sets.indexOf(null);
    if (slot >= 0) {
      sets[slot] = words;
      return slot;
    }
    sets.push(words);
    return sets.length - 1;
  }

  /** Frees what a container held: bitset slot `where` (cap < 0) or pool[where, where + cap). */
  private free(where: number, cap: number): void {
    if (cap < 0) {
      this.sets![where] = null;
      return;
    }
    if (cap === 0) return;
    if (where + cap === this.poolEnd) {
      this.poolEnd = where;
      return;
    }
    this.poolFree += cap;
    if (this.poolFree >= 4096 && 2 * this.poolFree > this.poolEnd) this.repack(0);
  }

  /**
   * Moves the pool into a new one with room for `extra` more slots and headroom: one bulk copy
   * when it has no free space inside, else the live segments copied in key order (compaction).
   */
  private repack(extra: number): void {
    const live = this.poolEnd - this.poolFree;
    const need = live + extra;
    const pool = new Uint16Array(Math.max(8, need + Math.max(need >> 2, Math.min(need, POOL_HEADROOM_SMALL))));
    if (this.poolFree === 0) {
      pool.set(this.pool.subarray(0, this.poolEnd));
      this.pool = pool;
      return;
    }
    const m = this.meta;
    let at = 0;
    for (let i = 0; i < this.n; i++) {
      const cap = m[4 * i + 3]!;
      if (cap <= 0) continue;
      copy16From(this.pool, m[4 * i + 2]!, m[4 * i + 1]!, pool, at);
      m[4 * i + 2] = at;
      at += cap;
    }
    this.pool = pool;
    this.poolEnd = at;
    this.poolFree = 0;
  }

  /** Drops the pool's headroom past its last segment when it is large (a freshly built result). */
  shrinkPool(): void {
    if (this.pool.length > this.poolEnd + (this.poolEnd >> 2) + 64) this.pool = this.pool.slice(0, this.poolEnd);
  }

  /**
   * Gives back spare room: the pool shrinks to its live segments, each to its cardinality, and meta
   * to n containers. For bitmaps that are kept and will not grow much (results, finished days).
   */
  trim(): void {
    const m = this.meta;
    let live = 0;
    for (let i = 0; i < this.n; i++) if (m[4 * i + 3]! >= 0) live += m[4 * i + 1]!;
    if (this.pool.length !== live) {
      const pool = live === 0 ? NO_POOL : new Uint16Array(live);
      let at = 0;
      for (let i = 0; i < this.n; i++) {
        if (m[4 * i + 3]! < 0) continue;
        const card = m[4 * i + 1]!;
        copy16From(this.pool, m[4 * i + 2]!, card, pool, at);
        m[4 * i + 2] = at;
        m[4 * i + 3] = card;
        at += card;
      }
      this.pool = pool;
      this.poolEnd = at;
      this.poolFree = 0;
    }
    if (this.meta.length > 4 * this.n) this.meta = this.n === 0 ? NO_META : this.meta.slice(0, 4 * this.n);
  }
}

/** pool[to, to + n) := pool[from, from + n) (non-overlapping or moving down). */
function copy16(pool: Uint16Array, from: number, n: number, to: number): void {
  if (n > 32) pool.copyWithin(to, from, from + n);
  else for (let k = 0; k < n; k++) pool[to + k] = pool[from + k]!;
}

function copy16From(src: Uint16Array, from: number, n: number, dst: Uint16Array, to: number): void {
  if (n > 256) dst.set(src.subarray(from, from + n), to); // subarray allocates: only when it pays
  else for (let k = 0; k < n; k++) dst[to + k] = src[from + k]!;
}
