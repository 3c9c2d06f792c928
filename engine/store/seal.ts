// Seals frozen segments, one column at a time: gathers the column's non-null values, computes its zone
// map (min, max, nullCount), picks the smallest exact encoding (chunk-encode.ts) and swaps the raw
// arrays for the chunk. Appends and queries share one thread, so sealing a whole segment at once would
// stall them; instead each append seals columns within a budget proportional to the rows it added,
// which keeps up with any append rate while bounding the work done in one call to about one column.

import { encodeNumbers } from "../column/chunk-encode.ts";
import { BLOCK_ROWS, chunkBytes, Encoding, makeChunk, type ColumnChunk } from "../column/column-chunk.ts";
import { encodeUnique } from "../column/unique-strings.ts";
import { bitmapBytes, buildRank } from "../column/validity.ts";
import { ColumnType } from "../core/types.ts";
import { tryMapped } from "./seal-mapped.ts";
import type { Segment } from "./segment.ts";
import type { TailColumn } from "./tail-column.ts";
import type { TableState } from "./table-state.ts";

/** Column-rows of sealing work allowed per appended row and column: 2 = twice the rate needed. */
const SEAL_WORK_PER_ROW = 2;

let dense = new Float64Array(0);

/** Seals pending columns of frozen segments: at least one, then until the work covers `rowsAppended`. */
export function sealSome(t: TableState, rowsAppended: number): void {
  const budget = rowsAppended * t.columns.length * SEAL_WORK_PER_ROW;
  let work = 0;
  while (t.firstUnsealed < t.segments.length) {
    const seg = t.segments[t.firstUnsealed]!;
    if (!seg.frozen) return;
    if (seg.sealed) {
      t.firstUnsealed++;
      t.sealReaders.clear();
      continue;
    }
    if (work > 0 && work >= budget) return;
    seg.sealOrder ??= sealOrder(t);
    sealColumn(t, seg, seg.sealOrder[seg.sealedColumns]!);
    work += Math.max(1, seg.rowCount);
  }
}

/** Seals every column of one frozen segment now, on this thread. */
export function sealSegment(t: TableState, seg: Segment): void {
  seg.sealOrder ??= sealOrder(t);
  while (!seg.sealed) sealColumn(t, seg, seg.sealOrder[seg.sealedColumns]!);
  t.sealReaders.clear();
}

/** Freezes the tail (when it holds rows) and seals every pending column. */
export function sealAll(t: TableState): void {
  const last = t.segments[t.segments.length - 1];
  if (last !== undefined && last.rowCount > 0) last.frozen = true;
  sealSome(t, Infinity);
}

/**
 * Dictionary columns first, most distinct values first, then the others: a column can only be MAPPED
 * on a key sealed before it, and keys are the high-cardinality columns (session_id before country).
 * Dictionary sizes only grow and are the same on replay, so the order is deterministic.
 */
export function sealOrder(t: TableState): Int32Array {
  const size = (c: number) => t.columns[c]!.dict?.size ?? -1;
  const order = t.columns.map((_, c) => c).sort((a, b) => size(b) - size(a) || a - b);
  return Int32Array.from(order);
}

export function sealColumn(t: TableState, seg: Segment, c: number): void {
  const col = t.columns[c]!, raw = seg.raw[c]!, rows = seg.rowCount;
  const nullCount = raw.nullCount, nonNull = rows - nullCount;
  const validity = nullCount > 0 && nonNull > 0 ? raw.validity.slice(0, bitmapBytes(rows)) : null;
  const rank = validity === null ? null : buildRank(validity, rows);
  let chunk: ColumnChunk;
  if (col.unique) {
    const p = encodeUnique(raw.heap!, raw.offsets!, raw.validity, rows, nonNull);
    chunk = makeChunk({ ...p, rowCount: rows, nullCount, validity, rank });
  } else {
    gatherDense(raw, rows, nonNull);
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < nonNull; i++) {
      const v = dense[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const integral = col.type !== ColumnType.FLOAT64 && col.type !== ColumnType.TIMESTAMP;
    const p = encodeNumbers(dense, nonNull, integral);
    chunk = makeChunk({ ...p, rowCount: rows, nullCount, min, max, validity, rank });
    if (col.dict !== null) chunk = tryMapped(t, seg, c, raw, chunk, chunkBytes(chunk)) ?? withBlocks(chunk, raw, rows);
    if (c === t.timeIndex) { seg.timeMin = min; seg.timeMax = max; }
  }
  seg.setChunk(c, chunk);
}

/** A code chunk of several blocks gets its per-block zone maps (column-chunk.ts). */
function withBlocks(chunk: ColumnChunk, raw: TailColumn, rows: number): ColumnChunk {
  const e = chunk.encoding;
  if (rows <= BLOCK_ROWS || (e !== Encoding.FOR && e !== Encoding.DELTA && e !== Encoding.RLE)) return chunk;
  const blocks = new Uint32Array(2 * Math.ceil(rows / BLOCK_ROWS));
  const codes = raw.codes!, v = chunk.validity;
  for (let b = 0, from = 0; from < rows; b++, from += BLOCK_ROWS) {
    let min = 0xffff_ffff, max = 0;
    for (let r = from, end = Math.min(rows, from + BLOCK_ROWS); r < end; r++) {
      if (v !== null && (v[r >> 3]! & (1 << (r & 7))) === 0) continue;
      const x = codes[r]!;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    blocks[2 * b] = min;
    blocks[2 * b + 1] = max;
  }
  return { ...chunk, blocks };
}

/** Copies the non-null values of rows [0, rows) into `dense`, as float64 (exact for every type). */
function gatherDense(raw: TailColumn, rows: number, nonNull: number): void {
  if (dense.length < nonNull) dense = new Float64Array(Math.max(nonNull, 1024));
  const src = raw.f64 ?? raw.i32 ?? raw.u8 ?? raw.codes!;
  if (nonNull === rows) {
    dense.set(src.subarray(0, rows));
    return;
  }
  const v = raw.validity;
  let d = 0;
  for (let r = 0; r < rows; r++) if ((v[r >> 3]! & (1 << (r & 7))) !== 0) dense[d++] = src[r]!;
}
