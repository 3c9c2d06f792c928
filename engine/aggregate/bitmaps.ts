// Compressed sets of u32 ids: Roaring bitmaps, implemented here in typed arrays.
//
// Roaring: Chambi, Lemire, Kaser, Godin, "Better bitmap performance with Roaring bitmaps",
// Software: Practice and Experience 46(5), 2016; Lemire, Ssi-Yan-Kai, Kaser, "Consistently faster
// and smaller compressed bitmaps with Roaring", SP&E 46(11), 2016. Ids are split by their high 16 bits
// into containers of up to 65536 values, each a sorted array (few values) or a bitset (many), so
// AND / OR / AND NOT of sets of millions of ids touch a few hundred containers, not millions of
// values. Run containers (the 2016 SP&E 46(11) addition) are not kept in memory: see "Runs" below.
//
//   roaring-containers.ts  storage: container keys and kinds in one Int32Array, array containers in
//                          one shared Uint16Array pool per bitmap, bitsets as Int32Array(2048)
//   roaring-array.ts       kernels on sorted u16 ranges (probe, gallop, merge, in-place union)
//   roaring-bitset.ts      kernels on bitsets (carry-save popcount, probes, conversions)
//   roaring-count.ts       counts that build nothing: |A AND B|, intersects, k-way AND / OR
//   roaring-combine.ts     AND / OR / AND NOT / k-way OR into new bitmaps, and in place
//   roaring-values.ts      ids in and out: adds, removes, membership, listing
//   roaring-format.ts      the portable Roaring serialization (any Roaring library reads it)
//
// Why not roaring-wasm (CRoaring compiled to WebAssembly), which this module wrapped until it was
// measured at 10M users (bench/audiences.bench.ts; before and after in engine/aggregate/README.md):
//   - its build counts bitset containers one byte at a time (a scalarized SIMD popcount): an AND
//     count of two large sets over 10M ids took ~8 ms, 14-18x a flat JS bitset's 0.5 ms; here a
//     carry-save popcount over 32-bit words takes ~0.2-0.3 ms, under the flat bitset (absent
//     containers are skipped), and every measured count of two or three sets is under 1 ms;
//   - every memmove inside WASM went through a JS call (no bulk-memory), ~1-2 us per insert into an
//     array container, so adds were buffered and merged in bulk, and the merges paused the thread for
//     up to ~0.8-1.4 s; here an insert moves the container tail with one copyWithin and adds are
//     applied at once: no buffer, and a batch costs what its own rows cost;
//   - WASM memory is invisible to the garbage collector, so every bitmap needed an owner calling
//     dispose(); here bitmaps are plain objects (3-4 typed arrays each) and the GC frees them.
// roaring-wasm stays as a test oracle and in the bench, for the record; nothing in the engine loads it.
//
// Runs. Measured on the 10M-user audience index (2.6M containers): no container would be smaller as
// runs (42% of containers hold one value; dense ones are random-looking user sets). Only range-like
// sets would gain (Bitmap.range, the universe of "not" rules: 8 KiB per 65536 ids as bitsets, 1.2 MiB
// at 10M users, built once per full evaluation). The reader accepts run containers (other libraries
// write them) and expands them.
//
// Ownership: a Bitmap is an ordinary object. Static operations return new bitmaps; in-place ones
// modify `this`; no function keeps a reference to its arguments. dispose() is a no-op kept for
// callers written for the WASM version.

import { assert } from "../core/assert.ts";
import { ARRAY_MAX, Containers } from "./roaring-containers.ts";
import { BITSET_WORDS, setRange } from "./roaring-bitset.ts";
import { deserialize, serialize, serializedSize } from "./roaring-format.ts";
import * as count from "./roaring-count.ts";
import * as combine from "./roaring-combine.ts";
import * as ids from "./roaring-values.ts";

const RANGE_END = 0x1_0000_0000;
/** Unsorted input is sorted in a copy here. */
let scratch = new Uint32Array(4096);
const single = new Uint32Array(1);

/** Sorts values[begin, end) ascending in place (ids grouped for addMany: sorted input is the fast path). */
export function sortIds(values: Uint32Array, begin = 0, end = values.length): void {
  if (end - begin > 16) {
    values.subarray(begin, end).sort();
    return;
  }
  for (let i = begin + 1; i < end; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= begin && values[j]! > v) (values[j + 1] = values[j]!), j--;
    values[j + 1] = v;
  }
}

function isAscending(v: Uint32Array, begin: number, end: number): boolean {
  for (let i = begin + 1; i < end; i++) if (v[i]! < v[i - 1]!) return false;
  return true;
}

function isId(id: number): boolean {
  return id >>> 0 === id;
}

export class Bitmap {
  private c: Containers;

  private constructor(c: Containers) {
    this.c = c;
  }

  /** A new empty bitmap. */
  static empty(): Bitmap {
    return new Bitmap(new Containers());
  }

  /** A new bitmap holding values[begin, end) (any order, duplicates allowed). */
  static of(values: Uint32Array, begin = 0, end = values.length): Bitmap {
    const b = Bitmap.empty();
    b.addMany(values, begin, end);
    return b;
  }

  /** A new bitmap holding every id in [begin, end) (8 KiB per full 65536-id container). */
  static range(begin: number, end: number): Bitmap {
    begin = Math.max(0, Math.ceil(begin));
    end = Math.min(RANGE_END, Math.ceil(end));
    const c = new Containers();
    for (let key = begin >>> 16; begin < end && key <= (end - 1) / 65_536; key++) {
      const lo = Math.max(begin, key * 65_536) - key * 65_536, hi = Math.min(end, (key + 1) * 65_536) - key * 65_536;
      const i = c.push(key), card = hi - lo;
      if (card > ARRAY_MAX) {
        const words = new Int32Array(BITSET_WORDS);
        setRange(words, lo, hi);
        c.setBitset(i, words, card);
      } else {
        const at = c.allocArray(card);
        for (let v = lo; v < hi; v++) c.pool[at + v - lo] = v;
        c.setArray(i, at, card, card);
      }
    }
    c.resize();
    return new Bitmap(c);
  }

  /** A new bitmap from portable Roaring bytes (ours or any Roaring library's); data_corrupt on bad bytes. */
  static deserialize(bytes: Uint8Array): Bitmap {
    return new Bitmap(deserialize(bytes));
  }

  /** New bitmaps holding a AND b, a OR b, a AND NOT b. */
  static and(a: Bitmap, b: Bitmap): Bitmap {
    return new Bitmap(combine.and(a.c, b.c));
  }

  static or(a: Bitmap, b: Bitmap): Bitmap {
    return new Bitmap(combine.or(a.c, b.c));
  }

  static andNot(a: Bitmap, b: Bitmap): Bitmap {
    return new Bitmap(combine.andNot(a.c, b.c));
  }

  /** A new bitmap holding the union of all of `bitmaps` (k-way, container by container). */
  static orMany(bitmaps: readonly Bitmap[]): Bitmap {
    return new Bitmap(combine.orMany(bitmaps.map((b) => b.c)));
  }

  /** |AND of all of `bitmaps`| (0 for none), container by container, building nothing. */
  static andManySize(bitmaps: readonly Bitmap[]): number {
    return count.andManySize(bitmaps.map((b) => b.c));
  }

  /** |OR of all of `bitmaps`|, container by container, building nothing. */
  static orManySize(bitmaps: readonly Bitmap[]): number {
    return count.orManySize(bitmaps.map((b) => b.c));
  }

  get size(): number {
    return this.c.size;
  }

  get isEmpty(): boolean {
    return this.c.size === 0;
  }

  /** The largest id, or -1 when empty. */
  get max(): number {
    return ids.max(this.c);
  }

  has(id: number): boolean {
    return isId(id) && ids.has(this.c, id);
  }

  add(id: number): void {
    assert(isId(id), `bitmap id ${id} is not a u32`);
    ids.addOne(this.c, id);
  }

  remove(id: number): void {
    assert(isId(id), `bitmap id ${id} is not a u32`);
    single[0] = id;
    ids.removeSorted(this.c, single, 0, 1);
  }

  /** Adds values[begin, end), in any order; ascending input skips a sorted copy. */
  addMany(values: Uint32Array, begin = 0, end = values.length): void {
    if (end <= begin) return;
    if (end - begin === 1) return ids.addOne(this.c, values[begin]!);
    if (isAscending(values, begin, end)) ids.addSorted(this.c, values, begin, end);
    else ids.addSorted(this.c, sortedCopy(values, begin, end), 0, end - begin);
  }

  /** Removes values[begin, end), in any order. */
  removeMany(values: Uint32Array, begin = 0, end = values.length): void {
    if (end <= begin || this.c.n === 0) return;
    if (isAscending(values, begin, end)) ids.removeSorted(this.c, values, begin, end);
    else ids.removeSorted(this.c, sortedCopy(values, begin, end), 0, end - begin);
  }

  andInPlace(other: Bitmap): this {
    combine.andInPlace(this.c, other.c);
    return this;
  }

  orInPlace(other: Bitmap): this {
    combine.orInPlace(this.c, other.c);
    return this;
  }

  andNotInPlace(other: Bitmap): this {
    combine.andNotInPlace(this.c, other.c);
    return this;
  }

  /** |this AND other|, |this OR other|, |this AND NOT other|, without building the result. */
  andSize(other: Bitmap): number {
    return count.andSize(this.c, other.c);
  }

  orSize(other: Bitmap): number {
    return this.c.size + other.c.size - count.andSize(this.c, other.c);
  }

  andNotSize(other: Bitmap): number {
    return this.c.size - count.andSize(this.c, other.c);
  }

  intersects(other: Bitmap): boolean {
    return count.intersects(this.c, other.c);
  }

  equals(other: Bitmap): boolean {
    return ids.equals(this.c, other.c);
  }

  /** A new bitmap with the same ids (tightly packed). */
  clone(): Bitmap {
    return new Bitmap(this.c.clone());
  }

  /** Removes every id. */
  clear(): void {
    this.c.reset();
  }

  /** The smallest `limit` ids that are >= `from`, ascending (all of them when limit is omitted). */
  toUint32Array(limit = RANGE_END, from = 0): Uint32Array {
    return ids.values(this.c, limit, from);
  }

  /** The portable Roaring serialization (cookie 12346: array and bitset containers). */
  serialize(): Uint8Array {
    return serialize(this.c);
  }

  /** Length of serialize()'s output. */
  get serializedSize(): number {
    return serializedSize(this.c);
  }

  /** Bytes of the typed arrays this bitmap holds, spare capacity included (its memory, less object headers). */
  get byteSize(): number {
    return this.c.byteSize;
  }

  /**
   * Releases spare capacity kept for growth (array room, pool headroom and free space): for a bitmap
   * that will not grow much more. Adding to it later works, and regrows.
   */
  trim(): void {
    this.c.trim();
  }

  /** Nothing to free: bitmaps are garbage-collected. Kept for callers written for roaring-wasm. */
  dispose(): void {}
}

/** values[begin, end) sorted ascending in a scratch copy (valid until the next call). */
function sortedCopy(values: Uint32Array, begin: number, end: number): Uint32Array {
  const n = end - begin;
  if (scratch.length < n) scratch = new Uint32Array(Math.max(n, 2 * scratch.length));
  const out = scratch.subarray(0, n);
  out.set(values.subarray(begin, end));
  sortIds(out);
  return out;
}
