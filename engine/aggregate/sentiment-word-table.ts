// Word lookups without strings: the lexicon compiled into an open-addressing table over UTF-16 code
// units, probed with a key the caller has copied (case-folded) into a reusable scratch buffer. A post's
// words are then looked up without slicing a JS string per word: a Map.get on a fresh slice costs
// about 70-90 ns (the string is hashed on first use), a probe here about a tenth of that.
//
//   heap    u16, every key's code units back to back: key e = heap[start[e] .. start[e] + length[e])
//   slots   i32, power-of-two size, linear probing, -1 = empty, else an entry; load <= 0.5
//   per entry: hash, valence (NaN = none), flags (WORD_* below), boost factor
//
// TermIntern keeps one string per distinct term in a direct-mapped cache keyed by the same hash, so
// a post's terms reach the heavy-hitters sketch as strings whose hash JS has already computed, and a
// repeated word allocates nothing.

import { assert } from "../core/assert.ts";

/** A negator (not, 不). */
export const WORD_NEGATOR = 1;
/** A contrast word (but, 但是). */
export const WORD_CONTRAST = 2;
/** An intensifier or diminisher (very, 有点): see `boost`. */
export const WORD_BOOST = 4;
/** Left out of trending terms. */
export const WORD_STOP = 8;
/** A proper prefix of a longer entry (English: words joined by a space; Chinese: characters). */
export const WORD_PREFIX = 16;
/** After this word, "like" compares rather than likes. */
export const WORD_SIMILE = 32;
/** Not a lexicon key: a Chinese token remembered with its derived valence (sentiment-score.ts fusedScore). */
export const WORD_MEMO = 64;

const EMPTY = -1;

/** FNV-1a over code units (HASH_SEED, hashStep per unit, hashFinish), mixed so the low bits used for slots are spread. */
export const HASH_SEED = 0x811c9dc5;
export function hashStep(h: number, unit: number): number {
  return Math.imul(h ^ unit, 0x01000193);
}
export function hashFinish(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

export function hashUnits(units: Uint16Array, offset: number, length: number): number {
  let h = HASH_SEED;
  for (let i = offset, end = offset + length; i < end; i++) h = hashStep(h, units[i]!);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

export class WordTable {
  count = 0;
  valence = new Float64Array(1024);
  flags = new Uint8Array(1024);
  boost = new Float64Array(1024);
  private hashes = new Uint32Array(1024);
  private starts = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private heap = new Uint16Array(16384);
  private heapUsed = 0;
  private slots = new Int32Array(2048).fill(EMPTY);
  private readonly keyBuf = new Uint16Array(256);

  /** The entry of `key` (already folded), created without valence or flags when absent. */
  entry(key: string): number {
    assert(key.length <= this.keyBuf.length, `lexicon key longer than ${this.keyBuf.length}`);
    for (let i = 0; i < key.length; i++) this.keyBuf[i] = key.charCodeAt(i);
    const h = hashUnits(this.keyBuf, 0, key.length);
    const found = this.find(this.keyBuf, 0, key.length, h);
    return found >= 0 ? found : this.insert(this.keyBuf, 0, key.length, h);
  }

  /** Adds units[offset .. offset + length) (hash h), which must be absent; returns its entry. */
  add(units: Uint16Array, offset: number, length: number, h: number): number {
    return this.insert(units, offset, length, h);
  }

  /** The entry whose key is units[offset .. offset + length) with hash h, or -1. */
  find(units: Uint16Array, offset: number, length: number, h: number): number {
    const slots = this.slots, mask = slots.length - 1, heap = this.heap;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[s]!;
      if (e === EMPTY) return -1;
      if (this.hashes[e] !== h || this.lengths[e] !== length) continue;
      const at = this.starts[e]!;
      let k = 0;
      while (k < length && heap[at + k] === units[offset + k]) k++;
      if (k === length) return e;
    }
  }

  private insert(units: Uint16Array, offset: number, length: number, h: number): number {
    const e = this.count++;
    if (e === this.hashes.length) this.growEntries();
    if (this.heapUsed + length > this.heap.length) {
      const heap = new Uint16Array(Math.max(this.heap.length * 2, this.heapUsed + length));
      heap.set(this.heap);
      this.heap = heap;
    }
    for (let i = 0; i < length; i++) this.heap[this.heapUsed + i] = units[offset + i]!;
    this.starts[e] = this.heapUsed;
    this.lengths[e] = length;
    this.heapUsed += length;
    this.hashes[e] = h;
    this.valence[e] = NaN;
    this.flags[e] = 0;
    this.boost[e] = 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.place(e);
    return e;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes[e]! & mask;
    while (this.slots[s] !== EMPTY) s = (s + 1) & mask;
    this.slots[s] = e;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    for (let e = 0; e < this.count; e++) this.place(e);
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    const grow = <T extends Float64Array | Uint8Array | Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => { const b = make(n); b.set(a as never); return b; };
    this.valence = grow(this.valence, (k) => new Float64Array(k));
    this.flags = grow(this.flags, (k) => new Uint8Array(k));
    this.boost = grow(this.boost, (k) => new Float64Array(k));
    this.hashes = grow(this.hashes, (k) => new Uint32Array(k));
    this.starts = grow(this.starts, (k) => new Int32Array(k));
    this.lengths = grow(this.lengths, (k) => new Int32Array(k));
  }
}

const INTERN_SLOTS = 1 << 14;

export class TermIntern {
  private readonly strings: string[] = new Array<string>(INTERN_SLOTS).fill("");
  private readonly hashes = new Uint32Array(INTERN_SLOTS);

  /** The string of units[0 .. length) (hash h): the cached instance when it holds those units, else a new one, cached. */
  intern(units: Uint16Array, length: number, h: number): string {
    const slot = h & (INTERN_SLOTS - 1), s = this.strings[slot]!;
    if (this.hashes[slot] === h && s.length === length) {
      let k = 0;
      while (k < length && s.charCodeAt(k) === units[k]) k++;
      if (k === length) return s;
    }
    const made = String.fromCharCode.apply(null, units.subarray(0, length) as unknown as number[]);
    this.strings[slot] = made;
    this.hashes[slot] = h;
    return made;
  }
}
