// Aggregation reads of dictionary codes for a ColumnReader: what GROUP BY and count(DISTINCT) do
// with a code column, fused with decoding it, so no code vector is written and read again.
//
//   codesInto   out[k] = out[k] * mul + code of row sel[k] (nullCode for NULL): group slots of one or
//               more dictionary keys, combined in mixed radix, straight from packed codes (FOR) or
//               through the map of a MAPPED chunk (its key's packed codes, then one table read)
//   markCodes   seen[code] = 1 for the non-null codes of the selected rows, counting the new ones:
//               count(DISTINCT x). Over a MAPPED chunk whose key is packed in place, rows mark their
//               key's entry in a per-chunk table first; only a key seen for the first time in the
//               chunk reads the map, so a session's hundred events cost one map read, not a hundred.
//
// sel null means every row of the batch, in order (no WHERE dropped any): the kernels then stream
// the packed words. Other encodings, sparse selections and raw tails decode the vector (load or
// loadAt) and read it: the same answers, one more pass. Nothing allocates per row or per batch.

import { Encoding, type ColumnChunk } from "../column/column-chunk.ts";
import { maskOf, type PackedData } from "../column/bit-pack.ts";
import { combineI32Kernel, gatherI32Kernel, generated, unpackI32Kernel } from "../column/packed-gen.ts";
import type { Vector } from "../column/vector.ts";
import type { ColumnReader } from "./column-reader.ts";
import { directKey, prepareMap } from "./read-mapped.ts";
import type { Segment } from "./segment.ts";

/** Per-chunk marks of map entries already seen by one count(DISTINCT) (keyed by its `seen` array). */
export interface KeyMarks {
  chunk: ColumnChunk | null;
  marks: Uint8Array;
}

function direct(width: number): boolean {
  return width === 8 || width === 16 || width === 32;
}

/** out[k] = table[p(start + i)] for the batch rows i (all rows when sel is null). */
function gatherInto(data: PackedData | null, width: number, start: number, sel: Int32Array | null, m: number, table: Int32Array, out: Int32Array): void {
  if (data === null || width === 0) { out.fill(table[0]!, 0, m); return; }
  if (sel === null && direct(width)) {
    for (let i = 0; i < m; i++) out[i] = table[data[start + i]!]!;
    return;
  }
  const mask = direct(width) ? -1 : maskOf(width);
  if (sel === null) {
    if (generated(width, start)) { gatherI32Kernel(width)(data as Uint32Array, start, m, table, out); return; }
    let bit = start * width;
    for (let i = 0; i < m; i++, bit += width) {
      const w = bit >>> 5, s = bit & 31;
      out[i] = table[((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask]!;
    }
    return;
  }
  for (let k = 0; k < m; k++) {
    const row = start + sel[k]!, bit = row * width, w = bit >>> 5, s = bit & 31;
    out[k] = table[mask === -1 ? data[row]! : ((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask]!;
  }
}

/** out[k] = base + p(start + i): codes of a FOR chunk without nulls. */
function unpackInto(data: PackedData | null, width: number, start: number, sel: Int32Array | null, m: number, base: number, out: Int32Array): void {
  if (data === null || width === 0) { out.fill(base, 0, m); return; }
  const mask = direct(width) ? -1 : maskOf(width);
  if (sel === null) {
    if (mask === -1) { for (let i = 0; i < m; i++) out[i] = base + data[start + i]!; return; }
    if (generated(width, start)) { unpackI32Kernel(width)(data as Uint32Array, start, m, base, out); return; }
    let bit = start * width;
    for (let i = 0; i < m; i++, bit += width) {
      const w = bit >>> 5, s = bit & 31;
      out[i] = base + (((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask);
    }
    return;
  }
  for (let k = 0; k < m; k++) {
    const row = start + sel[k]!, bit = row * width, w = bit >>> 5, s = bit & 31;
    out[k] = base + (mask === -1 ? data[row]! : ((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask);
  }
}

/**
 * out[k] = out[k] * mul + codes[k]. Integer ops (imul, | 0): a plain multiply makes JSC store
 * doubles into the Int32Array, two to three times slower.
 */
function combine(out: Int32Array, codes: Int32Array, m: number, mul: number): void {
  for (let k = 0; k < m; k++) out[k] = (Math.imul(out[k]!, mul) + codes[k]!) | 0;
}

/** The vector's codes (after load/loadAt) combined into out: out[k] = out[k] * mul + code (NULL: nullCode). */
export function codesFromVector(v: Vector, sel: Int32Array | null, m: number, out: Int32Array, mul: number, nullCode: number): void {
  const codes = v.codes!, valid = v.validity;
  for (let k = 0; k < m; k++) {
    const i = sel === null ? k : sel[k]!;
    const c = valid === null || ((valid[i >> 3]! >> (i & 7)) & 1) === 1 ? codes[i]! : nullCode;
    out[k] = (Math.imul(out[k]!, mul) + c) | 0;
  }
}

/** seen[code] = 1 for the vector's non-null codes at the selected rows; returns how many were new. */
export function markFromVector(v: Vector, sel: Int32Array | null, m: number, seen: Uint8Array): number {
  const codes = v.codes!, valid = v.validity;
  let added = 0;
  for (let k = 0; k < m; k++) {
    const i = sel === null ? k : sel[k]!;
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const c = codes[i]!;
    added += 1 - seen[c]!;
    seen[c] = 1;
  }
  return added;
}

/** The map of a MAPPED chunk as a table of slots: code, or nullCode where the entry is NULL. */
function slotTable(r: ColumnReader, chunk: ColumnChunk, nullCode: number): Int32Array {
  prepareMap(r, chunk);
  return r.slotTable(chunk, nullCode);
}

function loadFor(r: ColumnReader, seg: Segment, start: number, n: number, sel: Int32Array | null, m: number): void {
  if (sel === null || m === n) r.load(seg, start, n);
  else r.loadAt(seg, start, n, sel, m);
}

export function codesInto(
  r: ColumnReader, seg: Segment, start: number, n: number, sel: Int32Array | null, m: number, out: Int32Array, mul: number, nullCode: number,
): void {
  // The first key writes out directly; later keys decode into scratch and combine, or combine as
  // they unpack (FOR without nulls, every row).
  const chunk = seg.chunks[r.c]!;
  if (mul !== 0 && sel === null && chunk !== null && chunk.encoding === Encoding.FOR && chunk.validity === null &&
    generated(chunk.width, start) && !r.holds(seg, start, n)) {
    combineI32Kernel(chunk.width)(chunk.packed as Uint32Array, start, m, chunk.base, mul, out);
    return;
  }
  const into = mul === 0 ? out : r.slotScratch;
  readCodes(r, seg, start, n, sel, m, into, nullCode);
  if (mul !== 0) combine(out, into, m, mul);
}

function readCodes(r: ColumnReader, seg: Segment, start: number, n: number, sel: Int32Array | null, m: number, out: Int32Array, nullCode: number): void {
  const chunk = seg.chunks[r.c]!;
  if (chunk !== null && !r.holds(seg, start, n)) {
    if (chunk.encoding === Encoding.FOR && chunk.validity === null) {
      unpackInto(chunk.packed, chunk.width, start, sel, m, chunk.base, out);
      return;
    }
    if (chunk.encoding === Encoding.CONSTANT && chunk.validity === null) {
      out.fill(chunk.base, 0, m);
      return;
    }
    if (chunk.encoding === Encoding.MAPPED) {
      const key = directKey(seg, chunk);
      if (key !== null) { gatherInto(key.packed, key.width, start, sel, m, slotTable(r, chunk, nullCode), out); return; }
    }
  }
  loadFor(r, seg, start, n, sel, m);
  codesFromVector(r.vector, sel, m, out, 0, nullCode);
}

export function markCodes(r: ColumnReader, seg: Segment, start: number, n: number, sel: Int32Array | null, m: number, seen: Uint8Array): number {
  const chunk = seg.chunks[r.c]!;
  if (chunk !== null && chunk.encoding === Encoding.MAPPED && !r.holds(seg, start, n)) {
    const key = directKey(seg, chunk);
    if (key !== null) return markThroughMap(r, chunk, key, start, sel, m, seen);
  }
  loadFor(r, seg, start, n, sel, m);
  return markFromVector(r.vector, sel, m, seen);
}

function markThroughMap(r: ColumnReader, chunk: ColumnChunk, key: ColumnChunk, start: number, sel: Int32Array | null, m: number, seen: Uint8Array): number {
  prepareMap(r, chunk);
  const km = r.keyMarksFor(seen, chunk), marks = km.marks, codes = r.mapCodes, valid = r.mapValid;
  const data = key.packed, width = key.width;
  let added = 0;
  if (data === null || width === 0) {
    if (m > 0 && marks[0] === 0) { marks[0] = 1; if (valid[0] === 1) { added += 1 - seen[codes[0]!]!; seen[codes[0]!] = 1; } }
    return added;
  }
  const mask = direct(width) ? -1 : maskOf(width);
  for (let k = 0; k < m; k++) {
    const row = start + (sel === null ? k : sel[k]!), bit = row * width, w = bit >>> 5, s = bit & 31;
    const p = mask === -1 ? data[row]! : ((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask;
    if (marks[p] !== 0) continue;
    marks[p] = 1;
    if (valid[p] === 0) continue;
    const c = codes[p]!;
    added += 1 - seen[c]!;
    seen[c] = 1;
  }
  return added;
}
