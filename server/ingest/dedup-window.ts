// The event_id de-duplication window: which client-given ids were seen recently, bounded by time
// (receive time) and by count, whichever bites first. Ids are held as 64-bit hashes (two u32
// halves); two distinct ids collide with probability about n/2^64 per lookup, 1e-12 at 10M ids.
//
// Typed arrays only: a FIFO ring of (hash, receivedAt) gives eviction order, and an open-addressing
// table (linear probing, backward-shift deletion) keyed by the hash answers membership. Both grow
// by doubling up to the count bound, so an idle server holds a few KB, not the worst case.
//
// Decisions depend only on the ids and the receive times recorded in the WAL, never on the wall
// clock, so replaying the log rebuilds exactly the window the live process had.

import { assert } from "../../engine/core/assert.ts";

const INITIAL_CAPACITY = 1024;

/** A power of two at least twice the ring: load stays <= 0.5, so probes stay short. */
function tableSizeFor(ringCapacity: number): number {
  let size = 2;
  while (size < ringCapacity * 2) size *= 2;
  assert((size & (size - 1)) === 0, "table size is a power of two");
  return size;
}

export class DedupWindow {
  private readonly windowMs: number;
  private readonly maxIds: number;
  // Ring: entries [head, head + count) modulo capacity, oldest first.
  private ringLo: Uint32Array;
  private ringHi: Uint32Array;
  private ringAt: Float64Array;
  private head = 0;
  private count = 0;
  private lastAt = -Infinity;
  private replaying = false;
  // Table: slot i is (tab[2i], tab[2i+1]) = (lo, hi), both 0 = empty. Interleaved so that a probe
  // touches one cache line. A real hash of 0 is stored as lo = 1.
  private tab: Uint32Array;
  private mask: number;

  constructor(opts: { windowMs: number; maxIds: number }) {
    this.windowMs = opts.windowMs;
    this.maxIds = opts.maxIds;
    const cap = Math.min(INITIAL_CAPACITY, Math.max(1, opts.maxIds));
    this.ringLo = new Uint32Array(cap);
    this.ringHi = new Uint32Array(cap);
    this.ringAt = new Float64Array(cap);
    const size = tableSizeFor(cap);
    this.tab = new Uint32Array(size * 2);
    this.mask = size - 1;
  }

  get size(): number { return this.count; }

  get byteSize(): number {
    return this.ringLo.byteLength + this.ringHi.byteLength + this.ringAt.byteLength + this.tab.byteLength;
  }

  /**
   * True when (lo, hi) is in the window: a duplicate. Otherwise remembers it as seen at `atMs` and
   * returns false. Times are clamped to be non-decreasing (batches finish parsing slightly out of
   * receive order), which keeps the ring sorted by time.
   */
  checkAndAdd(lo: number, hi: number, atMs: number): boolean {
    if (this.maxIds === 0) return false;
    atMs = this.lastAt = Math.max(atMs, this.lastAt);
    if (lo === 0 && hi === 0) lo = 1;
    this.evictOlderThan(atMs - this.windowMs);
    if (this.findSlot(lo, hi) >= 0) return true;
    if (this.count === this.maxIds) this.evictOldest();
    else if (this.count === this.ringLo.length) this.grow();
    const cap = this.ringLo.length;
    const at = (this.head + this.count) % cap;
    this.ringLo[at] = lo; this.ringHi[at] = hi; this.ringAt[at] = atMs;
    this.count++;
    this.insert(lo, hi);
    return false;
  }

  /**
   * Recovery: ids are captured in the ring only (the oldest overwritten past the count bound, no
   * table work), and `endReplay` builds the table once from what is still inside the window. Most
   * ids of a long log would be inserted and evicted again before the end; this skips that work.
   */
  beginReplay(): void {
    assert(this.count === 0, "replay starts from an empty window");
    this.replaying = true;
  }

  /** Replay of a row the live window saw but dropped as a duplicate: only its time counts. */
  replayTime(atMs: number): void {
    if (this.maxIds !== 0) this.lastAt = Math.max(atMs, this.lastAt);
  }

  replayAdd(lo: number, hi: number, atMs: number): void {
    assert(this.replaying, "replayAdd outside a replay");
    if (this.maxIds === 0) return;
    if (lo === 0 && hi === 0) lo = 1;
    atMs = this.lastAt = Math.max(atMs, this.lastAt);
    if (this.count === this.maxIds) { this.head = (this.head + 1) % this.ringLo.length; this.count--; }
    else if (this.count === this.ringLo.length) this.growRing();
    const at = (this.head + this.count) % this.ringLo.length;
    this.ringLo[at] = lo; this.ringHi[at] = hi; this.ringAt[at] = atMs;
    this.count++;
  }

  /**
   * Ends a replay: drops captured ids older than the window, then fills the table. An id captured
   * twice (possible only if the window was configured larger when the log was written) is kept
   * once in the table; forgetting it a little early is within the window's promise.
   */
  endReplay(): void {
    assert(this.replaying, "endReplay without beginReplay");
    this.replaying = false;
    const cutoff = this.lastAt - this.windowMs;
    while (this.count > 0 && this.ringAt[this.head]! < cutoff) { this.head = (this.head + 1) % this.ringLo.length; this.count--; }
    this.rebuildTable();
  }

  /**
   * The ids in the window, oldest first, as bytes for a WAL record (compaction logs one before it
   * deletes log segments, so the ids those segments held are not forgotten by a restart):
   *   count u32 | pad u32 | lastAt f64 | lo u32 x count | hi u32 x count | at f64 x count
   */
  snapshot(): Uint8Array {
    const n = this.count, cap = this.ringLo.length;
    const out = new Uint8Array(16 + n * 16);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, n, true);
    dv.setFloat64(8, this.lastAt, true);
    const lo = new Uint32Array(out.buffer, 16, n), hi = new Uint32Array(out.buffer, 16 + 4 * n, n);
    const at = new Float64Array(out.buffer, 16 + 8 * n, n);
    for (let i = 0; i < n; i++) {
      const j = (this.head + i) % cap;
      lo[i] = this.ringLo[j]!; hi[i] = this.ringHi[j]!; at[i] = this.ringAt[j]!;
    }
    return out;
  }

  /** Replay of a snapshot record: the window becomes exactly the snapshot's ids (it holds every earlier one). */
  replayRestore(bytes: Uint8Array): void {
    assert(this.replaying, "replayRestore outside a replay");
    const copy = bytes.slice();
    const dv = new DataView(copy.buffer);
    const n = dv.getUint32(0, true);
    if (copy.byteLength !== 16 + n * 16) throw new Error(`dedup snapshot of ${copy.byteLength} bytes does not hold ${n} ids`);
    const lo = new Uint32Array(copy.buffer, 16, n), hi = new Uint32Array(copy.buffer, 16 + 4 * n, n);
    const at = new Float64Array(copy.buffer, 16 + 8 * n, n);
    this.head = 0;
    this.count = 0;
    this.lastAt = -Infinity;
    for (let i = 0; i < n; i++) this.replayAdd(lo[i]!, hi[i]!, at[i]!);
    this.lastAt = Math.max(this.lastAt, dv.getFloat64(8, true));
  }

  /** Removes ids seen before `cutoffMs`. */
  evictOlderThan(cutoffMs: number): void {
    while (this.count > 0 && this.ringAt[this.head]! < cutoffMs) this.evictOldest();
  }

  private evictOldest(): void {
    const h = this.head;
    this.remove(this.ringLo[h]!, this.ringHi[h]!);
    this.head = (h + 1) % this.ringLo.length;
    this.count--;
  }

  private home(lo: number, hi: number): number {
    // The halves are already hash output; mix them so both contribute to the slot.
    return (Math.imul(lo ^ (hi >>> 7), 0x9e3779b1) >>> 0) & this.mask;
  }

  private findSlot(lo: number, hi: number): number {
    const tab = this.tab;
    for (let i = this.home(lo, hi); ; i = (i + 1) & this.mask) {
      const l = tab[2 * i]!, h = tab[2 * i + 1]!;
      if (l === lo && h === hi) return i;
      if (l === 0 && h === 0) return -1;
    }
  }

  private insert(lo: number, hi: number): void {
    const tab = this.tab;
    let i = this.home(lo, hi);
    while (tab[2 * i] !== 0 || tab[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    tab[2 * i] = lo; tab[2 * i + 1] = hi;
  }

  /** One probe walk for both the membership test and the insert (rebuilding after replay). */
  private insertIfAbsent(lo: number, hi: number): void {
    const tab = this.tab;
    let i = this.home(lo, hi);
    for (; tab[2 * i] !== 0 || tab[2 * i + 1] !== 0; i = (i + 1) & this.mask) {
      if (tab[2 * i] === lo && tab[2 * i + 1] === hi) return;
    }
    tab[2 * i] = lo; tab[2 * i + 1] = hi;
  }

  /** Backward-shift deletion keeps probe chains intact without tombstones. */
  private remove(lo: number, hi: number): void {
    let i = this.findSlot(lo, hi);
    if (i < 0) return;
    const tab = this.tab;
    for (let j = (i + 1) & this.mask; ; j = (j + 1) & this.mask) {
      const l = tab[2 * j]!, h = tab[2 * j + 1]!;
      if (l === 0 && h === 0) break;
      const k = this.home(l, h);
      // Move j back to i when its home does not lie cyclically in (i, j].
      const inRange = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!inRange) { tab[2 * i] = l; tab[2 * i + 1] = h; i = j; }
    }
    tab[2 * i] = 0; tab[2 * i + 1] = 0;
  }

  private grow(): void {
    this.growRing();
    this.rebuildTable();
  }

  /** Doubles the ring (up to the count bound), oldest entry first at index 0. */
  private growRing(): void {
    const oldCap = this.ringLo.length;
    const cap = Math.min(oldCap * 2, this.maxIds);
    const lo = new Uint32Array(cap), hi = new Uint32Array(cap), at = new Float64Array(cap);
    for (let n = 0; n < this.count; n++) {
      const s = (this.head + n) % oldCap;
      lo[n] = this.ringLo[s]!; hi[n] = this.ringHi[s]!; at[n] = this.ringAt[s]!;
    }
    this.ringLo = lo; this.ringHi = hi; this.ringAt = at; this.head = 0;
  }

  /** A fresh table sized for the ring, holding every id in the ring once. */
  private rebuildTable(): void {
    const tableSize = tableSizeFor(this.ringLo.length);
    this.tab = new Uint32Array(tableSize * 2);
    this.mask = tableSize - 1;
    const cap = this.ringLo.length;
    for (let n = 0; n < this.count; n++) {
      const s = (this.head + n) % cap;
      this.insertIfAbsent(this.ringLo[s]!, this.ringHi[s]!);
    }
  }
}
