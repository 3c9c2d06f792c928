// Reads of MAPPED chunks (column-chunk.ts) for a ColumnReader: a row's code is the map's entry for the
// row's key code. The map is unpacked once per chunk into a table of final codes and a table of
// validity (mapOf says for which chunk), then rows are a gather through it. When the key chunk is a
// plain FOR chunk without nulls starting at the map's first key (the usual case: session_id), the
// gather reads the key's packed codes in place (packed-kernels.ts); otherwise a reader of the key
// column decodes the key codes first. A sparse selection reads its rows' map entries in place and
// leaves the map packed.

import { Encoding, type ColumnChunk } from "../column/column-chunk.ts";
import { maskOf } from "../column/bit-pack.ts";
import { gatherAt, gatherRange, gatherRangeValid, unpackToU32 } from "../column/packed-kernels.ts";
import { bitmapBytes } from "../column/validity.ts";
import type { ColumnReader } from "./column-reader.ts";
import type { Segment } from "./segment.ts";

/** Unpacks the map of `chunk` into r.mapCodes / r.mapValid unless it is there already. */
export function prepareMap(r: ColumnReader, chunk: ColumnChunk): void {
  if (r.mapOf === chunk) return;
  const count = chunk.keyCount;
  if (r.mapCodes.length < count) {
    // Grown by doubling: maps grow a little from segment to segment.
    const size = Math.max(count, r.mapCodes.length * 2);
    r.mapCodes = new Uint32Array(size); r.mapValid = new Uint8Array(size);
  }
  const codes = r.mapCodes, valid = r.mapValid, base = chunk.base - 1;
  unpackToU32(chunk.packed, chunk.width, 0, count, 0, codes);
  for (let k = 0; k < count; k++) {
    // Integer ops only: a multiply by 0/1 here makes JSC go through doubles (twice as slow).
    const m = codes[k]! | 0, ok = (m | -m) >>> 31;
    valid[k] = ok;
    codes[k] = (base + m) & -ok;
  }
  r.mapOf = chunk;
}

/**
 * A few selected rows read their map entries in place (two packed reads each) rather than unpacking
 * the whole map: a filter that kept 40 rows of a batch would otherwise pay for thousands of entries.
 */
const MAP_READS_PER_ENTRY = 16;

/**
 * Whether the chunk's codes are packed into words (widths other than 0, 8, 16, 32): reads then stay
 * on one typed-array kind (JSC compiles an access seeing several kinds to its slow generic path).
 */
function packedWords(c: ColumnChunk): boolean {
  return c.packed instanceof Uint32Array && c.width !== 32;
}

function mappedAtInPlace(r: ColumnReader, chunk: ColumnChunk, key: ColumnChunk, start: number, n: number, sel: Int32Array, m: number): void {
  const out = r.outFor(n) as Uint32Array, v = r.vector, base = chunk.base - 1;
  const kd = key.packed as Uint32Array, kw = key.width, km = maskOf(kw), md = chunk.packed as Uint32Array, mw = chunk.width, mm = maskOf(mw);
  v.codes = out;
  const bits = chunk.nullCount === 0 ? null : r.builtBits(n);
  v.validity = bits;
  if (bits !== null) bits.fill(0);
  for (let k = 0; k < m; k++) {
    const i = sel[k]!, kb = (start + i) * kw, kx = kb >>> 5, ks = kb & 31;
    const p = ((kd[kx]! >>> ks) | ((kd[kx + 1]! << (31 - ks)) << 1)) & km;
    const mb = p * mw, mx = mb >>> 5, ms = mb & 31;
    const e = ((md[mx]! >>> ms) | ((md[mx + 1]! << (31 - ms)) << 1)) & mm;
    const ok = (e | -e) >>> 31;
    out[i] = (base + e) & -ok;
    if (bits !== null) bits[i >> 3] = bits[i >> 3]! | (ok << (i & 7));
  }
}

/** The key chunk when its packed codes index the map directly (FOR, no nulls, based at keyMin), else null. */
export function directKey(seg: Segment, chunk: ColumnChunk): ColumnChunk | null {
  const key = seg.chunks[chunk.keyColumn]!;
  return key.encoding === Encoding.FOR && key.validity === null && key.base === chunk.keyMin && key.scale === 1 ? key : null;
}

export function loadMapped(r: ColumnReader, seg: Segment, chunk: ColumnChunk, start: number, n: number): void {
  prepareMap(r, chunk);
  const out = r.outFor(n) as Uint32Array, v = r.vector, key = directKey(seg, chunk);
  v.codes = out;
  if (key !== null && chunk.nullCount === 0) {
    v.validity = null;
    gatherRange(key.packed, key.width, start, n, r.mapCodes, out);
    return;
  }
  const bits = r.builtBits(n);
  v.validity = bits;
  if (key !== null) {
    gatherRangeValid(key.packed, key.width, start, n, r.mapCodes, r.mapValid, out, bits);
    return;
  }
  const kr = r.keyReaderFor(chunk);
  kr.load(seg, start, n);
  const keyCodes = kr.vector.codes!, keyValid = kr.vector.validity, keyMin = chunk.keyMin;
  const codes = r.mapCodes, valid = r.mapValid;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const kb = keyValid === null ? 1 : (keyValid[i >> 3]! >> (i & 7)) & 1;
    const k = (keyCodes[i]! - keyMin) & -kb;
    out[i] = codes[k]!;
    b |= (valid[k]! & kb) << (i & 7);
    if ((i & 7) === 7) { bits[i >> 3] = b; b = 0; }
  }
  if ((n & 7) !== 0) bits[n >> 3] = b;
}

/** Rows start + sel[k] (k < m) only; the others are unspecified. */
export function loadMappedAt(r: ColumnReader, seg: Segment, chunk: ColumnChunk, start: number, n: number, sel: Int32Array, m: number): void {
  const key = directKey(seg, chunk);
  if (key !== null && r.mapOf !== chunk && m * MAP_READS_PER_ENTRY < chunk.keyCount && packedWords(key) && packedWords(chunk)) {
    mappedAtInPlace(r, chunk, key, start, n, sel, m);
    return;
  }
  prepareMap(r, chunk);
  const out = r.outFor(n) as Uint32Array, v = r.vector;
  v.codes = out;
  const bits = chunk.nullCount === 0 ? null : r.builtBits(n);
  v.validity = bits;
  if (bits !== null) bits.fill(0);
  if (key !== null) {
    gatherAt(key.packed, key.width, start, sel, m, r.mapCodes, out, bits === null ? null : r.mapValid, bits);
    return;
  }
  const kr = r.keyReaderFor(chunk);
  kr.loadAt(seg, start, n, sel, m);
  const keyCodes = kr.vector.codes!, keyValid = kr.vector.validity, keyMin = chunk.keyMin;
  const codes = r.mapCodes, valid = r.mapValid;
  for (let j = 0; j < m; j++) {
    const i = sel[j]!;
    const kb = keyValid === null ? 1 : (keyValid[i >> 3]! >> (i & 7)) & 1;
    const k = (keyCodes[i]! - keyMin) & -kb;
    out[i] = codes[k]!;
    if (bits !== null) bits[i >> 3] = bits[i >> 3]! | ((valid[k]! & kb) << (i & 7));
  }
}
