// Selective reads for a ColumnReader (column-reader.ts): only the rows of a selection vector are
// decoded, by random access into the chunk, so a filter that kept a few rows of a batch does not pay
// for decoding the rest of its columns. FOR and RAW chunks have random access (a row's dense index
// comes from the rank directory and a walk over the validity bytes in between); DELTA and RLE do
// not, and are read whole by the caller. Rows outside the selection hold unspecified values.

import { Encoding, type ColumnChunk } from "../column/column-chunk.ts";
import { unpackIndexed } from "../column/packed-kernels.ts";
import { bitmapBytes, POPCOUNT8, rankAt } from "../column/validity.ts";
import type { ColumnReader } from "./column-reader.ts";
import { setValues } from "./read-chunk.ts";

/** Rows start + sel[k], k < m, of a FOR or RAW chunk; false (nothing done) for other chunks. */
export function loadChunkAt(r: ColumnReader, chunk: ColumnChunk, start: number, n: number, sel: Int32Array, m: number): boolean {
  const enc = chunk.encoding;
  if (enc !== Encoding.FOR && enc !== Encoding.RAW) return false;
  const out = r.outFor(n);
  if (!(out instanceof Float64Array) && !(out instanceof Uint32Array)) return false;
  setValues(r, out);
  const v = r.vector, validity = chunk.validity, idx = r.tmp;
  if (validity === null) {
    v.validity = null;
    for (let k = 0; k < m; k++) idx[k] = start + sel[k]!;
  } else {
    v.validity = validity.subarray(start >> 3, bitmapBytes(start + n));
    denseIndexes(validity, chunk.rank!, start, sel, m, idx);
  }
  if (enc === Encoding.RAW) {
    const f64 = chunk.f64!;
    for (let k = 0; k < m; k++) out[sel[k]!] = f64[idx[k]!]!;
    return true;
  }
  unpackIndexed(chunk.packed, chunk.width, idx, m);
  const base = chunk.base, scale = chunk.scale;
  if (out instanceof Uint32Array) {
    for (let k = 0; k < m; k++) out[sel[k]!] = base + idx[k]!;
    if (validity !== null) maskNulls(validity, start, sel, m, out);
  } else if (scale === 1) {
    for (let k = 0; k < m; k++) out[sel[k]!] = base + idx[k]!;
  } else {
    for (let k = 0; k < m; k++) out[sel[k]!] = (base + idx[k]!) / scale;
  }
  return true;
}

/**
 * idx[k] = dense index of row start + sel[k] (sel ascending); 0 for a null row, whose value is then
 * read from a valid position and ignored. One pass over the validity bytes the selection spans.
 */
export function denseIndexes(validity: Uint8Array, rank: Uint32Array, start: number, sel: Int32Array, m: number, idx: Uint32Array): void {
  let d = rankAt(validity, rank, start), byte = start >> 3;
  for (let k = 0; k < m; k++) {
    const row = start + sel[k]!, rb = row >> 3, bit = row & 7;
    while (byte < rb) d += POPCOUNT8[validity[byte++]!]!;
    const bits = validity[rb]!;
    idx[k] = (d + POPCOUNT8[bits & ((1 << bit) - 1)]!) & -((bits >> bit) & 1);
  }
}

/** Codes of null rows are 0, as whole-batch reads leave them. */
function maskNulls(validity: Uint8Array, start: number, sel: Int32Array, m: number, out: Uint32Array): void {
  for (let k = 0; k < m; k++) {
    const i = sel[k]!, row = start + i;
    out[i] = out[i]! & -((validity[row >> 3]! >> (row & 7)) & 1);
  }
}
