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
// States: sparse (a sorted Uint32Array of entries, hll-sparse.ts; 4 bytes a touched register, none
// at all when empty) until it would hold more than sparseMax(p) entries, then dense (a Uint8Array of
// 2^p registers, each <= 65 - p) for good. Which state a sketch is in is a function of the set of
// hashes it has seen (merge and add agree): merging sketches gives register for register the sketch
// fed the union. Merge needs equal precision. Encoding: hll-codec.ts.

import { EngineError } from "../core/errors.ts";
import { decodeHll, encodeHll } from "./hll-codec.ts";
import { estimateRegisters, linearCounting } from "./hll-estimate.ts";
import {
  SPARSE_P, denseIndex, denseRank, entriesIntoRegisters, findEntry, mergeEntries, sparseEntry,
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

/** Most entries a sparse sketch of precision p holds; one more makes it dense. */
export function sparseMax(p: number): number {
  return Math.min((1 << p) >>> 2, SPARSE_ENTRIES_CAP);
}

export class Hll {
  readonly p: number;
  private entries: Uint32Array = EMPTY; // sparse: sorted entries [0, count), spare capacity after
  private count = 0;
  private registers: Uint8Array | null = null; // dense: 2^p registers; entries is then EMPTY

  constructor(p: number = HLL_P_DEFAULT) {
    if (!Number.isInteger(p) || p < HLL_P_MIN || p > HLL_P_MAX) {
      throw new EngineError("bad_argument", `hll precision ${p} is outside ${HLL_P_MIN}..${HLL_P_MAX}`);
    }
    this.p = p;
  }

  get isSparse(): boolean {
    return this.registers === null;
  }

  /** Bytes of the typed arrays held (spare capacity included); the JS objects add a fixed ~100. */
  get bytes(): number {
    return this.registers !== null ? this.registers.byteLength : this.entries.byteLength;
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
      entriesIntoRegisters(other.entries, other.count, this.registers, this.p);
    } else {
      let out = new Uint32Array(this.count + other.count);
      const n = mergeEntries(this.entries, this.count, other.entries, other.count, out);
      if (n > sparseMax(this.p)) {
        this.entries = out;
        this.count = n;
        this.becomeDense(new Uint8Array(1 << this.p));
        return;
      }
      if (n < out.length * 0.75) out = out.slice(0, n);
      this.entries = out;
      this.count = n;
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
    else entriesIntoRegisters(this.entries, this.count, registers, this.p);
  }

  clone(): Hll {
    const h = new Hll(this.p);
    h.registers = this.registers === null ? null : this.registers.slice();
    h.entries = this.count === 0 ? EMPTY : this.entries.slice(0, this.count);
    h.count = this.count;
    return h;
  }

  clear(): void {
    this.entries = EMPTY;
    this.count = 0;
    this.registers = null;
  }

  encode(): Uint8Array {
    return encodeHll({ p: this.p, entries: this.entries, count: this.count, registers: this.registers });
  }

  /** Decodes hll-codec.ts bytes; throws EngineError("data_corrupt") on anything malformed. */
  static decode(bytes: Uint8Array): Hll {
    const s = decodeHll(bytes, sparseMax);
    const h = new Hll(s.p);
    h.registers = s.registers;
    h.entries = s.count === 0 ? EMPTY : s.entries!;
    h.count = s.count;
    return h;
  }

  private addSparse(e: number): void {
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

  private grow(): void {
    const cap = Math.min(sparseMax(this.p), Math.max(4, Math.ceil(this.entries.length * 1.5)));
    const entries = new Uint32Array(cap);
    entries.set(this.entries);
    this.entries = entries;
  }

  /** Switches to dense registers `regs` (already holding anything else to keep) plus the entries. */
  private becomeDense(regs: Uint8Array): void {
    entriesIntoRegisters(this.entries, this.count, regs, this.p);
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
