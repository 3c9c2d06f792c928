// Appends the kept rows of a decoded batch to a table's tail segment(s): the only writer of tails.
//
// Batch columns are matched to schema columns by name once per batch. A batch string dictionary is
// mapped to global codes either by the caller beforehand (mapDictionaries: ingest does it before
// logging the batch and logs the map, so replay looks nothing up) or here, lazily, once per distinct
// value actually kept (not per row, and never for a value only dropped or null rows use). Per row there is only flat copying over typed arrays: no
// allocation, no strings. A batch larger than the room left in the tail spills into new segments.
// Sealing is not done here (see seal.ts): the table runs it afterwards within a work budget.

import { assert } from "../core/assert.ts";
import type { DecodedBatch, DecodedColumn } from "../core/batch-codec.ts";
import { EngineError } from "../core/errors.ts";
import { COLUMN_TYPE_NAMES, ColumnType } from "../core/types.ts";
import type { StringDictionary } from "../column/string-dictionary.ts";
import { bitmapBytes, countValid } from "../column/validity.ts";
import { Segment } from "./segment.ts";
import type { TailColumn } from "./tail-column.ts";
import type { StoreColumn, TableState } from "./table-state.ts";

const UNMAPPED = 0xffff_ffff;

// Scratch shared by all tables: appends run on one thread and never re-enter.
let selection = new Uint32Array(1024);
let sourceOf = new Int32Array(64);
const codeMaps: Uint32Array[] = [];
/** The map each table column uses for this batch: its scratch in codeMaps, or one the caller gave. */
const activeMaps: Uint32Array[] = [];

/**
 * Batch-dictionary code -> global code, per batch column (null where the column has no global
 * dictionary). Ingest assigns these before logging a batch and logs them with it, so replay appends
 * without looking a single string up (see restoreDictionaries).
 */
export type DictMaps = readonly (Uint32Array | null)[];

/** Maps every value of every batch dictionary to a global code, inserting the new ones in order. */
export function mapDictionaries(t: TableState, batch: DecodedBatch): DictMaps {
  return batch.columns.map((b) => {
    const c = t.byName.get(b.name);
    const dict = c === undefined ? null : t.columns[c]!.dict;
    if (dict === null || b.dictOffsets === null) return null;
    const offsets = b.dictOffsets, heap = b.dictHeap!, n = offsets.length - 1;
    const map = new Uint32Array(n);
    for (let l = 0; l < n; l++) map[l] = dict.codeOfBytes(heap, offsets[l]!, offsets[l + 1]!);
    return map;
  });
}

/** Throws wal_corrupt unless logged `maps` have one entry per batch column, each as long as its dictionary. */
function checkMaps(t: TableState, batch: DecodedBatch, maps: DictMaps): void {
  const bad = (why: string): never => { throw new EngineError("wal_corrupt", `table ${t.schema.name}: logged code maps ${why}`); };
  if (maps.length !== batch.columns.length) bad(`cover ${maps.length} columns, the batch has ${batch.columns.length}`);
  batch.columns.forEach((b, j) => {
    const map = maps[j];
    if (map && (b.dictOffsets === null || map.length !== b.dictOffsets.length - 1)) bad(`for ${b.name} do not match its dictionary`);
  });
}

/**
 * Replay: puts back the values `maps` gave new codes, in order, so every global code means what it
 * meant when the batch was logged (mapDictionaries hands new codes out in batch-dictionary order).
 * Returns false when a new code does not continue the dictionary: a record before this one is
 * missing (quarantined with --wal-skip-corrupt). The caller then stops trusting logged codes for
 * this table and appends by looking strings up, which is always right: codes live only in memory.
 */
export function restoreDictionaries(t: TableState, batch: DecodedBatch, maps: DictMaps): boolean {
  checkMaps(t, batch, maps);
  for (let j = 0; j < batch.columns.length; j++) {
    const b = batch.columns[j]!, map = maps[j];
    const c = t.byName.get(b.name);
    const dict = c === undefined ? null : t.columns[c]!.dict;
    if (!map || dict === null) continue;
    const offsets = b.dictOffsets!, heap = b.dictHeap!;
    for (let l = 0; l < map.length; l++) {
      const g = map[l]!;
      if (g < dict.size) continue;
      if (g !== dict.size || dict.codeOfBytes(heap, offsets[l]!, offsets[l + 1]!) !== g) return false;
    }
  }
  return true;
}

/**
 * Appends the rows whose bit in `drop` is clear (drop null = all rows); returns the rows appended.
 * With `maps` (from mapDictionaries, or logged ones restoreDictionaries accepted), strings are not
 * looked up again.
 */
export function appendBatch(t: TableState, batch: DecodedBatch, drop: Uint8Array | null, maps: DictMaps | null = null): number {
  resolveColumns(t, batch);
  let kept = batch.rowCount;
  let sel: Uint32Array | null = null;
  if (drop !== null) {
    assert(drop.length >= bitmapBytes(batch.rowCount), `drop bitmap of ${drop.length} bytes for ${batch.rowCount} rows`);
    if (selection.length < batch.rowCount) selection = new Uint32Array(batch.rowCount);
    sel = selection;
    kept = 0;
    for (let r = 0; r < batch.rowCount; r++) if ((drop[r >> 3]! & (1 << (r & 7))) === 0) sel[kept++] = r;
  }
  if (kept === 0) return 0;
  // Maps were checked where they came from (restoreDictionaries) or built here (mapDictionaries).
  prepareCodeMaps(t, batch, maps);
  try {
    return appendKept(t, batch, sel, kept);
  } finally {
    // A given map may be a view into a whole WAL segment read at recovery: do not keep it alive.
    activeMaps.length = 0;
  }
}

function appendKept(t: TableState, batch: DecodedBatch, sel: Uint32Array | null, kept: number): number {
  for (let done = 0; done < kept; ) {
    const seg = writableSegment(t);
    const at = seg.rowCount, n = Math.min(seg.capacity - at, kept - done);
    try {
      for (let c = 0; c < t.columns.length; c++) {
        const j = sourceOf[c]!, raw = seg.raw[c]!;
        if (j < 0) appendNulls(raw, at, n);
        else appendColumn(t.columns[c]!, batch.columns[j]!, sel, done, n, raw, at, activeMaps[c]!);
      }
    } catch (e) {
      // A limit hit half-way (dictionary or heap full): leave the tail as it was before these rows,
      // so the next append finds zeroed slots. Rows already appended to earlier segments stay.
      rollback(seg, at);
      throw e;
    }
    updateTimeBounds(seg, seg.raw[t.timeIndex]!, at, n);
    seg.rowCount = at + n;
    t.rowCount += n;
    done += n;
    if (seg.rowCount === seg.capacity) seg.frozen = true;
  }
  return kept;
}

function resolveColumns(t: TableState, batch: DecodedBatch): void {
  if (sourceOf.length < t.columns.length) sourceOf = new Int32Array(t.columns.length);
  sourceOf.fill(-1, 0, t.columns.length);
  for (let j = 0; j < batch.columns.length; j++) {
    const b = batch.columns[j]!;
    const c = t.byName.get(b.name);
    if (c === undefined) { t.ignoredColumns++; continue; }
    const col = t.columns[c]!;
    if (b.type !== col.type) {
      throw new EngineError("internal", `batch column ${b.name} of table ${t.schema.name} is ${COLUMN_TYPE_NAMES[b.type]}, the table's is ${COLUMN_TYPE_NAMES[col.type]}`);
    }
    if (sourceOf[c] !== -1) throw new EngineError("internal", `batch for table ${t.schema.name} holds column ${b.name} twice`);
    sourceOf[c] = j;
  }
}

function prepareCodeMaps(t: TableState, batch: DecodedBatch, maps: DictMaps | null): void {
  while (codeMaps.length < t.columns.length) codeMaps.push(new Uint32Array(0));
  for (let c = 0; c < t.columns.length; c++) {
    const j = sourceOf[c]!;
    if (j < 0 || t.columns[c]!.dict === null) continue;
    const distinct = batch.columns[j]!.dictOffsets!.length - 1;
    const given = maps?.[j];
    if (given) {
      assert(given.length === distinct, `code map of ${given.length} for a dictionary of ${distinct}`);
      activeMaps[c] = given;  // read only: every entry is mapped, so appendCodes never writes to it
      continue;
    }
    if (codeMaps[c]!.length < distinct) codeMaps[c] = new Uint32Array(Math.max(distinct, 256));
    codeMaps[c]!.fill(UNMAPPED, 0, distinct);
    activeMaps[c] = codeMaps[c]!;
  }
}

function writableSegment(t: TableState): Segment {
  const last = t.segments[t.segments.length - 1];
  if (last !== undefined && !last.frozen) return last;
  const seg = new Segment(t.segmentRows, t.columns, t.heapBytesMax);
  t.segments.push(seg);
  return seg;
}

function appendColumn(
  col: StoreColumn, b: DecodedColumn, sel: Uint32Array | null, from: number, n: number, raw: TailColumn, at: number,
  map: Uint32Array,
): void {
  raw.nullCount += copyValidity(b.validity, sel, from, n, raw.validity, at);
  if (col.dict !== null) appendCodes(col.dict, b, sel, from, n, raw.codes!, at, map);
  else if (col.unique) appendUnique(b, sel, from, n, raw, at);
  else if (raw.f64 !== null) copyValues(b.values as Float64Array, sel, from, n, raw.f64, at);
  else if (raw.i32 !== null) copyValues(b.values as Int32Array, sel, from, n, raw.i32, at);
  else copyValues(b.values as Uint8Array, sel, from, n, raw.u8!, at);
}

/** Sets validity bits of rows [at, at + n) and returns how many of them are null. */
function copyValidity(src: Uint8Array | null, sel: Uint32Array | null, from: number, n: number, dst: Uint8Array, at: number): number {
  let nulls = 0;
  for (let k = 0; k < n; k++) {
    const r = sel === null ? from + k : sel[from + k]!;
    if (src !== null && (src[r >> 3]! & (1 << (r & 7))) === 0) { nulls++; continue; }
    const o = at + k;
    dst[o >> 3] = dst[o >> 3]! | (1 << (o & 7));
  }
  return nulls;
}

function copyValues<T extends Float64Array | Int32Array | Uint8Array>(src: T, sel: Uint32Array | null, from: number, n: number, dst: T, at: number): void {
  if (sel === null) { dst.set(src.subarray(from, from + n) as never, at); return; }
  for (let k = 0; k < n; k++) dst[at + k] = src[sel[from + k]!]!;
}

/** Codes of one batch column widened to u32; reused, so appending allocates nothing per batch. */
let wide = new Uint32Array(1024);

function appendCodes(
  dict: StringDictionary, b: DecodedColumn, sel: Uint32Array | null, from: number, n: number, dst: Uint32Array, at: number,
  map: Uint32Array,
): void {
  // Reading u8, u16 and u32 code arrays through one access site makes the loop polymorphic, which
  // JSC runs several times slower (measured on replay): widen first with one native copy.
  const src = b.codes!, heap = b.dictHeap!, offsets = b.dictOffsets!, v = b.validity;
  if (wide.length < src.length) wide = new Uint32Array(src.length * 2);
  const codes = wide;
  codes.set(src);
  if (sel === null && (from & 7) === 0) {
    // The common case (no duplicates dropped, byte-aligned start): skip eight null rows per
    // validity byte, and take eight present rows without a test each.
    for (let k = 0; k < n; k += 8) {
      const bits = v === null ? 0xff : v[(from + k) >> 3]!;
      if (bits === 0) continue;
      const end = Math.min(k + 8, n);
      for (let q = k; q < end; q++) {
        if (bits !== 0xff && (bits & (1 << (q - k))) === 0) continue; // stays code 0
        const local = codes[from + q]!;
        let g = map[local]!;
        if (g === UNMAPPED) g = map[local] = dict.codeOfBytes(heap, offsets[local]!, offsets[local + 1]!);
        dst[at + q] = g;
      }
    }
    return;
  }
  for (let k = 0; k < n; k++) {
    const r = sel === null ? from + k : sel[from + k]!;
    if (v !== null && (v[r >> 3]! & (1 << (r & 7))) === 0) continue; // stays code 0
    const local = codes[r]!;
    let g = map[local]!;
    if (g === UNMAPPED) g = map[local] = dict.codeOfBytes(heap, offsets[local]!, offsets[local + 1]!);
    dst[at + k] = g;
  }
}

function appendUnique(b: DecodedColumn, sel: Uint32Array | null, from: number, n: number, raw: TailColumn, at: number): void {
  const codes = b.codes!, src = b.dictHeap!, offsets = b.dictOffsets!, v = b.validity, out = raw.offsets!;
  let used = out[at]!;
  for (let k = 0; k < n; k++) {
    const r = sel === null ? from + k : sel[from + k]!;
    if (v === null || (v[r >> 3]! & (1 << (r & 7))) !== 0) {
      const local = codes[r]!, s = offsets[local]!, len = offsets[local + 1]! - s;
      const heap = raw.reserveHeap(used, len);
      for (let i = 0; i < len; i++) heap[used + i] = src[s + i]!;
      used += len;
    }
    out[at + k + 1] = used;
  }
}

function appendNulls(raw: TailColumn, at: number, n: number): void {
  raw.nullCount += n;
  if (raw.offsets !== null) raw.offsets.fill(raw.offsets[at]!, at + 1, at + n + 1);
}

function rollback(seg: Segment, at: number): void {
  for (const raw of seg.raw) {
    const v = raw!.validity;
    for (let r = at; r < seg.capacity; r++) v[r >> 3] = v[r >> 3]! & ~(1 << (r & 7));
    raw!.nullCount = at - countValid(v, at);
    raw!.f64?.fill(0, at);
    raw!.i32?.fill(0, at);
    raw!.u8?.fill(0, at);
    raw!.codes?.fill(0, at);
  }
}

function updateTimeBounds(seg: Segment, ts: TailColumn, at: number, n: number): void {
  const v = ts.f64!, valid = ts.validity;
  let lo = seg.timeMin, hi = seg.timeMax;
  for (let r = at; r < at + n; r++) {
    if ((valid[r >> 3]! & (1 << (r & 7))) === 0) continue;
    const x = v[r]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  seg.timeMin = lo;
  seg.timeMax = hi;
}
