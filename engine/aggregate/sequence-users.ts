// The subjects (users, or whatever `by` names) one funnel or journey holds state for: dense slots
// with their history arrays (sequence-history.ts), found from a row's dictionary code, ordered by
// their newest event time, bounded by a cap.
//
// - Identity: a row's subject is the first `by` column with a value; its key is code * byCount +
//   column index. Codes are global and die with the process, so each slot also keeps the column
//   index and the value as a string; restored slots (decode) are found by that string until a row
//   binds their code again.
// - Expiry (TTL): a min-heap by (newest ts, column, value) (subject-heap.ts). expire(horizon) frees
//   every subject whose newest event is older than the horizon; the owner chooses the horizon so that
//   no future event can form a chain (or decide a pattern) with such a subject's events, so freeing
//   it changes no result.
// - Cap: admitting a subject when maxUsers are live evicts the one whose newest event is oldest (ties
//   by key: deterministic) and counts it. That is one of the two places results may go inexact.
// - Histories drop their expired prefix (no future chain can use it) lazily: when it is a quarter of
//   the history, or when the history is over its cap. Over the cap with no expired prefix left, the
//   oldest eighth of the cap goes (counted by the owner): the other place results may go inexact.
//
// Slot arrays grow by doubling up to maxUsers and never shrink; freed slots are reused (LIFO).
// History arrays come in classes of 4, 8, 16... entries, the last class cut to maxEntries.

import type { Vector } from "../column/vector.ts";
import { assert } from "../core/assert.ts";
import { CodeSlotMap } from "./code-slot-map.ts";
import type { FeedBatch } from "./row-feed.ts";
import { countBefore, dropFirst, insertEntry, insertionPoint, type HistoryShape } from "./sequence-history.ts";
import { SubjectHeap } from "./subject-heap.ts";

/** Counters every funnel and journey reports. */
export interface SequenceMetrics {
  readonly kind: "funnel" | "journey";
  readonly name: string;
  /** Subjects with state now, the events their histories retain, and the bytes all of it takes. */
  readonly stateUsers: number;
  readonly stateEvents: number;
  readonly stateBytes: number;
  /** Subjects freed because no future event could matter to them (TTL): exact. */
  readonly expiredUsers: number;
  /** Subjects evicted at max_users while still live: results may miss their chains. */
  readonly evictedUsers: number;
  /** Events dropped from a history at max_events_per_user: results may miss chains through them. */
  readonly droppedEvents: number;
  /** Matching events older than the watermark minus allowed_lateness_ms when they arrived: ignored. */
  readonly lateEvents: number;
  /** Matching events with no value in any `by` column: ignored. */
  readonly unkeyedEvents: number;
}

export interface UsersOptions {
  readonly by: readonly string[];
  readonly maxUsers: number;
  /** Entry stride of the histories (sequence-history.ts). */
  readonly stride: number;
  /**
   * Entries a history holds at most between an insert and the cap check that follows it (the
   * owner's events-per-user cap + 1): no history array is allocated larger, so a subject at the
   * cap does not sit in the next power of two (256 + 1 entries took 512).
   */
  readonly maxEntries: number;
  /** f64 values per slot the owner keeps in `extra`, set to extraInit on admission. */
  readonly extraPerSlot: number;
  readonly extraInit: number;
  /** Called before a slot is freed: evicted at the cap (true) or expired (false). */
  readonly onFree: (slot: number, evicted: boolean) => void;
}

const INITIAL_SLOTS = 64;
const NO_DROP = Object.freeze({ from: 0, to: 0 });
/** Histories hold 4, 8, 16, ... entries. */
const MIN_ENTRIES = 4;
/** Freed history arrays kept for reuse: at most an eighth of the live histories' bytes, or this. */
const POOL_BYTES_MIN = 64 * 1024;

export class SequenceUsers {
  readonly by: readonly string[];
  private readonly o: UsersOptions;
  private readonly map = new CodeSlotMap();
  private readonly restored = new Map<string, number>();
  private cap = 0;
  keyCode = new Int32Array(0);
  which = new Uint8Array(0);
  value: string[] = [];
  newest = new Float64Array(0);
  /** Entries held in each slot's history. */
  count = new Int32Array(0);
  /** Bumped when a slot is freed, so timers can tell a reused slot from the subject they were set for. */
  gen = new Int32Array(0);
  extra = new Float64Array(0);
  hist: (Float64Array | null)[] = [];
  private readonly heap = new SubjectHeap((a, b) => this.keyLess(a, b));
  private free = new Int32Array(0);
  private freeCount = 0;
  private histBytes = 0;
  /** Freed history arrays by size class (MIN_ENTRIES << class entries). */
  private readonly pool: Float64Array[][] = [];
  private poolBytes = 0;
  private byVectors: (Vector | null)[] = [];
  expiredUsers = 0;
  evictedUsers = 0;

  constructor(options: UsersOptions) {
    assert(options.by.length >= 1 && options.by.length <= 2, "one or two by columns");
    this.o = options;
    this.by = options.by;
    this.grow(Math.min(INITIAL_SLOTS, options.maxUsers));
  }

  /** Live subjects. */
  get live(): number {
    return this.heap.size;
  }

  get byteSize(): number {
    let strings = 0;
    for (const slot of this.heap.slots()) strings += 40 + 2 * this.value[slot]!.length;
    return this.histBytes + this.poolBytes + strings + this.map.byteSize + this.heap.byteSize + this.cap * (4 + 1 + 8 + 4 + 4 + 8 * this.o.extraPerSlot + 4 + 8);
  }

  /** Binds the batch's `by` columns; call before slotAt on its rows. */
  bind(batch: FeedBatch): void {
    this.byVectors = this.by.map((c) => {
      const v = batch.column(c);
      return v !== null && v.codes !== null && v.dict !== null ? v : null;
    });
  }

  /** The subject of row r (admitting it if new, at event time ts), or -1 when no `by` column has a value. */
  slotAt(r: number, ts: number): number {
    for (let b = 0; b < this.byVectors.length; b++) {
      const v = this.byVectors[b];
      if (!v || (v.validity !== null && ((v.validity[r >>> 3]! >>> (r & 7)) & 1) === 0)) continue;
      const code = v.codes![r]!;
      const key = code * this.by.length + b;
      const slot = this.map.get(key);
      return slot >= 0 ? slot : this.admit(key, b, v.dict!.get(code), ts);
    }
    return -1;
  }

  /** Frees every subject whose newest event is older than `horizon`. */
  expire(horizon: number): void {
    const heap = this.heap;
    while (heap.size > 0 && heap.topKey < horizon) {
      const top = heap.top;
      if (this.newest[top]! < horizon) {
        this.expiredUsers++;
        this.release(top, false);
      } else heap.refreshTop(this.newest[top]!);
    }
  }

  /** Records an event at ts for the slot (the heap learns of it lazily). */
  touch(slot: number, ts: number): void {
    if (ts > this.newest[slot]!) this.newest[slot] = ts;
  }

  /** The slot's history with room for at least `entries` entries (contents kept). */
  reserve(slot: number, entries: number): Float64Array {
    const h = this.hist[slot];
    if (h && h.length >= entries * this.o.stride) return h;
    let cls = 0;
    while (MIN_ENTRIES << cls < entries) cls++;
    // overCap keeps counts within maxEntries and decode rejects longer histories.
    assert(entries <= this.o.maxEntries, `a history of ${entries} entries, over ${this.o.maxEntries}`);
    const next = this.fromPool(cls);
    if (h) {
      // A loop, not set(subarray()): most histories are short, and a view is an allocation.
      const n = this.count[slot]! * this.o.stride;
      for (let i = 0; i < n; i++) next[i] = h[i]!;
      this.recycle(h);
    }
    this.histBytes += next.byteLength;
    this.hist[slot] = next;
    return next;
  }

  private fromPool(cls: number): Float64Array {
    const free = this.pool[cls];
    if (free === undefined || free.length === 0) return new Float64Array(Math.min(MIN_ENTRIES << cls, this.o.maxEntries) * this.o.stride);
    const a = free.pop()!;
    this.poolBytes -= a.byteLength;
    return a;
  }

  /** Keeps a history array for reuse, so subjects coming and going make no garbage (up to a bound). */
  private recycle(h: Float64Array): void {
    this.histBytes -= h.byteLength;
    if (this.poolBytes + h.byteLength > Math.max(POOL_BYTES_MIN, this.histBytes / 8)) return;
    let cls = 0;
    while ((MIN_ENTRIES << cls) * this.o.stride < h.length) cls++;
    (this.pool[cls] ??= []).push(h);
    this.poolBytes += h.byteLength;
  }

  /** Events retained by every live subject. */
  get events(): number {
    let n = 0;
    for (const slot of this.heap.slots()) n += this.count[slot]!;
    return n;
  }

  /**
   * Inserts the event in (ts, row) order and returns its index; first, at every eighth entry, drops
   * the entries older than `horizon` (no chain with a future event can use them) when they are a
   * quarter of the history. Not at every insert: the first entry is a cache line of its own, often
   * cold on the live path (funnels 12% faster in process with the caches flushed every 512 rows);
   * expired entries kept meanwhile change no result (no chain reaches back to them, and overCap
   * drops them before any live entry).
   */
  insert(slot: number, sh: HistoryShape, ts: number, row: number, masks: Int32Array, maskAt: number, horizon: number): number {
    let m = this.count[slot]!;
    const old = this.hist[slot];
    if (old && m > 0 && (m & 7) === 0 && old[0]! < horizon) {
      const k = countBefore(old, m, sh.stride, horizon);
      if (k >= 8 || 4 * k >= m) {
        dropFirst(old, m, sh.stride, k);
        this.count[slot] = m -= k;
      }
    }
    const h = this.reserve(slot, m + 1);
    const p = insertionPoint(h, m, sh.stride, ts);
    insertEntry(h, m, sh, p, ts, row, masks, maskAt);
    this.count[slot] = m + 1;
    this.touch(slot, ts);
    return p;
  }

  /**
   * Enforces the events-per-user cap after an insert: drops the expired prefix, and if more than
   * `cap` entries are still left, also the oldest ceil(cap / 8) of them. Returns the index range of
   * the live entries about to be dropped ([from, to), to = from when none) for the owner to inspect;
   * call dropPrefix(slot, to) next.
   */
  overCap(slot: number, horizon: number, cap: number): { from: number; to: number } {
    const m = this.count[slot]!;
    if (m <= cap) return NO_DROP;
    const dead = countBefore(this.hist[slot]!, m, this.o.stride, horizon);
    if (m - dead <= cap) return { from: dead, to: dead };
    return { from: dead, to: Math.min(m, dead + Math.ceil(cap / 8)) };
  }

  /** Removes the slot's first k entries. */
  dropPrefix(slot: number, k: number): void {
    dropFirst(this.hist[slot]!, this.count[slot]!, this.o.stride, k);
    this.count[slot]! -= k;
  }

  /** Live slots ordered by (column, value): the canonical order for encoding. */
  slotsByKey(): number[] {
    // One comparison per pair (keyLess both ways compared the strings twice).
    const which = this.which, value = this.value;
    return Array.from(this.heap.slots()).sort((a, b) => {
      if (which[a] !== which[b]) return which[a]! - which[b]!;
      const x = value[a]!, y = value[b]!;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }

  /** Decode: a subject known by column index and value, bound to a code when a row names it again. */
  restore(which: number, value: string, newest: number): number {
    const slot = this.take(which, value, newest);
    this.keyCode[slot] = -1;
    this.restored.set(restoredKey(which, value), slot);
    return slot;
  }

  private admit(key: number, which: number, value: string, ts: number): number {
    const r = this.restored.size === 0 ? undefined : this.restored.get(restoredKey(which, value));
    if (r !== undefined) {
      this.restored.delete(restoredKey(which, value));
      this.keyCode[r] = key;
      this.map.set(key, r);
      return r;
    }
    const heap = this.heap;
    if (heap.size >= this.o.maxUsers) {
      while (heap.topKey !== this.newest[heap.top]) heap.refreshTop(this.newest[heap.top]!);
      this.evictedUsers++;
      this.release(heap.top, true);
    }
    const slot = this.take(which, value, ts);
    this.keyCode[slot] = key;
    this.map.set(key, slot);
    return slot;
  }

  private take(which: number, value: string, newest: number): number {
    if (this.freeCount === 0 && this.heap.size === this.cap) this.grow(Math.min(this.cap * 2, this.o.maxUsers));
    assert(this.freeCount > 0, "a free slot below the cap");
    const slot = this.free[--this.freeCount]!;
    this.which[slot] = which;
    this.value[slot] = value;
    this.newest[slot] = newest;
    this.count[slot] = 0;
    this.extra.fill(this.o.extraInit, slot * this.o.extraPerSlot, (slot + 1) * this.o.extraPerSlot);
    this.heap.push(slot, newest);
    return slot;
  }

  private release(slot: number, evicted: boolean): void {
    this.o.onFree(slot, evicted);
    if (this.keyCode[slot]! >= 0) this.map.delete(this.keyCode[slot]!);
    else this.restored.delete(restoredKey(this.which[slot]!, this.value[slot]!));
    const h = this.hist[slot];
    if (h) this.recycle(h);
    this.hist[slot] = null;
    this.value[slot] = "";
    this.count[slot] = 0;
    this.gen[slot]!++;
    this.heap.remove(slot);
    this.free[this.freeCount++] = slot;
  }

  /** Subject order for ties and for encoding: column index, then value. */
  private keyLess(a: number, b: number): boolean {
    if (this.which[a] !== this.which[b]) return this.which[a]! < this.which[b]!;
    return this.value[a]! < this.value[b]!;
  }

  private grow(cap: number): void {
    const old = this.cap;
    const widen = <T extends Float64Array | Int32Array | Uint8Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.keyCode = widen(this.keyCode);
    this.which = widen(this.which);
    this.newest = widen(this.newest);
    this.count = widen(this.count);
    this.gen = widen(this.gen);
    this.extra = widen(this.extra, this.o.extraPerSlot);
    this.heap.grow(cap);
    this.free = widen(this.free);
    this.value.length = cap;
    this.hist.length = cap;
    // New slots go on the free stack so the lowest is taken first.
    for (let s = cap - 1; s >= old; s--) {
      this.free[this.freeCount++] = s;
      this.value[s] = "";
      this.hist[s] = null;
    }
    this.cap = cap;
  }
}

function restoredKey(which: number, value: string): string {
  return `${which}\u0000${value}`;
}
