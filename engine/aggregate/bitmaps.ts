// Compressed sets of u32 ids (Roaring bitmaps, via CRoaring compiled to WebAssembly by roaring-wasm).
// This is the only file that imports roaring-wasm: everything else sees `Bitmap`.
//
// Roaring: Chambi, Lemire, Kaser, Godin, "Better bitmap performance with Roaring bitmaps",
// Software: Practice and Experience 46(5), 2016; Lemire et al., "Consistently faster and smaller
// compressed bitmaps with Roaring", SP&E 46(11), 2016. Ids are split by their high 16 bits into
// containers of up to 65536 values, each an array (sparse), a bitset (dense) or runs, so AND / OR /
// AND NOT of sets of millions of ids touch a few hundred containers, not millions of values.
//
// Memory and lifetimes. A bitmap's data lives in the WASM module's linear memory (at most 2 GiB,
// which never shrinks: freed blocks go back to the module's allocator). roaring-wasm frees a bitmap
// on dispose(), and registers every bitmap with a FinalizationRegistry as a backstop; but the JS
// garbage collector only sees a small wrapper object, not the WASM bytes behind it, so it has no
// reason to run while the WASM heap fills up. Relying on it leaks in practice. Hence the rules:
//
//   - every Bitmap has exactly one owner, which calls dispose() when it replaces or drops it
//     (dispose is idempotent); functions document whether they return a new (owned) bitmap or lend one;
//   - any use after dispose() is a programmer error and fails an assertion (roaring-wasm itself
//     would read a disposed bitmap as empty, silently);
//   - liveBitmaps() counts bitmaps created and not yet disposed, so tests can check for leaks.
//
// Performance of roaring-wasm 1.1.0 (measured here, identical under Bun/JSC and Node/V8), and what we
// do about it:
//   - Inserting into an array container moves its tail with memmove, which this build routes through
//     a JS import (HEAPU8.copyWithin: no bulk-memory), ~1-2 us per insert into a container of a few
//     thousand values. So adds are buffered: add()/addMany() append to a JS-side pending list, and
//     the list is merged in one OR of a bitmap built from it (sorted, so built by appends) when the
//     bitmap is next read, or when all pending lists together exceed a budget (16M values, 64 MiB;
//     the longest-waiting lists are merged first, a slice at a time). One merge per container
//     instead of one memmove per value: 2-3x less ingest time at 1M-10M users.
//   - Operations between two bitset containers (> 4096 ids in one 65536-id chunk) count bits with a
//     SIMD popcount the build scalarized (function 48 of index.wasm spills each 16-byte vector to the
//     stack and counts byte by byte): ~50-110 us per container pair whatever the density, so an AND
//     count of two dense sets over 10M ids takes ~15 ms. Array-with-bitset pairs are fast. Nothing
//     here can fix that; see bench/audiences.bench.ts for the figures.
//
// Loading. We import roaring-wasm's "browser" build on purpose: it carries the WASM bytes inline
// (base64) and instantiates them in roaringLibraryInitialize(). The Node build reads index.wasm
// from its package folder at import time, synchronously, by an absolute path that `bun build
// --compile` freezes at build time, so a compiled binary crashes at startup on any machine without
// that node_modules folder. initBitmaps() must be awaited once before any other call; every other
// function is synchronous.

import { RoaringBitmap32, roaringLibraryInitialize, roaringLibraryIsReady } from "roaring-wasm/browser";
import { assert } from "../core/assert.ts";
import { EngineError } from "../core/errors.ts";

/** Values handed to one bulk add: roaring-wasm copies them into WASM memory in one go. */
const ADD_CHUNK = 65_536;
const RANGE_END = 0x1_0000_0000;

let live = 0;
let scratch = new Uint32Array(4096);

/** Bitmaps with pending adds, and the values pending in all of them together. */
const dirty = new Set<Bitmap>();
let pendingTotal = 0;
let pendingBudget = 16 << 20;
/** Values per 65536-id chunk from which merging by OR beats inserting one by one. */
const MERGE_VALUES_PER_CHUNK_MIN = 24;
/** A single addMany of at least this many values skips the pending list. */
const DIRECT_ADD_MIN = 16_384;

/** Values pending in all bitmaps together past which every pending list is merged (tests lower it). */
export function setPendingBudget(values: number): void {
  pendingBudget = values;
  if (pendingTotal > pendingBudget) flushPending();
}

/** Values added to some bitmap and not merged yet (tests check the accounting). */
export function pendingValues(): number {
  return pendingTotal;
}

/** Merges every pending list now. */
export function flushPending(): void {
  for (const b of [...dirty]) b.flush();
}

/**
 * Over budget: merges the lists that have waited longest (a Set iterates in insertion order, and a
 * list re-enters at the end when it gets values after a merge) until 3% of the budget is free. In
 * steady state every list is merged about once per budget's worth of appends, as long as merging
 * everything at once would make it, but each pause merges only a slice.
 */
function flushOldest(): void {
  const target = pendingBudget * 0.97;
  for (const b of dirty) {
    if (pendingTotal <= target) return;
    b.flush();
  }
}

function isAscending(v: Uint32Array, begin: number, end: number): boolean {
  for (let i = begin + 1; i < end; i++) if (v[i]! < v[i - 1]!) return false;
  return true;
}

/** Loads the WASM module. Idempotent; must have resolved before any other function here is called. */
export async function initBitmaps(): Promise<void> {
  await roaringLibraryInitialize();
}

export function bitmapsReady(): boolean {
  return roaringLibraryIsReady();
}

/** Bitmaps created and not yet disposed (leak checks in tests). */
export function liveBitmaps(): number {
  return live;
}

export class Bitmap {
  private rb: RoaringBitmap32 | null;
  /** Adds not yet merged into rb (any order, duplicates allowed); null when none. */
  private pending: Uint32Array | null = null;
  private pendingCount = 0;

  private constructor(rb: RoaringBitmap32) {
    this.rb = rb;
    live++;
  }

  /** A new empty bitmap. */
  static empty(): Bitmap {
    assert(roaringLibraryIsReady(), "initBitmaps() has not completed");
    return new Bitmap(new RoaringBitmap32());
  }

  /** A new bitmap holding values[begin, end). */
  static of(values: Uint32Array, begin = 0, end = values.length): Bitmap {
    const b = Bitmap.empty();
    b.addMany(values, begin, end);
    return b;
  }

  /** A new bitmap holding every id in [begin, end). */
  static range(begin: number, end: number): Bitmap {
    const b = Bitmap.empty();
    if (end > begin) b.live().addRange(begin, end);
    return b;
  }

  /** A new bitmap from `serialize()` bytes (the portable Roaring format, shared with Java and Go). */
  static deserialize(bytes: Uint8Array): Bitmap {
    assert(roaringLibraryIsReady(), "initBitmaps() has not completed");
    const rb = new RoaringBitmap32();
    try {
      // The "safe" deserializer checks lengths against the buffer, so corrupt input fails here.
      rb.deserialize(bytes, "portable");
    } catch (e) {
      rb.dispose();
      throw new EngineError("data_corrupt", `bitmap of ${bytes.length} bytes does not deserialize: ${(e as Error).message}`);
    }
    return new Bitmap(rb);
  }

  /** New bitmaps holding a AND b, a OR b, a AND NOT b. */
  static and(a: Bitmap, b: Bitmap): Bitmap {
    return new Bitmap(RoaringBitmap32.and(a.live(), b.live()));
  }

  static or(a: Bitmap, b: Bitmap): Bitmap {
    return new Bitmap(RoaringBitmap32.or(a.live(), b.live()));
  }

  static andNot(a: Bitmap, b: Bitmap): Bitmap {
    return new Bitmap(RoaringBitmap32.andNot(a.live(), b.live()));
  }

  /**
   * A new bitmap holding the union of all of `bitmaps`, by pairwise ORs into new bitmaps. Not
   * roaring-wasm's orMany: its lazy union turns containers into bitsets and then recounts them with
   * the slow popcount; nor in-place ORs, slower here for array containers (measured, three sets of
   * up to 250k ids over 10M: orMany 26 ms, clone + in place 2.4 ms, pairwise 1.0 ms).
   */
  static orMany(bitmaps: readonly Bitmap[]): Bitmap {
    if (bitmaps.length === 0) return Bitmap.empty();
    if (bitmaps.length === 1) return bitmaps[0]!.clone();
    let acc = Bitmap.or(bitmaps[0]!, bitmaps[1]!);
    for (let i = 2; i < bitmaps.length; i++) {
      const next = Bitmap.or(acc, bitmaps[i]!);
      acc.dispose();
      acc = next;
    }
    return acc;
  }

  get disposed(): boolean {
    return this.rb === null;
  }

  get size(): number {
    return this.live().size;
  }

  get isEmpty(): boolean {
    return this.live().isEmpty;
  }

  /** The largest id, or -1 when empty. */
  get max(): number {
    const rb = this.live();
    return rb.isEmpty ? -1 : rb.maximum();
  }

  has(id: number): boolean {
    return this.live().has(id);
  }

  add(id: number): void {
    this.alive();
    this.reservePending(1);
    this.pending![this.pendingCount++] = id;
    this.afterAppend(1);
  }

  remove(id: number): void {
    this.live().delete(id);
  }

  /** Adds values[begin, end), in any order (buffered: see the header). */
  addMany(values: Uint32Array, begin = 0, end = values.length): void {
    this.alive();
    const n = end - begin;
    if (n >= DIRECT_ADD_MIN) {
      mergeSorted(this.live(), sortedCopy(values, begin, end));
      return;
    }
    if (n <= 0) return;
    this.reservePending(n);
    this.pending!.set(values.subarray(begin, end), this.pendingCount);
    this.pendingCount += n;
    this.afterAppend(n);
  }

  /** Adds not yet merged. */
  get pendingLength(): number {
    return this.pendingCount;
  }

  /** Merges the pending adds into the bitmap (every read does this first). */
  flush(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    const values = this.pending!.subarray(0, n).sort();
    this.pending = null;
    this.pendingCount = 0;
    pendingTotal -= n;
    dirty.delete(this);
    mergeSorted(this.rb!, values);
  }

  /** Removes values[begin, end) (any order). */
  removeMany(values: Uint32Array, begin = 0, end = values.length): void {
    this.live().removeMany(values.subarray(begin, end));
  }

  andInPlace(other: Bitmap): this {
    this.live().andInPlace(other.live());
    return this;
  }

  orInPlace(other: Bitmap): this {
    this.live().orInPlace(other.live());
    return this;
  }

  andNotInPlace(other: Bitmap): this {
    this.live().andNotInPlace(other.live());
    return this;
  }

  /** |this AND other|, |this OR other|, |this AND NOT other|, without building the result. */
  andSize(other: Bitmap): number {
    return this.live().andCardinality(other.live());
  }

  orSize(other: Bitmap): number {
    return this.live().orCardinality(other.live());
  }

  andNotSize(other: Bitmap): number {
    return this.live().andNotCardinality(other.live());
  }

  intersects(other: Bitmap): boolean {
    return this.live().intersects(other.live());
  }

  equals(other: Bitmap): boolean {
    return this.live().isEqual(other.live());
  }

  /** A new bitmap with the same ids. */
  clone(): Bitmap {
    return new Bitmap(this.live().clone());
  }

  /** Removes every id. */
  clear(): void {
    this.live().clear();
  }

  /** The smallest `limit` ids that are >= `from`, ascending (all of them when limit is omitted). */
  toUint32Array(limit = RANGE_END, from = 0): Uint32Array {
    const rb = this.live();
    const n = Math.min(limit, from === 0 ? rb.size : rb.rangeCardinality(from, RANGE_END));
    return rb.rangeUint32Array(from, RANGE_END, new Uint32Array(n));
  }

  /** The portable Roaring serialization (a plain JS Uint8Array, not WASM memory). */
  serialize(): Uint8Array {
    return this.live().serialize("portable");
  }

  /** Bytes of the CRoaring serialization: close to the memory the containers use. */
  get byteSize(): number {
    return this.live().getSerializationSizeInBytes("croaring");
  }

  /** Converts containers to runs where smaller (worth it for long-lived, rarely changed bitmaps). */
  runOptimize(): void {
    this.live().runOptimize();
    this.live().shrinkToFit();
  }

  /** Frees the WASM memory now. Idempotent; any later use fails an assertion. */
  dispose(): void {
    const rb = this.rb;
    if (rb === null) return;
    if (this.pendingCount > 0) {
      pendingTotal -= this.pendingCount;
      dirty.delete(this);
    }
    this.pending = null;
    this.pendingCount = 0;
    this.rb = null;
    live--;
    rb.dispose();
  }

  /** The roaring bitmap with pending adds merged; asserts the bitmap is not disposed. */
  private live(): RoaringBitmap32 {
    const rb = this.rb;
    assert(rb !== null, "bitmap used after dispose()");
    if (this.pendingCount > 0) this.flush();
    return rb;
  }

  private alive(): void {
    assert(this.rb !== null, "bitmap used after dispose()");
  }

  private reservePending(n: number): void {
    const need = this.pendingCount + n;
    if (this.pending !== null && this.pending.length >= need) return;
    const grown = new Uint32Array(Math.max(need, 64, (this.pending?.length ?? 0) * 2));
    if (this.pending !== null) grown.set(this.pending.subarray(0, this.pendingCount));
    this.pending = grown;
  }

  private afterAppend(n: number): void {
    if (this.pendingCount === n) dirty.add(this);
    pendingTotal += n;
    if (pendingTotal > pendingBudget) flushOldest();
  }
}

/** values sorted ascending: a scratch copy when they are not already. */
function sortedCopy(values: Uint32Array, begin: number, end: number): Uint32Array {
  if (isAscending(values, begin, end)) return values.subarray(begin, end);
  if (scratch.length < end - begin) scratch = new Uint32Array(Math.max(end - begin, scratch.length * 2));
  const out = scratch.subarray(0, end - begin);
  out.set(values.subarray(begin, end));
  return out.sort();
}

/**
 * Adds ascending `values` to rb. Into an empty bitmap they go straight in (every insert is an
 * append). Otherwise, when they are dense enough per 65536-id chunk, a bitmap is built from them
 * and OR-ed in (one merge per container, ~20 us for a container of a few thousand ids); else they
 * are inserted one by one (~1 us each into such a container).
 */
function mergeSorted(rb: RoaringBitmap32, values: Uint32Array): void {
  const n = values.length;
  const chunks = (values[n - 1]! >>> 16) - (values[0]! >>> 16) + 1;
  if (rb.isEmpty || n < MERGE_VALUES_PER_CHUNK_MIN * chunks) {
    addChunked(rb, values);
    return;
  }
  const tmp = new RoaringBitmap32();
  try {
    addChunked(tmp, values);
    rb.orInPlace(tmp);
  } finally {
    tmp.dispose();
  }
}

function addChunked(rb: RoaringBitmap32, values: Uint32Array): void {
  // Chunked: roaring-wasm copies a whole typed array into a scratch area of WASM memory, and a
  // view taken before a memory growth would be stale for a later chunk of one huge call.
  for (let i = 0; i < values.length; i += ADD_CHUNK) rb.addMany(values.subarray(i, Math.min(values.length, i + ADD_CHUNK)));
}
