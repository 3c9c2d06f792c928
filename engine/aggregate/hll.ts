// HyperLogLog: the distinct-count sketch behind Caracal's real-time unique visitors. Fed 64-bit
// hashes (engine/aggregate/hash.ts) as two u32 halves; mergeable, so a rollup keeps one sketch per
// (minute, dimension value) and answers "UV over the last hour" by merging 60 of them.
//
//   P. Flajolet, E. Fusy, O. Gandouet, F. Meunier, "HyperLogLog: the analysis of a near-optimal
//     cardinality estimation algorithm", AofA 2007: m = 2^p registers, register i keeps the largest
//     rank (leading zeros + 1) of the hashes whose first p bits are i.
//   S. Heule, M. Nunkesser, A. Hall, "HyperLogLog in Practice" (HLL++), EDBT 2013: 64-bit hashes (no
//     large-range correction), and a sparse representation at precision p' = 25 for small sets.
//   O. Ertl, "New cardinality estimation algorithms for HyperLogLog sketches", 2017: the improved
//     raw estimator, unbiased over the whole range without empirical bias tables (hll-estimate.ts).
//
// Error: relative standard error 1.04 / sqrt(m) in the dense state (0.81% at the default p = 14,
// 26% at p = 4, 0.2% at p = 18); far less while sparse (linear counting over 2^25 registers).
//
// States: sparse, with its entries (hll-sparse.ts) inline in the object's own fields up to 4, then in
// a sorted Uint32Array (4 bytes a touched register), until it would hold more than sparseMax(p)
// entries; then dense (a Uint8Array of 2^p registers, each <= 65 - p) for good. Sparse or dense is a
// function of the set of hashes seen (merge and add agree), so merging sketches gives register for
// register the sketch fed the union. Merge needs equal precision. Encoding: hll-codec.ts.

import { EngineError } from "../core/errors.ts";
import { decodeHll, encodeHll } from "./hll-codec.ts";
import { estimateRegisters, linearCounting } from "./hll-estimate.ts";
import {
  SPARSE_P, denseIndex, denseRank, entriesIntoRegisters, entryIndex, findEntry, mergeEntries, sparseEntry,
} from "./hll-sparse.ts";

export { estimateRegisters } from "./hll-estimate.ts";

export const HLL_P_MIN = 4;
export const HLL_P_MAX = 18;
export const HLL_P_DEFAULT = 14;
/**
 * The sparse list stops where it would outweigh the dense registers (4 bytes an entry against 1 a
 * register), and at 8192 entries whatever p: a new entry moves on average half the list, and 8192
 * keeps that memmove under 16 KiB (inside L1).
 */
const SPARSE_ENTRIES_CAP = 8192;
const EMPTY = new Uint32Array(0);
/**
 * Entries a sparse sketch keeps in its own fields before it needs a Uint32Array: a typed array costs
 * about 48 bytes of object besides its data, and a rollup's sketches mostly hold a handful of users.
 */
const INLINE = 4;
const scratchA = new Uint32Array(INLINE), scratchB = new Uint32Array(INLINE);
/** Heap bytes of the objects themselves, measured on Bun 1.4.5 (bench/hll.bench.ts prints the check). */
const HLL_OBJECT_BYTES = 80, TYPED_ARRAY_OBJECT_BYTES = 48;

/** Most entries a sparse sketch of precision p holds; one more makes it dense. */
export function sparseMax(p: number): number {
  return Math.min((1 << p) >>> 2, SPARSE_ENTRIES_CAP);
}

export class Hll {
  readonly p: number;
  private count = 0; // sparse entries held, inline or listed; 0 when dense
  private entries: Uint32Array = EMPTY; // listed: sorted entries [0, count), spare capacity after; else EMPTY
  private registers: Uint8Array | null = null; // dense: 2^p registers
  // Inline (sparse, entries === EMPTY): entries [0, count) in e0..e3, in arrival order.
  private e0 = 0;
  private e1 = 0;
  private e2 = 0;
  private e3 = 0;

  constructor(p: number = HLL_P_DEFAULT) {
    if (!Number.isInteger(p) || p < HLL_P_MIN || p > HLL_P_MAX) {
      throw new EngineError("bad_argument", `hll precision ${p} is outside ${HLL_P_MIN}..${HLL_P_MAX}`);
    }
    this.p = p;
  }

  get isSparse(): boolean {
    return this.registers === null;
  }

  /** Approximate heap bytes held: the object, plus its typed array (spare capacity included) if any. */
  get bytes(): number {
    const data = this.registers ?? (this.entries === EMPTY ? null : this.entries);
    return HLL_OBJECT_BYTES + (data === null ? 0 : TYPED_ARRAY_OBJECT_BYTES + data.byteLength);
  }

  /** Adds the 64-bit hash hi:lo. */
  add(lo: number, hi: number): void {
    const regs = this.registers;
    if (regs === null) return this.addSparse(sparseEntry(lo, hi));
    const p = this.p, w = hi << p;
    const rank = w !== 0 ? Math.clz32(w) + 1 : 33 - p + Math.clz32(lo);
    const i = hi >>> (32 - p);
    if (regs[i]! < rank) regs[i] = rank;
  }

  estimate(): number {
    return this.registers !== null ? estimateRegisters(this.registers, this.p) : linearCounting(2 ** SPARSE_P, this.count);
  }

  /** Folds `other` (same precision) into this sketch: afterwards it has seen the union. */
  merge(other: Hll): void {
    if (other.p !== this.p) throw new EngineError("bad_argument", `cannot merge an hll of precision ${other.p} into one of precision ${this.p}`);
    if (other === this) return;
    if (other.registers !== null) {
      if (this.registers === null) this.becomeDense(other.registers.slice());
      else maxInto(this.registers, other.registers);
    } else if (this.registers !== null) {
      entriesIntoRegisters(other.sorted(scratchB), other.count, this.registers, this.p);
    } else {
      const out = new Uint32Array(this.count + other.count);
      this.takeEntries(out, mergeEntries(this.sorted(scratchA), this.count, other.sorted(scratchB), other.count, out));
    }
  }

  /**
   * Raises `registers` (2^p of them, e.g. an accumulator shared by many merges) to cover this sketch,
   * allocating nothing; estimateRegisters(registers, p) then estimates the union.
   */
  mergeInto(registers: Uint8Array): void {
    if (registers.length !== 1 << this.p) {
      throw new EngineError("bad_argument", `hll accumulator of ${registers.length} registers does not fit precision ${this.p} (${1 << this.p})`);
    }
    if (this.registers !== null) maxInto(registers, this.registers);
    else entriesIntoRegisters(this.sorted(scratchA), this.count, registers, this.p);
  }

  clone(): Hll {
    const h = new Hll(this.p);
    h.registers = this.registers === null ? null : this.registers.slice();
    h.entries = this.entries === EMPTY ? EMPTY : this.entries.slice(0, this.count);
    h.count = this.count;
    h.e0 = this.e0; h.e1 = this.e1; h.e2 = this.e2; h.e3 = this.e3;
    return h;
  }

  clear(): void {
    this.entries = EMPTY;
    this.count = 0;
    this.registers = null;
  }

  encode(): Uint8Array {
    return encodeHll({ p: this.p, entries: this.sorted(scratchA), count: this.count, registers: this.registers });
  }

  /** Decodes hll-codec.ts bytes; throws EngineError("data_corrupt") on anything malformed. */
  static decode(bytes: Uint8Array): Hll {
    const s = decodeHll(bytes, sparseMax);
    const h = new Hll(s.p);
    if (s.registers !== null) h.registers = s.registers;
    else h.takeEntries(s.entries!, s.count);
    return h;
  }

  /** The sparse entries in order: the list itself, or the inline ones sorted into `scratch`. */
  private sorted(scratch: Uint32Array): Uint32Array {
    if (this.entries !== EMPTY || this.registers !== null) return this.entries;
    const n = this.count;
    scratch[0] = this.e0; scratch[1] = this.e1; scratch[2] = this.e2; scratch[3] = this.e3;
    for (let i = 1; i < n; i++) {
      const v = scratch[i]!;
      let j = i - 1;
      for (; j >= 0 && scratch[j]! > v; j--) scratch[j + 1] = scratch[j]!;
      scratch[j + 1] = v;
    }
    return scratch;
  }

  /** Adopts sorted entries list[0, n) of a sparse sketch: inline, listed or, past sparseMax, dense. */
  private takeEntries(list: Uint32Array, n: number): void {
    this.entries = EMPTY;
    this.count = n;
    if (n <= INLINE) {
      this.e0 = list[0] ?? 0; this.e1 = list[1] ?? 0; this.e2 = list[2] ?? 0; this.e3 = list[3] ?? 0;
    } else if (n > sparseMax(this.p)) {
      this.entries = list;
      this.becomeDense(new Uint8Array(1 << this.p));
    } else {
      this.entries = n < list.length * 0.75 ? list.slice(0, n) : list;
    }
  }

  private addSparse(e: number): void {
    if (this.entries === EMPTY && this.addInline(e)) return;
    const entries = this.entries, n = this.count;
    const at = findEntry(entries, n, e);
    if (at >= 0) {
      if (entries[at]! < e) entries[at] = e;
      return;
    }
    const p = this.p;
    if (n === sparseMax(p)) {
      this.becomeDense(new Uint8Array(1 << p));
      const regs = this.registers!, i = denseIndex(e, p), rank = denseRank(e, p);
      if (regs[i]! < rank) regs[i] = rank;
      return;
    }
    const pos = -at - 1;
    if (n === entries.length) this.grow();
    this.entries.copyWithin(pos + 1, pos, n);
    this.entries[pos] = e;
    this.count = n + 1;
  }

  /** Adds `e` while inline; when the fields are full, moves them to a list and returns false. */
  private addInline(e: number): boolean {
    const key = entryIndex(e), n = this.count;
    if (n > 0 && entryIndex(this.e0) === key) { if (this.e0 < e) this.e0 = e; return true; }
    if (n > 1 && entryIndex(this.e1) === key) { if (this.e1 < e) this.e1 = e; return true; }
    if (n > 2 && entryIndex(this.e2) === key) { if (this.e2 < e) this.e2 = e; return true; }
    if (n > 3 && entryIndex(this.e3) === key) { if (this.e3 < e) this.e3 = e; return true; }
    if (n === INLINE) {
      const list = new Uint32Array(Math.min(sparseMax(this.p), INLINE + (INLINE >> 1)));
      list.set(this.sorted(scratchA));
      this.entries = list;
      return false;
    }
    if (n === 0) this.e0 = e; else if (n === 1) this.e1 = e; else if (n === 2) this.e2 = e; else this.e3 = e;
    this.count = n + 1;
    return true;
  }

  private grow(): void {
    const cap = Math.min(sparseMax(this.p), Math.ceil(this.entries.length * 1.5));
    const entries = new Uint32Array(cap);
    entries.set(this.entries);
    this.entries = entries;
  }

  /** Switches to dense registers `regs` (already holding anything else to keep) plus the entries. */
  private becomeDense(regs: Uint8Array): void {
    entriesIntoRegisters(this.sorted(scratchA), this.count, regs, this.p);
    this.registers = regs;
    this.entries = EMPTY;
    this.count = 0;
  }
}

/** a[i] = max(a[i], b[i]); equal lengths. */
function maxInto(a: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < a.length; i++) {
    const v = b[i]!;
    if (a[i]! < v) a[i] = v;
  }
}
