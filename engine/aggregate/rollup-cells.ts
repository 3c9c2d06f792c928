// The cells of one rollup level of one dimension set: a cell per (time bucket, dimension value ids),
// found by an open-addressing hash table over typed arrays, its additive measures in one Float64Array
// per measure, and its distinct-user sketch (hll.ts) beside. A cell is created by the first event of
// its bucket and key and never moves, so measure arrays index by cell.
//
//   keys     i32, (1 + dims) per cell: bucket, then one local id per dimension (-1 = null value)
//   slots    i32 open-addressing table (power of two, linear probing), -1 = empty, else a cell
//   byBucket bucket -> cells of that bucket, so a time-range query reads only its buckets
//   dirty    cells changed since the last takeDirty() (the SQL mirror copies only those); retain()
//            renumbers cells and bumps `generation`, after which every cell counts as changed
//   uv       each cell's sketch estimate, NaN until read and again once the cell changes (touch,
//            mergeFrom): a dashboard's UV series reads 6,000 of these, and a flat array of them
//            stays in cache where 6,000 sketch objects do not (0.13-0.23 ms of a cold answer)
//
// Invariants: every cell is in slots exactly once; load <= 0.5; cells are removed only by retain(),
// which rebuilds the table (a sweep, at most once per bucket span of the level).

import { assert } from "../core/assert.ts";
import { Hll } from "./hll.ts";

/** Additive measures of a cell, in storage order. Serialized by index: append only. */
export const MEASURES = ["events", "pv", "clicks", "impressions", "conversions", "revenue", "cost", "late"] as const;
export type Measure = (typeof MEASURES)[number];
export const MEASURE_INDEX: Readonly<Record<Measure, number>> = Object.fromEntries(MEASURES.map((m, i) => [m, i])) as Record<Measure, number>;

const EMPTY = -1;

export class CellTable {
  count = 0;
  keys: Int32Array;
  readonly measures: Float64Array[];
  sketches: Hll[] = [];
  private slots: Int32Array;
  readonly byBucket = new Map<number, number[]>();
  generation = 0;
  private dirtyFlags: Uint8Array;
  private dirtyList: Int32Array;
  private dirtyCount = 0;
  private uv: Float64Array;

  constructor(readonly dims: number, readonly precision: number, capacity = 64) {
    this.keys = new Int32Array(capacity * (1 + dims));
    this.measures = MEASURES.map(() => new Float64Array(capacity));
    this.uv = new Float64Array(capacity).fill(NaN);
    this.slots = new Int32Array(capacity * 2).fill(EMPTY);
    this.dirtyFlags = new Uint8Array(capacity);
    this.dirtyList = new Int32Array(capacity);
  }

  /** Records that `cell` changed. */
  touch(cell: number): void {
    this.uv[cell] = NaN;
    if (this.dirtyFlags[cell] === 1) return;
    this.dirtyFlags[cell] = 1;
    this.dirtyList[this.dirtyCount++] = cell;
  }

  /** The cells changed since the last call (a view, valid until the next touch), and forgets them. */
  takeDirty(): Int32Array {
    const out = this.dirtyList.subarray(0, this.dirtyCount);
    for (let i = 0; i < this.dirtyCount; i++) this.dirtyFlags[this.dirtyList[i]!] = 0;
    this.dirtyCount = 0;
    return out;
  }

  /** The cell of (bucket, ids[0..dims)), created empty when absent. */
  cellOf(bucket: number, ids: Int32Array): number {
    const stride = 1 + this.dims, keys = this.keys, slots = this.slots, mask = slots.length - 1;
    let s = this.hash(bucket, ids) & mask;
    for (;;) {
      const c = slots[s]!;
      if (c === EMPTY) break;
      if (this.matches(c * stride, bucket, ids)) return c;
      s = (s + 1) & mask;
    }
    const cell = this.count++;
    if (cell * stride + stride > keys.length) this.grow();
    const at = cell * stride;
    this.keys[at] = bucket;
    for (let k = 0; k < this.dims; k++) this.keys[at + 1 + k] = ids[k]!;
    this.sketches.push(new Hll(this.precision));
    let list = this.byBucket.get(bucket);
    if (!list) this.byBucket.set(bucket, (list = []));
    list.push(cell);
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.slots[s] = cell;
    return cell;
  }

  /** Replaces the contents with `count` decoded cells (keys: (1 + dims) per cell). */
  restore(count: number, keys: Int32Array, measures: readonly Float64Array[], sketches: Hll[]): void {
    assert(keys.length === count * (1 + this.dims) && sketches.length === count && measures.length === this.measures.length, "rollup cells restored with inconsistent sizes");
    const cap = Math.max(64, count);
    this.keys = new Int32Array(cap * (1 + this.dims));
    this.keys.set(keys);
    for (let m = 0; m < this.measures.length; m++) {
      this.measures[m] = new Float64Array(cap);
      this.measures[m]!.set(measures[m]!.subarray(0, count));
    }
    this.dirtyFlags = new Uint8Array(cap);
    this.dirtyList = new Int32Array(cap);
    this.uv = new Float64Array(cap).fill(NaN);
    this.count = count;
    this.sketches = sketches;
    // retain() rebuilds the bucket index and the slots (and bumps the generation).
    this.retain(() => true);
  }

  /** The estimate of the cell's users (its sketch's, kept until the cell changes). */
  uvOf(cell: number): number {
    const e = this.uv[cell]!;
    return e === e ? e : (this.uv[cell] = this.sketches[cell]!.estimate());
  }

  bucketOf(cell: number): number {
    return this.keys[cell * (1 + this.dims)]!;
  }

  idOf(cell: number, dim: number): number {
    return this.keys[cell * (1 + this.dims) + 1 + dim]!;
  }

  /**
   * Adds cell `cell` of `from` (same dimensions), its measures and users, into this table's cell of
   * (bucket, the same ids), created when absent; returns that cell. `ids` is scratch of dims entries.
   * The fold of minutes into hours: the sweep's hour cells and the query's hour tables.
   */
  mergeFrom(from: CellTable, cell: number, bucket: number, ids: Int32Array): number {
    for (let k = 0; k < this.dims; k++) ids[k] = from.idOf(cell, k);
    const into = this.cellOf(bucket, ids);
    for (let m = 0; m < this.measures.length; m++) this.measures[m]![into]! += from.measures[m]![cell]!;
    this.sketches[into]!.merge(from.sketches[cell]!);
    this.uv[into] = NaN;
    return into;
  }

  /** Keeps only cells for which keep(cell) is true, in their order; returns how many were removed. */
  retain(keep: (cell: number) => boolean): number {
    const stride = 1 + this.dims;
    let w = 0;
    const sketches: Hll[] = [];
    this.byBucket.clear();
    for (let c = 0; c < this.count; c++) {
      if (!keep(c)) continue;
      if (w !== c) {
        this.keys.copyWithin(w * stride, c * stride, c * stride + stride);
        for (const m of this.measures) m[w] = m[c]!;
        this.uv[w] = this.uv[c]!;
      }
      sketches.push(this.sketches[c]!);
      const b = this.keys[w * stride]!;
      let list = this.byBucket.get(b);
      if (!list) this.byBucket.set(b, (list = []));
      list.push(w);
      w++;
    }
    const removed = this.count - w;
    for (const m of this.measures) m.fill(0, w, this.count);
    this.uv.fill(NaN, w, this.count);
    this.count = w;
    this.sketches = sketches;
    this.generation++;
    this.dirtyFlags.fill(0);
    this.dirtyCount = 0;
    let size = 128;
    while (size < this.count * 2) size *= 2;
    this.rehash(size);
    return removed;
  }

  /** Bytes held: typed arrays and sketches. */
  get bytes(): number {
    let n = this.keys.byteLength + this.slots.byteLength + this.measures.length * this.measures[0]!.byteLength + this.count * 16;
    for (const h of this.sketches) n += h.bytes;
    return n;
  }

  private matches(at: number, bucket: number, ids: Int32Array): boolean {
    const keys = this.keys;
    if (keys[at] !== bucket) return false;
    for (let k = 0; k < this.dims; k++) if (keys[at + 1 + k] !== ids[k]) return false;
    return true;
  }

  private hash(bucket: number, ids: Int32Array): number {
    let h = Math.imul(bucket ^ 0x9e3779b9, 0x85ebca6b);
    for (let k = 0; k < this.dims; k++) h = Math.imul(h ^ (ids[k]! + 0x7f4a7c15), 0xc2b2ae35) ^ (h >>> 15);
    h ^= h >>> 16;
    return Math.imul(h, 0x27d4eb2d) ^ (h >>> 13);
  }

  private grow(): void {
    const cap = (this.keys.length / (1 + this.dims)) * 2;
    const keys = new Int32Array(cap * (1 + this.dims));
    keys.set(this.keys);
    this.keys = keys;
    for (let i = 0; i < this.measures.length; i++) {
      const m = new Float64Array(cap);
      m.set(this.measures[i]!);
      this.measures[i] = m;
    }
    const uv = new Float64Array(cap).fill(NaN);
    uv.set(this.uv);
    this.uv = uv;
    const flags = new Uint8Array(cap), list = new Int32Array(cap);
    flags.set(this.dirtyFlags);
    list.set(this.dirtyList);
    this.dirtyFlags = flags;
    this.dirtyList = list;
  }

  private rehash(size: number): void {
    assert(this.count * 2 <= size, "rollup cell table over its load factor");
    const slots = new Int32Array(size).fill(EMPTY), mask = size - 1, stride = 1 + this.dims;
    const ids = new Int32Array(this.dims);
    for (let c = 0; c < this.count; c++) {
      for (let k = 0; k < this.dims; k++) ids[k] = this.keys[c * stride + 1 + k]!;
      let s = this.hash(this.keys[c * stride]!, ids) & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = c;
    }
    this.slots = slots;
  }
}
