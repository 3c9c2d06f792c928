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
// States: sparse, its entries (hll-sparse.ts) in the object's own fields up to 4, then in an
// open-addressing set, until it would hold more than sparseMax(p) entries (where the set would
// outweigh the registers); then dense, a Uint8Array of 2^p registers (each <= 65 - p), for good.
// Sparse or dense is a function of the set of hashes seen (merge and add agree), so merging sketches
// gives register for register the sketch fed the union. Merge needs equal precision. Encoding:
// hll-codec.ts.
//
// Estimates are read far more often than a sketch changes once it is past (a rollup query over an
// hour estimates 60 minute cells per series, each a 16 KB scan at p = 14, ~10 us). So a sketch keeps
// its last estimate until a register or entry changes, and a dense one, once estimated, keeps its
// register histogram (C_k, hll-estimate.ts) up to date on every register raise: re-estimating the
// current minute is then O(64 - p), not O(2^p).

import { EngineError } from "../core/errors.ts";
import { decodeHll, encodeHll } from "./hll-codec.ts";
import { estimateHistogram, estimateRegisters, linearCounting, registerHistogram } from "./hll-estimate.ts";
import {
  SPARSE_P, entriesIntoRegisters, entryIndex, raiseRegister, setCapacity, setInsert, sortedEntries, sparseEntry,
} from "./hll-sparse.ts";

export { estimateRegisters } from "./hll-estimate.ts";

export const HLL_P_MIN = 4;
export const HLL_P_MAX = 18;
export const HLL_P_DEFAULT = 14;
const EMPTY = new Uint32Array(0);
/**
 * Entries a sparse sketch keeps in its own fields before it needs a Uint32Array: a typed array costs
 * about 48 bytes of object besides its data, and a rollup's sketches mostly hold a handful of users.
 */
const INLINE = 4;
const scratchA = new Uint32Array(INLINE), scratchB = new Uint32Array(INLINE);
/** Heap bytes of the objects themselves, measured on Bun 1.4.5 (bench/hll.bench.ts prints the check). */
const HLL_OBJECT_BYTES = 80, TYPED_ARRAY_OBJECT_BYTES = 48;

/**
 * Most entries a sparse sketch of precision p holds; one more makes it dense. The set then has 2^p / 4
 * slots of 4 bytes, as many bytes as the dense registers. At p = 4 the inline fields are the limit.
 */
export function sparseMax(p: number): number {
  return p === HLL_P_MIN ? INLINE : 3 << (p - 4);
}

export class Hll {
  readonly p: number;
  private count = 0; // sparse entries held, inline or in the set; 0 when dense
  private entries: Uint32Array = EMPTY; // the set (hll-sparse.ts) once past INLINE entries, else EMPTY
  private registers: Uint8Array | null = null; // dense: 2^p registers
  private est = NaN; // the last estimate, NaN once anything changed since
  private hist: Float64Array | null = null; // dense and estimated once: registers per value, kept current
  // Inline (sparse and entries === EMPTY): entries [0, count) in e0..e3, in arrival order.
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
    return HLL_OBJECT_BYTES + (data === null ? 0 : TYPED_ARRAY_OBJECT_BYTES + data.byteLength) +
      (this.hist === null ? 0 : TYPED_ARRAY_OBJECT_BYTES + this.hist.byteLength);
  }

  /** Adds the 64-bit hash hi:lo. */
  add(lo: number, hi: number): void {
    const regs = this.registers;
    if (regs === null) { this.est = NaN; return this.addEntry(sparseEntry(lo, hi)); }
    const p = this.p, w = hi << p;
    const rank = w !== 0 ? Math.clz32(w) + 1 : 33 - p + Math.clz32(lo);
    const i = hi >>> (32 - p), old = regs[i]!;
    if (old < rank) {
      regs[i] = rank;
      this.est = NaN;
      const h = this.hist;
      if (h !== null) { h[old]!--; h[rank]!++; }
    }
  }

  estimate(): number {
    if (this.est === this.est) return this.est; // not NaN: nothing changed since
    const regs = this.registers;
    if (regs === null) return (this.est = linearCounting(2 ** SPARSE_P, this.count));
    this.hist ??= registerHistogram(regs, this.p);
    return (this.est = estimateHistogram(this.hist, regs.length, 64 - this.p));
  }

  /** Folds `other` (same precision) into this sketch: afterwards it has seen the union. */
  merge(other: Hll): void {
    if (other.p !== this.p) throw new EngineError("bad_argument", `cannot merge an hll of precision ${other.p} into one of precision ${this.p}`);
    if (other === this) return;
    this.est = NaN;
    this.hist = null; // rebuilt at the next estimate
    if (other.registers !== null) {
      if (this.registers === null) this.becomeDense(other.registers.slice());
      else maxInto(this.registers, other.registers);
      return;
    }
    if (this.registers !== null) return other.mergeInto(this.registers);
    // Both sparse: add the other's entries one by one, so the state is the union's whatever the sizes.
    // The set is sized first, at least as large as the other's: entries then never arrive in the slot
    // order of a larger set, which would make linear probing cluster.
    const max = sparseMax(this.p);
    if (this.count + other.count > INLINE && max > INLINE) {
      this.reserve(Math.max(setCapacity(Math.min(this.count + other.count, max)), other.entries.length));
    }
    const list = other.entryList(scratchB);
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e === 0) continue;
      if (this.registers === null) this.addEntry(e);
      else raiseRegister(this.registers, e, this.p);
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
    else { const list = this.entryList(scratchA); entriesIntoRegisters(list, list.length, registers, this.p); }
  }

  clone(): Hll {
    const h = new Hll(this.p);
    h.registers = this.registers === null ? null : this.registers.slice();
    h.entries = this.entries === EMPTY ? EMPTY : this.entries.slice();
    h.count = this.count;
    h.e0 = this.e0; h.e1 = this.e1; h.e2 = this.e2; h.e3 = this.e3;
    return h;
  }

  clear(): void {
    this.entries = EMPTY;
    this.count = 0;
    this.registers = null;
    this.est = NaN;
    this.hist = null;
  }

  encode(): Uint8Array {
    const entries = this.registers === null ? sortedEntries(this.entryList(scratchA), this.count) : null;
    return encodeHll({ p: this.p, entries, count: this.count, registers: this.registers });
  }

  /** Decodes hll-codec.ts bytes; throws EngineError("data_corrupt") on anything malformed. */
  static decode(bytes: Uint8Array): Hll {
    const s = decodeHll(bytes, sparseMax);
    const h = new Hll(s.p);
    if (s.registers !== null) {
      h.registers = s.registers;
      return h;
    }
    if (s.count > INLINE) h.reserve(setCapacity(s.count));
    for (let i = 0; i < s.count; i++) h.addEntry(s.entries![i]!);
    return h;
  }

  /** The sparse entries, zeros to be skipped: the set itself, or the inline ones copied into `scratch`. */
  private entryList(scratch: Uint32Array): Uint32Array {
    if (this.entries !== EMPTY) return this.entries;
    const n = this.count;
    scratch[0] = n > 0 ? this.e0 : 0; scratch[1] = n > 1 ? this.e1 : 0;
    scratch[2] = n > 2 ? this.e2 : 0; scratch[3] = n > 3 ? this.e3 : 0;
    return scratch;
  }

  /** Adds a sparse entry to this sparse sketch; past sparseMax(p) entries it turns dense. */
  private addEntry(e: number): void {
    if (this.entries === EMPTY && this.addInline(e)) return;
    const set = this.entries;
    if (setInsert(set, e) === 0) return;
    const n = ++this.count;
    if (n * 4 <= set.length * 3) return;
    if (n > sparseMax(this.p)) this.becomeDense(new Uint8Array(1 << this.p));
    else this.rehash(set.length * 2);
  }

  /** Adds `e` while inline and returns true; when the fields are full, moves them into a set and returns false. */
  private addInline(e: number): boolean {
    const key = entryIndex(e), n = this.count;
    if (n > 0 && entryIndex(this.e0) === key) { if (this.e0 < e) this.e0 = e; return true; }
    if (n > 1 && entryIndex(this.e1) === key) { if (this.e1 < e) this.e1 = e; return true; }
    if (n > 2 && entryIndex(this.e2) === key) { if (this.e2 < e) this.e2 = e; return true; }
    if (n > 3 && entryIndex(this.e3) === key) { if (this.e3 < e) this.e3 = e; return true; }
    if (n < INLINE) {
      if (n === 0) this.e0 = e; else if (n === 1) this.e1 = e; else if (n === 2) this.e2 = e; else this.e3 = e;
      this.count = n + 1;
      return true;
    }
    if (sparseMax(this.p) > INLINE) {
      this.rehash(setCapacity(INLINE + 1));
      return false;
    }
    this.becomeDense(new Uint8Array(1 << this.p));
    raiseRegister(this.registers!, e, this.p);
    return true;
  }

  /** Makes the set (leaving the inline fields) at least `cap` slots, cap <= 2^p / 4. */
  private reserve(cap: number): void {
    if (this.entries.length < cap) this.rehash(cap);
  }

  /** Moves every entry (inline or in the set) into a new set of `cap` slots. */
  private rehash(cap: number): void {
    const list = this.entryList(scratchA), set = new Uint32Array(cap);
    for (let i = 0; i < list.length; i++) if (list[i] !== 0) setInsert(set, list[i]!);
    this.entries = set;
  }

  /** Switches to dense registers `regs` (already holding anything else to keep) plus the entries. */
  private becomeDense(regs: Uint8Array): void {
    const list = this.entryList(scratchA);
    entriesIntoRegisters(list, list.length, regs, this.p);
    this.registers = regs;
    this.entries = EMPTY;
    this.count = 0;
    this.est = NaN;
    this.hist = null;
  }
}

/** a[i] = max(a[i], b[i]); equal lengths. */
function maxInto(a: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < a.length; i++) {
    const v = b[i]!;
    if (a[i]! < v) a[i] = v;
  }
}
