// Fills one Vector of a scan batch from one column of one segment, and owns the scratch that takes:
// typed arrays allocated once per scan and reused by every batch, so nothing is allocated per row.
// This class only dispatches by the column's state and encoding:
//
//   load      every row of the batch: read-chunk.ts (raw views, sealed decodes), read-mapped.ts
//   loadAt    only the rows of a selection: read-sparse.ts / read-mapped.ts where the encoding has
//             random access, else the whole batch
//   refine    a predicate over dictionary codes without a vector: code-filter.ts
//   codesInto / markCodes   group slots and count(DISTINCT) marks from codes in place: read-codes.ts
//   dense     the non-null values of a numeric column for sums, without a vector: read-dense.ts
//
// Batches start at multiples of 8 rows within their segment, so validity bitmaps are handed out as
// views without realigning bits.

import { assert } from "../core/assert.ts";
import { LIMITS } from "../core/limits.ts";
import { ColumnType } from "../core/types.ts";
import { DELTA_BLOCK, Encoding, type ColumnChunk } from "../column/column-chunk.ts";
import { bitmapBytes } from "../column/validity.ts";
import { emptyVector, type Vector } from "../column/vector.ts";
import { refineCodes, type CodePredicate, type KeyStates } from "./code-filter.ts";
import { loadChunk, loadRaw, loadUnique } from "./read-chunk.ts";
import { codesInto, markCodes, type KeyMarks } from "./read-codes.ts";
import { denseView, newDenseView, type DenseView } from "./read-dense.ts";
import { loadMapped, loadMappedAt } from "./read-mapped.ts";
import { loadChunkAt } from "./read-sparse.ts";
import type { Segment } from "./segment.ts";
import type { StoreColumn } from "./table-state.ts";

const B = LIMITS.SCAN_BATCH_ROWS;

/**
 * Random access pays per selected row about three times what a sequential decode pays per row, so a
 * selection reads only its rows when it keeps fewer than 1 / SPARSE_MAX of the batch.
 */
export const SPARSE_MAX = 4;

export function isSparse(m: number, n: number): boolean {
  return m * SPARSE_MAX < n;
}

export type Out = Float64Array | Int32Array | Uint8Array | Uint32Array;

export class ColumnReader {
  readonly vector: Vector;
  readonly col: StoreColumn;
  // Scratch, shared with the read-*.ts functions.
  readonly out: Out | null;
  readonly denseF64 = new Float64Array(B);
  readonly denseU32: Uint32Array | null;
  readonly tmp = new Uint32Array(B + DELTA_BLOCK);
  readonly denseIndex: Int32Array | null;
  readonly zeros = new Uint8Array(bitmapBytes(B));
  // MAPPED chunks: the key column's reader, the map of chunk mapOf unpacked to codes and validity.
  mapOf: ColumnChunk | null = null;
  mapCodes = new Uint32Array(0);
  mapValid = new Uint8Array(0);
  private mapEntries = new Uint32Array(0);
  readonly keyStates = new Map<CodePredicate, KeyStates>();
  private readonly keyReaders = new Map<number, ColumnReader>();
  private built: Uint8Array | null = null;
  // read-dense.ts: its view and value scratch (never the vector's).
  readonly dense: DenseView = newDenseView();
  private denseValues: Float64Array | null = null;
  // read-codes.ts: the map of chunk slotsOf as group slots (NULL = slotsNull); marks per count(DISTINCT).
  private slots = new Int32Array(0);
  private slotCodes: Int32Array | null = null;
  private codesView: Int32Array | null = null;
  private slotsOf: ColumnChunk | null = null;
  private slotsNull = -1;
  private readonly keyMarks = new Map<Uint8Array, KeyMarks>();
  // The batch whose every row the vector holds (load), so loading it again costs nothing.
  private heldSeg: Segment | null = null;
  private heldStart = -1;
  private heldRows = 0;

  constructor(private readonly columns: readonly StoreColumn[], readonly c: number) {
    const col = (this.col = columns[c]!);
    this.vector = emptyVector(col.type, col.dict);
    const t = col.type;
    this.out = col.unique ? null
      : t === ColumnType.FLOAT64 || t === ColumnType.TIMESTAMP ? new Float64Array(B)
      : t === ColumnType.INT32 ? new Int32Array(B)
      : t === ColumnType.BOOL ? new Uint8Array(B)
      : new Uint32Array(B);
    this.denseU32 = col.dict !== null ? new Uint32Array(B) : null;
    this.denseIndex = col.unique ? new Int32Array(B) : null;
  }

  /** Forgets the batch it holds, so a reused reader loads afresh (a new scan over changed segments). */
  forget(): void {
    this.heldSeg = null;
    this.heldStart = -1;
    this.heldRows = 0;
  }

  /** Points the vector at rows [start, start + n) of the segment; start is a multiple of 8, n <= B. */
  load(seg: Segment, start: number, n: number): void {
    assert((start & 7) === 0 && n <= B, `scan batch at row ${start} of ${n} rows`);
    if (this.holds(seg, start, n)) return;
    const chunk = seg.chunks[this.c]!;
    if (chunk === null) loadRaw(this, seg.raw[this.c]!, start, n);
    else if (this.col.unique) loadUnique(this, chunk, start, n);
    else if (chunk.encoding === Encoding.MAPPED) loadMapped(this, seg, chunk, start, n);
    else loadChunk(this, chunk, start, n);
    this.heldSeg = seg; this.heldStart = start; this.heldRows = n;
  }

  /** True when the vector holds every row of this batch already. */
  holds(seg: Segment, start: number, n: number): boolean {
    return this.heldSeg === seg && this.heldStart === start && this.heldRows === n;
  }

  /**
   * Like load, but only rows start + sel[k] (k < m, ascending) need hold their values. Returns true
   * when every row of the batch was loaded anyway (no random access for this chunk).
   */
  loadAt(seg: Segment, start: number, n: number, sel: Int32Array, m: number): boolean {
    assert((start & 7) === 0 && n <= B && m <= n, `scan batch at row ${start} of ${n} rows, ${m} selected`);
    if (this.holds(seg, start, n)) return true;
    const chunk = seg.chunks[this.c]!;
    if (chunk !== null && !this.col.unique && isSparse(m, n)) {
      this.heldSeg = null;
      if (chunk.encoding === Encoding.MAPPED) { loadMappedAt(this, seg, chunk, start, n, sel, m); return false; }
      if (loadChunkAt(this, chunk, start, n, sel, m)) return false;
    }
    this.load(seg, start, n);
    return true;
  }

  /** Keeps, in place, the selected rows whose code `p` keeps (dictionary columns only); returns how many. */
  refine(seg: Segment, start: number, n: number, p: CodePredicate, sel: Int32Array, m: number): number {
    assert(this.col.dict !== null, `code predicate on column ${this.col.def.name}, which has no dictionary`);
    return refineCodes(this, seg, start, n, p, sel, m);
  }

  /** out[k] = out[k] * mul + code of row sel[k] (nullCode for NULL), k < m; sel null = every row (m = n). */
  codesInto(seg: Segment, start: number, n: number, sel: Int32Array | null, m: number, out: Int32Array, mul: number, nullCode: number): void {
    assert(this.col.dict !== null && m <= n && n <= B, `codesInto on column ${this.col.def.name}`);
    codesInto(this, seg, start, n, sel, m, out, mul, nullCode);
  }

  /** seen[code] = 1 for the non-null codes of rows sel[k] (k < m; null = every row); returns how many were new. */
  markCodes(seg: Segment, start: number, n: number, sel: Int32Array | null, m: number, seen: Uint8Array): number {
    assert(this.col.dict !== null && m <= n && n <= B, `markCodes on column ${this.col.def.name}`);
    return markCodes(this, seg, start, n, sel, m, seen);
  }

  /** The values of rows sel[k] (k < m; null = every row) of a FLOAT64/TIMESTAMP column (read-dense.ts). */
  denseView(seg: Segment, start: number, n: number, sel: Int32Array | null, m: number): DenseView {
    assert(this.out instanceof Float64Array && m <= n && n <= B, `dense read of column ${this.col.def.name}`);
    return denseView(this, seg, start, n, sel, m);
  }

  /** Codes of a later GROUP BY key before they are combined into the slots (read-codes.ts). */
  get slotScratch(): Int32Array {
    return (this.slotCodes ??= new Int32Array(B));
  }

  /** Value scratch of dense views. */
  get denseScratch(): Float64Array {
    return (this.denseValues ??= new Float64Array(B));
  }

  /** The unpacked map (prepareMap) of `chunk` as slots: its code, or nullCode for a NULL entry. */
  slotTable(chunk: ColumnChunk, nullCode: number): Int32Array {
    if (chunk.nullCount === 0) {
      // No row is null: entries that read as NULL belong to keys no row holds, so the codes serve
      // as they are (as int32: codes stay below 2^31).
      if (this.codesView === null || this.codesView.buffer !== this.mapCodes.buffer) this.codesView = new Int32Array(this.mapCodes.buffer);
      return this.codesView;
    }
    if (this.slotsOf === chunk && this.slotsNull === nullCode) return this.slots;
    const count = chunk.keyCount, codes = this.mapCodes, valid = this.mapValid;
    if (this.slots.length < count) this.slots = new Int32Array(Math.max(count, this.slots.length * 2));
    const slots = this.slots;
    for (let k = 0; k < count; k++) slots[k] = valid[k] === 1 ? codes[k]! : nullCode;
    this.slotsOf = chunk; this.slotsNull = nullCode;
    return slots;
  }

  /** Marks of the map entries of `chunk` already seen by the count(DISTINCT) that owns `seen`. */
  keyMarksFor(seen: Uint8Array, chunk: ColumnChunk): KeyMarks {
    let km = this.keyMarks.get(seen);
    if (km === undefined) this.keyMarks.set(seen, (km = { chunk: null, marks: new Uint8Array(0) }));
    if (km.chunk !== chunk) {
      if (km.marks.length < chunk.keyCount) km.marks = new Uint8Array(Math.max(chunk.keyCount, km.marks.length * 2));
      else km.marks.fill(0, 0, chunk.keyCount);
      km.chunk = chunk;
    }
    return km;
  }

  /** Scratch for the unpacked entries of a map of `count` entries (code-filter.ts). */
  mapScratch(count: number): Uint32Array {
    if (this.mapEntries.length < count) this.mapEntries = new Uint32Array(Math.max(count, this.mapEntries.length * 2));
    return this.mapEntries;
  }

  /** The scratch value array cut to n rows. */
  outFor(n: number): Out {
    return n === B ? this.out! : this.out!.subarray(0, n);
  }

  /** Scratch validity for n rows (MAPPED chunks build theirs). */
  builtBits(n: number): Uint8Array {
    return (this.built ??= new Uint8Array(bitmapBytes(B))).subarray(0, bitmapBytes(n));
  }

  /** A reader of the key column of a MAPPED chunk (segments may map one column through different keys). */
  keyReaderFor(chunk: ColumnChunk): ColumnReader {
    let r = this.keyReaders.get(chunk.keyColumn);
    if (r === undefined) this.keyReaders.set(chunk.keyColumn, (r = new ColumnReader(this.columns, chunk.keyColumn)));
    return r;
  }

  /** Bytes of scratch this reader holds (tables count the readers they keep for sealing). */
  scratchBytes(): number {
    const arrays = [
      this.out, this.denseF64, this.denseU32, this.tmp, this.denseIndex, this.zeros, this.mapCodes, this.mapValid, this.built,
      this.mapEntries, this.denseValues, this.slots, this.slotCodes,
    ];
    return arrays.reduce((sum, a) => sum + (a?.byteLength ?? 0), 0) + [...this.keyReaders.values()].reduce((sum, r) => sum + r.scratchBytes(), 0);
  }

}
