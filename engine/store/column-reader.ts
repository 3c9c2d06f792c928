// Fills one Vector of a scan batch from one column of one segment: views straight into the raw tail
// arrays while the column is unsealed, or a decode of the sealed chunk into scratch owned by this
// reader (allocated once per scan, reused by every batch). A MAPPED chunk is decoded through a
// reader of its key column. Batches start at multiples of 8 rows within their segment, so validity
// bitmaps are handed out as views without realigning bits. Nothing is allocated per row.

import { assert } from "../core/assert.ts";
import { LIMITS } from "../core/limits.ts";
import { ColumnType } from "../core/types.ts";
import { unpackInts } from "../column/bit-pack.ts";
import { decodeDenseF64, decodeDenseU32 } from "../column/chunk-decode.ts";
import { DELTA_BLOCK, Encoding, type ColumnChunk } from "../column/column-chunk.ts";
import { uniqueStringAt } from "../column/unique-strings.ts";
import { bitmapBytes, countValidFrom, rankAt } from "../column/validity.ts";
import { emptyVector, type Vector } from "../column/vector.ts";
import type { Segment } from "./segment.ts";
import type { TailColumn } from "./tail-column.ts";
import type { StoreColumn } from "./table-state.ts";

const B = LIMITS.SCAN_BATCH_ROWS;
const utf8d = new TextDecoder();
const nothing = () => "";

type Out = Float64Array | Int32Array | Uint8Array | Uint32Array;

export class ColumnReader {
  readonly vector: Vector;
  private readonly out: Out | null;
  private readonly denseF64 = new Float64Array(B);
  private readonly denseU32: Uint32Array | null;
  private readonly tmp = new Uint32Array(B + DELTA_BLOCK);
  private readonly denseIndex: Int32Array | null;
  private readonly zeros = new Uint8Array(bitmapBytes(B));
  // MAPPED chunks: a reader of the key column, the map of the last chunk unpacked, built validity.
  private keyReader: ColumnReader | null = null;
  private map = new Uint32Array(0);
  private mapOf: ColumnChunk | null = null;
  private builtValidity: Uint8Array | null = null;
  private readonly col: StoreColumn;

  constructor(private readonly columns: readonly StoreColumn[], private readonly c: number) {
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

  /** Points the vector at rows [start, start + n) of the segment; start is a multiple of 8, n <= B. */
  load(seg: Segment, start: number, n: number): void {
    assert((start & 7) === 0 && n <= B, `scan batch at row ${start} of ${n} rows`);
    const chunk = seg.chunks[this.c]!;
    if (chunk === null) this.loadRaw(seg.raw[this.c]!, start, n);
    else if (this.col.unique) this.loadUnique(chunk, start, n);
    else if (chunk.encoding === Encoding.MAPPED) this.loadMapped(seg, chunk, start, n);
    else this.loadChunk(chunk, start, n);
  }

  /** Bytes of scratch this reader holds (tables count the readers they keep for sealing). */
  scratchBytes(): number {
    return (this.out?.byteLength ?? 0) + this.denseF64.byteLength + (this.denseU32?.byteLength ?? 0) + this.tmp.byteLength +
      (this.denseIndex?.byteLength ?? 0) + this.zeros.byteLength + this.map.byteLength + (this.builtValidity?.byteLength ?? 0) +
      (this.keyReader?.scratchBytes() ?? 0);
  }

  private loadRaw(raw: TailColumn, start: number, n: number): void {
    const v = this.vector, end = start + n;
    v.validity = raw.nullCount === 0 ? null : raw.validity.subarray(start >> 3, bitmapBytes(end));
    if (raw.f64 !== null) v.f64 = raw.f64.subarray(start, end);
    else if (raw.i32 !== null) v.i32 = raw.i32.subarray(start, end);
    else if (raw.u8 !== null) v.u8 = raw.u8.subarray(start, end);
    else if (raw.codes !== null) v.codes = raw.codes.subarray(start, end);
    else {
      // Captures this heap: a later append may replace raw.heap, but never changes bytes already written.
      const heap = raw.heap!, offsets = raw.offsets!;
      v.strings = (i) => utf8d.decode(heap.subarray(offsets[start + i]!, offsets[start + i + 1]!));
    }
  }

  private loadChunk(chunk: ColumnChunk, start: number, n: number): void {
    const out = n === B ? this.out! : this.out!.subarray(0, n);
    const v = this.vector;
    this.setValues(out);
    if (chunk.encoding === Encoding.ALL_NULL) {
      v.validity = this.zeros.subarray(0, bitmapBytes(n));
      out.fill(0);
      return;
    }
    const validity = chunk.validity;
    if (validity === null) {
      v.validity = null;
      if (out instanceof Float64Array) decodeDenseF64(chunk, start, n, out, this.tmp);
      else if (out instanceof Uint32Array) decodeDenseU32(chunk, start, n, out, this.tmp, this.denseF64);
      else { decodeDenseF64(chunk, start, n, this.denseF64, this.tmp); out.set(this.denseF64.subarray(0, n)); }
      return;
    }
    v.validity = validity.subarray(start >> 3, bitmapBytes(start + n));
    const from = rankAt(validity, chunk.rank!, start), count = countValidFrom(validity, start, n);
    if (out instanceof Uint32Array) {
      decodeDenseU32(chunk, from, count, this.denseU32!, this.tmp, this.denseF64);
      scatterU32(this.denseU32!, validity, start, n, out);
    } else if (out instanceof Float64Array) {
      decodeDenseF64(chunk, from, count, this.denseF64, this.tmp);
      scatterF64(this.denseF64, validity, start, n, out);
    } else {
      decodeDenseF64(chunk, from, count, this.denseF64, this.tmp);
      scatterSmall(this.denseF64, validity, start, n, out);
    }
  }

  // Codes come from the key column's codes of the same rows through the chunk's map.
  private loadMapped(seg: Segment, chunk: ColumnChunk, start: number, n: number): void {
    const key = (this.keyReader ??= new ColumnReader(this.columns, chunk.keyColumn));
    key.load(seg, start, n);
    const keyCodes = key.vector.codes!, keyValid = key.vector.validity;
    if (this.mapOf !== chunk) {
      if (this.map.length < chunk.keyCount) this.map = new Uint32Array(chunk.keyCount);
      unpackInts(chunk.packed, chunk.width, 0, chunk.keyCount, this.map);
      this.mapOf = chunk;
    }
    const out = n === B ? (this.out as Uint32Array) : (this.out as Uint32Array).subarray(0, n);
    const map = this.map, keyMin = chunk.keyMin, base = chunk.base - 1, v = this.vector;
    v.codes = out;
    if (chunk.nullCount === 0) {
      v.validity = null;
      for (let i = 0; i < n; i++) out[i] = base + map[keyCodes[i]! - keyMin]!;
      return;
    }
    const valid = (this.builtValidity ??= new Uint8Array(bitmapBytes(B))).subarray(0, bitmapBytes(n));
    valid.fill(0);
    for (let i = 0; i < n; i++) {
      const m = keyValid === null || (keyValid[i >> 3]! & (1 << (i & 7))) !== 0 ? map[keyCodes[i]! - keyMin]! : 0;
      if (m === 0) { out[i] = 0; continue; }
      out[i] = base + m;
      valid[i >> 3] = valid[i >> 3]! | (1 << (i & 7));
    }
    v.validity = valid;
  }

  private loadUnique(chunk: ColumnChunk, start: number, n: number): void {
    const v = this.vector, validity = chunk.validity;
    if (chunk.encoding === Encoding.ALL_NULL) {
      v.validity = this.zeros.subarray(0, bitmapBytes(n));
      v.strings = nothing;
    } else if (validity === null) {
      v.validity = null;
      v.strings = (i) => uniqueStringAt(chunk, start + i);
    } else {
      v.validity = validity.subarray(start >> 3, bitmapBytes(start + n));
      const index = this.denseIndex!;
      let d = rankAt(validity, chunk.rank!, start);
      for (let i = 0; i < n; i++) {
        const r = start + i;
        index[i] = (validity[r >> 3]! & (1 << (r & 7))) !== 0 ? d++ : -1;
      }
      v.strings = (i) => (index[i]! < 0 ? "" : uniqueStringAt(chunk, index[i]!));
    }
  }

  private setValues(out: Out): void {
    const v = this.vector;
    if (out instanceof Float64Array) v.f64 = out;
    else if (out instanceof Int32Array) v.i32 = out;
    else if (out instanceof Uint32Array) v.codes = out;
    else v.u8 = out;
  }
}

/**
 * Spreads dense values over rows [start, start + n): row i takes the next value when valid. Branch
 * free (validity is often near 50/50, where a branch mispredicts constantly): a null row takes the
 * value the next valid row will take, masked to 0 for codes, left as is for floats (unspecified).
 * d <= i always, so every read is in bounds.
 */
function scatterF64(dense: Float64Array, validity: Uint8Array, start: number, n: number, out: Float64Array): void {
  let d = 0;
  for (let i = 0; i < n; i++) {
    const r = start + i;
    out[i] = dense[d]!;
    d += (validity[r >> 3]! >> (r & 7)) & 1;
  }
}

function scatterU32(dense: Uint32Array, validity: Uint8Array, start: number, n: number, out: Uint32Array): void {
  let d = 0;
  for (let i = 0; i < n; i++) {
    const r = start + i;
    const bit = (validity[r >> 3]! >> (r & 7)) & 1;
    out[i] = dense[d]! & -bit;
    d += bit;
  }
}

/** INT32 and BOOL columns (rare): a plain loop, nulls as 0. */
function scatterSmall(dense: Float64Array, validity: Uint8Array, start: number, n: number, out: Int32Array | Uint8Array): void {
  let d = 0;
  for (let i = 0; i < n; i++) {
    const r = start + i;
    out[i] = (validity[r >> 3]! & (1 << (r & 7))) !== 0 ? dense[d++]! : 0;
  }
}
