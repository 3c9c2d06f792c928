// Predicates over a dictionary column's codes, evaluated inside the store so the column need not be
// decoded into a vector first. A CodePredicate is a state table by code (the query engine decides a
// code once: `country IN ('US', 'DE')`, `lower(url) LIKE '%sale%'`); refineCodes keeps the selected
// rows of one scan batch whose code the table keeps. By the chunk's encoding:
//
//   MAPPED    the predicate is decided once per map entry (per key code present in the segment),
//             then rows test their key's code against that table: the mapped column is never
//             materialised, and a segment where no entry is kept drops every row without reading any
//   any       with the predicate's full list of kept codes, a segment whose zone map [min, max]
//             holds none of them drops every row at once, and so does a batch whose block zone map
//             holds none (for MAPPED: the key's block zone map against the kept key codes)
//   FOR       every row of the batch, or a few selected rows, test their packed codes in place
//   others    the codes are decoded and tested (two tight loops beat one fused loop in JSC)
//
// A segment dropped whole this way still has its batches handed out (cheaply: nothing is decoded),
// so batch boundaries and ScanStats stay those of a plain scan.

import { maskOf } from "../column/bit-pack.ts";
import { generated, unpackI32Kernel } from "../column/packed-gen.ts";
import { countValidFrom, rankAt } from "../column/validity.ts";
import { BLOCK_ROWS, Encoding, type ColumnChunk } from "../column/column-chunk.ts";
import { DROP, KEEP, keepAt, keepEqualRange, keepRange, UNKNOWN, unpackToU32, type Resolve } from "../column/packed-kernels.ts";

export { DROP, KEEP, UNKNOWN } from "../column/packed-kernels.ts";
import type { Vector } from "../column/vector.ts";
import { isSparse, type ColumnReader } from "./column-reader.ts";
import { directKey } from "./read-mapped.ts";
import type { Segment } from "./segment.ts";

export interface CodePredicate {
  /** By code; entry `size` (the dictionary's size when made) stands for NULL. UNKNOWN, KEEP or DROP. */
  readonly state: Uint8Array;
  /** Decides an UNKNOWN code (or `size` for NULL), records it in state, returns KEEP or DROP. */
  readonly resolve: Resolve;
  /** Every kept code, ascending, when the whole table is decided up front (= / IN), else null. */
  readonly kept: Uint32Array | null;
}

/** Per map entry k of one MAPPED chunk, at k + 1: KEEP or DROP; at 0, the state of NULL (a null key). */
export interface KeyStates {
  chunk: ColumnChunk | null;
  states: Uint8Array;
  any: boolean;
  /** Smallest and largest key code whose entry is kept (lo > hi when none is). */
  lo: number;
  hi: number;
}

// Block zone bounds of the batch last asked about (blockBounds), kept here to return two numbers.
let blockMin = 0, blockMax = 0;

/** Bounds of the codes in rows [start, start + n) from the chunk's block zone maps (a batch spans at most two blocks). */
function blockBounds(blocks: Uint32Array, start: number, n: number): void {
  const b0 = Math.floor(start / BLOCK_ROWS), b1 = Math.floor((start + n - 1) / BLOCK_ROWS);
  blockMin = blocks[2 * b0]!;
  blockMax = blocks[2 * b0 + 1]!;
  for (let b = b0 + 1; b <= b1; b++) {
    blockMin = Math.min(blockMin, blocks[2 * b]!);
    blockMax = Math.max(blockMax, blocks[2 * b + 1]!);
  }
}

function stateOf(p: CodePredicate, code: number): number {
  const st = p.state[code]!;
  return st === UNKNOWN ? p.resolve(code) : st;
}

/** True when no kept code lies in [min, max] (a binary search over the kept codes). */
function noneIn(kept: Uint32Array, min: number, max: number): boolean {
  let lo = 0, hi = kept.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (kept[mid]! < min) lo = mid + 1; else hi = mid; }
  return lo === kept.length || kept[lo]! > max;
}

/** Keeps in place the rows sel[k] (k < m, ascending) of the batch [start, start + n) whose code is kept. */
export function refineCodes(r: ColumnReader, seg: Segment, start: number, n: number, p: CodePredicate, sel: Int32Array, m: number): number {
  const chunk = seg.chunks[r.c]!;
  if (chunk !== null) {
    const nullSize = p.state.length - 1;
    if (chunk.encoding === Encoding.ALL_NULL) return stateOf(p, nullSize) === KEEP ? m : 0;
    const nullsKept = chunk.nullCount > 0 && stateOf(p, nullSize) === KEEP;
    if (p.kept !== null && !nullsKept) {
      if (noneIn(p.kept, chunk.min, chunk.max)) return 0;
      if (chunk.blocks !== null) { blockBounds(chunk.blocks, start, n); if (noneIn(p.kept, blockMin, blockMax)) return 0; }
    }
    if (chunk.encoding === Encoding.MAPPED && !r.holds(seg, start, n)) return refineMapped(r, seg, chunk, start, n, p, sel, m);
    if (chunk.encoding === Encoding.CONSTANT && chunk.validity === null) return stateOf(p, chunk.base) === KEEP ? m : 0;
    // Test packed codes in place rather than decoding the batch: every row in one fused pass, or a
    // sparse selection by random access.
    if (chunk.encoding === Encoding.FOR && chunk.validity === null && !r.holds(seg, start, n)) {
      if (m === n) {
        // One kept code (col = constant): compare packed values to it, no table read per row.
        if (p.kept !== null && p.kept.length === 1) return keepEqualRange(chunk.packed, chunk.width, start, n, p.kept[0]! - chunk.base, sel);
        return keepRange(chunk.packed, chunk.width, start, n, p.state, chunk.base, p.resolve, sel);
      }
      if (isSparse(m, n)) return keepAt(chunk.packed, chunk.width, start, sel, m, p.state, chunk.base, p.resolve);
    }
  }
  // Decoding the batch and testing the codes takes two tight loops, faster in JSC than one fused loop.
  if (m === n) r.load(seg, start, n);
  else r.loadAt(seg, start, n, sel, m);
  return refineVector(r.vector, p, sel, m, m === n);
}

function refineMapped(r: ColumnReader, seg: Segment, chunk: ColumnChunk, start: number, n: number, p: CodePredicate, sel: Int32Array, m: number): number {
  const ks = keyStates(r, chunk, p), key = directKey(seg, chunk);
  if (!ks.any && (key !== null || ks.states[0] !== KEEP)) return 0;
  const keyBlocks = seg.chunks[chunk.keyColumn]!.blocks;
  if (keyBlocks !== null && ks.states[0] !== KEEP) {
    blockBounds(keyBlocks, start, n);
    if (ks.hi < blockMin || ks.lo > blockMax) return 0;
  }
  if (key !== null && isSparse(m, n)) return keepAt(key.packed, key.width, start, sel, m, ks.states, 1, p.resolve);
  // One kept entry and NULL not kept (a user's only session in the segment): compare the packed key
  // codes to it, no decode and no table read per row.
  if (key !== null && m === n && ks.lo === ks.hi && ks.states[0] !== KEEP) {
    return keepEqualRange(key.packed, key.width, start, n, ks.lo - key.base, sel);
  }
  const keyChunk = seg.chunks[chunk.keyColumn]!;
  if (m === n && keyChunk.encoding === Encoding.FOR && keyChunk.validity !== null && !r.keyReaderFor(chunk).holds(seg, start, n)) {
    return keepNullableKeys(keyChunk, start, n, ks.states, keyChunk.base - chunk.keyMin + 1, sel, r.slotScratch);
  }
  // The key codes, decoded, are tested against the state of their map entry: the mapped codes never
  // are. Branch free: a null key (code 0 in the vector) reads entry 0, the state of NULL.
  const kr = r.keyReaderFor(chunk);
  if (m === n) kr.load(seg, start, n);
  else kr.loadAt(seg, start, n, sel, m);
  const keyCodes = kr.vector.codes!, keyValid = kr.vector.validity, from = 1 - chunk.keyMin, states = ks.states;
  let kept = 0;
  if (m === n) {
    if (keyValid === null) {
      for (let i = 0; i < n; i++) { sel[kept] = i; kept += states[keyCodes[i]! + from]! & 1; }
    } else {
      for (let i = 0; i < n; i++) {
        const kb = (keyValid[i >> 3]! >> (i & 7)) & 1;
        sel[kept] = i;
        kept += states[(keyCodes[i]! + from) & -kb]! & 1;
      }
    }
    return kept;
  }
  for (let j = 0; j < m; j++) {
    const i = sel[j]!;
    const kb = keyValid === null ? 1 : (keyValid[i >> 3]! >> (i & 7)) & 1;
    sel[kept] = i;
    kept += states[(keyCodes[i]! + from) & -kb]! & 1;
  }
  return kept;
}

/**
 * Every row of the batch [start, start + n) of a FOR key chunk with nulls, in one pass over its
 * validity and dense packed codes (no decode, no scatter): a valid row reads states[off + p(d)], d
 * its dense index, a null row states[0]. Keeps the rows whose state is KEEP.
 */
function keepNullableKeys(key: ColumnChunk, start: number, n: number, states: Uint8Array, off: number, sel: Int32Array, scratch: Int32Array): number {
  const validity = key.validity!, data = key.packed, width = key.width, last = key.rowCount - key.nullCount - 1;
  let d = rankAt(validity, key.rank!, start), kept = 0;
  if (data !== null && generated(width, d)) {
    // The batch's dense codes as state indexes first (one generated unpack), then one pass over rows.
    const count = countValidFrom(validity, start, n);
    unpackI32Kernel(width)(data as Uint32Array, d, count, off, scratch);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const row = start + i, b = (validity[row >> 3]! >> (row & 7)) & 1;
      sel[kept] = i;
      // After the last valid row `at` is count: a stale scratch entry, masked to entry 0 like any null.
      kept += states[scratch[at]! & -b]! & 1;
      at += b;
    }
    return kept;
  }
  if (data === null || width === 0) {
    for (let i = 0; i < n; i++) {
      const row = start + i, b = (validity[row >> 3]! >> (row & 7)) & 1;
      sel[kept] = i;
      kept += states[off & -b]! & 1;
    }
    return kept;
  }
  const direct = width === 8 || width === 16 || width === 32, mask = direct ? -1 : maskOf(width);
  for (let i = 0; i < n; i++) {
    const row = start + i, b = (validity[row >> 3]! >> (row & 7)) & 1;
    // d reaches the dense count only after the last valid row: read a valid position then (masked).
    const at = d < last ? d : last, bit = at * width, w = bit >>> 5, s = bit & 31;
    const p = direct ? data[at]! : ((data[w]! >>> s) | ((data[w + 1]! << (31 - s)) << 1)) & mask;
    sel[kept] = i;
    kept += states[(off + p) & -b]! & 1;
    d += b;
  }
  return kept;
}

/** The predicate decided for every map entry of `chunk`, cached per predicate while the chunk lasts. */
function keyStates(r: ColumnReader, chunk: ColumnChunk, p: CodePredicate): KeyStates {
  let ks = r.keyStates.get(p);
  if (ks === undefined) r.keyStates.set(p, (ks = { chunk: null, states: new Uint8Array(0), any: false, lo: 1, hi: 0 }));
  if (ks.chunk === chunk) return ks;
  const count = chunk.keyCount, state = p.state, nullSize = state.length - 1;
  if (ks.states.length < count + 1) ks.states = new Uint8Array(Math.max(count + 1, ks.states.length * 2));
  const states = ks.states, base = chunk.base - 1;
  ks.chunk = chunk;
  const entries = r.mapScratch(count);
  unpackToU32(chunk.packed, chunk.width, 0, count, 0, entries);
  states[0] = stateOf(p, nullSize);
  let lo = count, hi = -1;
  for (let k = 0; k < count; k++) {
    // Entry m: 0 = NULL, else code base + m (integer ops only, no branch on the entry).
    const m = entries[k]! | 0, ok = (m | -m) >> 31;
    const c = ((base + m) & ok) | (nullSize & ~ok);
    let st = state[c]!;
    if (st === UNKNOWN) st = p.resolve(c);
    states[k + 1] = st;
    if (st === KEEP) { if (k < lo) lo = k; hi = k; }
  }
  ks.any = hi >= 0;
  ks.lo = chunk.keyMin + lo;
  ks.hi = chunk.keyMin + hi;
  return ks;
}

/** The rows of a loaded code vector whose code (or NULL) is kept; `all` when sel is every row in order. */
export function refineVector(v: Vector, p: CodePredicate, sel: Int32Array, m: number, all = false): number {
  const codes = v.codes!, valid = v.validity, state = p.state, nullSize = state.length - 1;
  let kept = 0;
  if (all && valid === null) {
    for (let i = 0; i < m; i++) {
      let st = state[codes[i]!]!;
      if (st === UNKNOWN) st = p.resolve(codes[i]!);
      sel[kept] = i;
      kept += st & 1;
    }
    return kept;
  }
  for (let j = 0; j < m; j++) {
    const i = sel[j]!;
    const c = valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0 ? nullSize : codes[i]!;
    let st = state[c]!;
    if (st === UNKNOWN) st = p.resolve(c);
    sel[kept] = i;
    kept += st & 1;
  }
  return kept;
}
