// Whole-batch reads for a ColumnReader (column-reader.ts): views straight into the raw tail arrays
// while a column is unsealed, or a decode of rows [start, start + n) of a sealed numeric, code or
// unique-string chunk into the reader's scratch. Chunks store only non-null values, so a chunk with
// nulls decodes its dense values and spreads them over the rows by the validity bitmap.

import { decodeDenseF64, decodeDenseU32 } from "../column/chunk-decode.ts";
import { Encoding, type ColumnChunk } from "../column/column-chunk.ts";
import { appendHeapRange, appendUniqueRange, uniqueStringAt } from "../column/unique-strings.ts";
import { bitmapBytes, countValidFrom, rankAt } from "../column/validity.ts";
import type { ColumnReader, Out } from "./column-reader.ts";
import type { StringHeapBuilder } from "../column/string-heap.ts";
import type { TailColumn } from "./tail-column.ts";

const utf8d = new TextDecoder();
const nothing = () => "";
const allNull = (lo: number, hi: number, out: StringHeapBuilder) => { for (let i = lo; i < hi; i++) out.close(out.size, true); };

export function loadRaw(r: ColumnReader, raw: TailColumn, start: number, n: number): void {
  const v = r.vector, end = start + n;
  v.validity = raw.nullCount === 0 ? null : raw.validity.subarray(start >> 3, bitmapBytes(end));
  if (raw.f64 !== null) v.f64 = raw.f64.subarray(start, end);
  else if (raw.i32 !== null) v.i32 = raw.i32.subarray(start, end);
  else if (raw.u8 !== null) v.u8 = raw.u8.subarray(start, end);
  else if (raw.codes !== null) v.codes = raw.codes.subarray(start, end);
  else {
    // Captures this heap: a later append may replace raw.heap, but never changes bytes already written.
    const heap = raw.heap!, offsets = raw.offsets!;
    v.strings = (i) => utf8d.decode(heap.subarray(offsets[start + i]!, offsets[start + i + 1]!));
    const validity = v.validity;
    v.appendUtf8 = (lo, hi, out) => appendHeapRange(heap, offsets, start + lo, start + hi, out, validity, lo);
  }
}

/** Points the vector's value array at `out` (the reader's scratch, cut to the batch). */
export function setValues(r: ColumnReader, out: Out): void {
  const v = r.vector;
  if (out instanceof Float64Array) v.f64 = out;
  else if (out instanceof Int32Array) v.i32 = out;
  else if (out instanceof Uint32Array) v.codes = out;
  else v.u8 = out;
}

export function loadChunk(r: ColumnReader, chunk: ColumnChunk, start: number, n: number): void {
  const out = r.outFor(n);
  const v = r.vector;
  setValues(r, out);
  if (chunk.encoding === Encoding.ALL_NULL) {
    v.validity = r.zeros.subarray(0, bitmapBytes(n));
    out.fill(0);
    return;
  }
  const validity = chunk.validity;
  if (validity === null) {
    v.validity = null;
    if (out instanceof Float64Array) decodeDenseF64(chunk, start, n, out, r.tmp);
    else if (out instanceof Uint32Array) decodeDenseU32(chunk, start, n, out, r.tmp, r.denseF64);
    else { decodeDenseF64(chunk, start, n, r.denseF64, r.tmp); out.set(r.denseF64.subarray(0, n)); }
    return;
  }
  v.validity = validity.subarray(start >> 3, bitmapBytes(start + n));
  const from = rankAt(validity, chunk.rank!, start), count = countValidFrom(validity, start, n);
  if (out instanceof Uint32Array) {
    decodeDenseU32(chunk, from, count, r.denseU32!, r.tmp, r.denseF64);
    scatterU32(r.denseU32!, validity, start, n, out);
  } else if (out instanceof Float64Array) {
    decodeDenseF64(chunk, from, count, r.denseF64, r.tmp);
    scatterF64(r.denseF64, validity, start, n, out);
  } else {
    decodeDenseF64(chunk, from, count, r.denseF64, r.tmp);
    scatterSmall(r.denseF64, validity, start, n, out);
  }
}

export function loadUnique(r: ColumnReader, chunk: ColumnChunk, start: number, n: number): void {
  const v = r.vector, validity = chunk.validity;
  if (chunk.encoding === Encoding.ALL_NULL) {
    v.validity = r.zeros.subarray(0, bitmapBytes(n));
    v.strings = nothing;
    v.appendUtf8 = allNull;
  } else if (validity === null) {
    v.validity = null;
    v.strings = (i) => uniqueStringAt(chunk, start + i);
    v.appendUtf8 = (lo, hi, out) => appendUniqueRange(chunk, start + lo, start + hi, out);
  } else {
    v.validity = validity.subarray(start >> 3, bitmapBytes(start + n));
    const index = r.denseIndex!;
    let d = rankAt(validity, chunk.rank!, start);
    for (let i = 0; i < n; i++) {
      const row = start + i;
      index[i] = (validity[row >> 3]! & (1 << (row & 7))) !== 0 ? d++ : -1;
    }
    v.strings = (i) => (index[i]! < 0 ? "" : uniqueStringAt(chunk, index[i]!));
    // Nulls hold no dense value: each run of valid rows is one dense range.
    v.appendUtf8 = (lo, hi, out) => {
      for (let i = lo; i < hi;) {
        if (index[i]! < 0) { out.close(out.size, true); i++; continue; }
        let j = i + 1;
        while (j < hi && index[j]! >= 0) j++;
        appendUniqueRange(chunk, index[i]!, index[i]! + (j - i), out);
        i = j;
      }
    };
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
    const row = start + i;
    out[i] = dense[d]!;
    d += (validity[row >> 3]! >> (row & 7)) & 1;
  }
}

function scatterU32(dense: Uint32Array, validity: Uint8Array, start: number, n: number, out: Uint32Array): void {
  let d = 0;
  for (let i = 0; i < n; i++) {
    const row = start + i;
    const bit = (validity[row >> 3]! >> (row & 7)) & 1;
    out[i] = dense[d]! & -bit;
    d += bit;
  }
}

/** INT32 and BOOL columns (rare): a plain loop, nulls as 0. */
function scatterSmall(dense: Float64Array, validity: Uint8Array, start: number, n: number, out: Int32Array | Uint8Array): void {
  let d = 0;
  for (let i = 0; i < n; i++) {
    const row = start + i;
    out[i] = (validity[row >> 3]! & (1 << (row & 7))) !== 0 ? dense[d++]! : 0;
  }
}
