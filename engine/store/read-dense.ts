// Numeric reads for aggregates (sum, avg) that only need the non-null values of a batch with the row
// each belongs to, not a vector of every row. A chunk stores its non-null values back to back
// ("dense", column-chunk.ts), so for a sparse column (revenue: a value on 2% of events) the batch's
// values are a short run of the dense array: decoding that run and walking the validity bits costs
// the values present, where a vector costs every row (decode, then scatter over the rows).
//
//   perRow = true    values[i] is row i's value where validity (null = every row) has bit i
//   perRow = false   values[d] is the value of the d-th row of the batch whose validity bit is set
//
// The view has its own scratch: it never touches the reader's vector, so a column read both ways in
// one batch (sum(x) and min(x)) stays consistent. Valid until the next call on the same reader.

import { decodeDenseF64 } from "../column/chunk-decode.ts";
import { Encoding } from "../column/column-chunk.ts";
import { unpackIndexed } from "../column/packed-kernels.ts";
import { bitmapBytes, countValidFrom, rankAt } from "../column/validity.ts";
import { isSparse, type ColumnReader } from "./column-reader.ts";
import { denseIndexes } from "./read-sparse.ts";
import type { Segment } from "./segment.ts";

export interface DenseView {
  perRow: boolean;
  values: Float64Array;
  validity: Uint8Array | null;
}

export function newDenseView(): DenseView {
  return { perRow: true, values: new Float64Array(0), validity: null };
}

/** The values of a FLOAT64 or TIMESTAMP column at rows sel[0, m) (null: all n rows) of the batch. */
export function denseView(r: ColumnReader, seg: Segment, start: number, n: number, sel: Int32Array | null, m: number): DenseView {
  const view = r.dense, v = r.vector;
  if (r.holds(seg, start, n)) {
    view.perRow = true; view.values = v.f64!; view.validity = v.validity;
    return view;
  }
  const chunk = seg.chunks[r.c]!;
  if (chunk === null) {
    const raw = seg.raw[r.c]!;
    view.perRow = true;
    view.values = raw.f64!.subarray(start, start + n);
    view.validity = raw.nullCount === 0 ? null : raw.validity.subarray(start >> 3, bitmapBytes(start + n));
    return view;
  }
  const out = r.denseScratch;
  if (chunk.encoding === Encoding.ALL_NULL) {
    view.perRow = true; view.values = out; view.validity = r.zeros.subarray(0, bitmapBytes(n));
    return view;
  }
  const validity = chunk.validity;
  view.validity = validity === null ? null : validity.subarray(start >> 3, bitmapBytes(start + n));
  view.values = out;
  if (sel !== null && isSparse(m, n) && (chunk.encoding === Encoding.FOR || chunk.encoding === Encoding.RAW)) {
    // A few rows: random access to their values only.
    view.perRow = true;
    const idx = r.tmp;
    if (validity === null) for (let k = 0; k < m; k++) idx[k] = start + sel[k]!;
    else denseIndexes(validity, chunk.rank!, start, sel, m, idx);
    if (chunk.encoding === Encoding.RAW) {
      const f64 = chunk.f64!;
      for (let k = 0; k < m; k++) out[sel[k]!] = f64[idx[k]!]!;
      return view;
    }
    unpackIndexed(chunk.packed, chunk.width, idx, m);
    const base = chunk.base, scale = chunk.scale;
    for (let k = 0; k < m; k++) out[sel[k]!] = (base + idx[k]!) / scale;
    return view;
  }
  if (validity === null) {
    view.perRow = true;
    decodeDenseF64(chunk, start, n, out, r.tmp);
    return view;
  }
  view.perRow = false;
  decodeDenseF64(chunk, rankAt(validity, chunk.rank!, start), countValidFrom(validity, start, n), out, r.tmp);
  return view;
}
