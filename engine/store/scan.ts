// Table scans: hands out the rows of a table in batches of up to SCAN_BATCH_ROWS, a batch never
// spanning two segments, with one Vector per requested column (vector.ts).
//
// A scan sees the rows present when it started: it snapshots the segment list and their row counts,
// so rows appended while it is paused are not seen, and segments sealed meanwhile read the same
// values from their chunks. With timeMin/timeMax it skips segments whose time-column zone map lies
// outside [timeMin, timeMax); rows of the segments it reads are not filtered (the query engine does).
// The ScanBatch and its vectors are reused: they are valid until the next iteration only.
//
// A lazy scan (ScanOptions.lazy) fills no vector by itself: the consumer loads the columns it needs
// when it needs them (ScanBatch.load), for the whole batch or only the rows a filter kept, and can
// filter dictionary codes without a vector (ScanBatch.refine): a WHERE reads its columns first and
// the other columns are decoded only where rows survived.

import { EngineError } from "../core/errors.ts";
import { LIMITS } from "../core/limits.ts";
import type { Vector } from "../column/vector.ts";
import { refineVector, type CodePredicate } from "./code-filter.ts";
import { ColumnReader } from "./column-reader.ts";
import { codesFromVector, markFromVector } from "./read-codes.ts";
import { newDenseView, type DenseView } from "./read-dense.ts";
import { flushMarks, markBy, type ViewMarks } from "./read-marks.ts";
import type { Segment } from "./segment.ts";
import type { TableState } from "./table-state.ts";

export { DROP, KEEP, UNKNOWN, type CodePredicate } from "./code-filter.ts";
export type { DenseView } from "./read-dense.ts";
export { newViewMarks, type ViewMarks } from "./read-marks.ts";

export interface ScanOptions {
  readonly columns: readonly string[];
  /** Inclusive lower bound on the time column, used to skip segments. */
  readonly timeMin?: number;
  /** Exclusive upper bound on the time column, used to skip segments. */
  readonly timeMax?: number;
  /**
   * Rows before this table row index are not wanted: segments wholly before it are skipped. The first
   * batch may still start before it (batches start at multiples of 8), so consumers skip rows whose
   * index (batch.firstRow + i) is below it.
   */
  readonly fromRow?: number;
  /** Counters the scan adds to as it goes. */
  readonly stats?: ScanStats;
  /** Vectors are filled only by ScanBatch.load (see above); default false: every vector every batch. */
  readonly lazy?: boolean;
  /**
   * Readers made once by scanReaders() for these columns and reused: a scan builds a reader per
   * column with its scratch arrays (tens of KB each), which a caller scanning a few rows at a time,
   * many times a second (derived-state feeding), should not pay each time. One scan at a time per set.
   */
  readonly readers?: ScanReaders;
}

/** Column readers to reuse across scans of the same columns (ScanOptions.readers). */
export interface ScanReaders {
  readonly columns: readonly string[];
  readonly readers: readonly ColumnReader[];
}

export function scanReaders(t: TableState, columns: readonly string[]): ScanReaders {
  return { columns: [...columns], readers: columns.map((name) => readerOf(t, name)) };
}

function readerOf(t: TableState, name: string): ColumnReader {
  const c = t.byName.get(name);
  if (c === undefined) throw new EngineError("bad_argument", `table ${t.schema.name} has no column ${name}`);
  return new ColumnReader(t.columns, c);
}

export interface ScanStats {
  segmentsScanned: number;
  segmentsSkipped: number;
  rowsScanned: number;
}

export interface ScanBatch {
  rowCount: number;
  /** Table row index of the batch's row 0. */
  firstRow: number;
  /** In the order of ScanOptions.columns. */
  readonly vectors: readonly Vector[];
  /**
   * Lazy scans: fills vectors[j] for the rows sel[0, n) (ascending; null = every row, n = rowCount).
   * Other rows may be left unspecified; returns true when every row was filled anyway. Eager scans
   * filled every vector already: true.
   */
  load(j: number, sel: Int32Array | null, n: number): boolean;
  /**
   * Keeps, in place, the rows sel[0, n) (ascending) whose code in dictionary column j `p` keeps and
   * returns how many: in a lazy scan without loading vectors[j] (see code-filter.ts).
   */
  refine(j: number, p: CodePredicate, sel: Int32Array, n: number): number;
  /**
   * Dictionary column j: out[k] = out[k] * mul + the code of row sel[k] (nullCode for NULL), k < n;
   * sel null = every row in order (n = rowCount). mul = 0 overwrites; several calls combine keys.
   * A lazy scan reads the codes where they lie (read-codes.ts), without loading vectors[j].
   */
  codesInto(j: number, sel: Int32Array | null, n: number, out: Int32Array, mul: number, nullCode: number): void;
  /** Dictionary column j: seen[code] = 1 for the non-null codes of rows sel[0, n) (null = all); returns how many were 0. */
  markCodes(j: number, sel: Int32Array | null, n: number, seen: Uint8Array): number;
  /** FLOAT64/TIMESTAMP column j: its values at rows sel[0, n) (null = all), maybe only the non-null ones (read-dense.ts). */
  dense(j: number, sel: Int32Array | null, n: number): DenseView;
  /**
   * Dictionary columns x, y: each row sel[k] (null = all) marks its non-null code of x in vm's view f
   * for each bit f of viewMask[code of y] (entry `size` = NULL), counting new codes (read-marks.ts).
   * Marks may be held back until flushMarks, which must be called before reading vm.
   */
  markBy(x: number, y: number, sel: Int32Array | null, n: number, viewMask: Uint8Array, vm: ViewMarks): void;
  flushMarks(x: number, vm: ViewMarks): void;
}

export function newScanStats(): ScanStats {
  return { segmentsScanned: 0, segmentsSkipped: 0, rowsScanned: 0 };
}

/** Validates the options now (an unknown column throws here, not at the first iteration). */
export function scanTable(t: TableState, opts: ScanOptions): Generator<ScanBatch> {
  if (opts.readers) {
    if (opts.readers.columns.length !== opts.columns.length || opts.readers.columns.some((c, i) => c !== opts.columns[i])) {
      throw new EngineError("bad_argument", "scan readers were made for other columns");
    }
    for (const r of opts.readers.readers) r.forget();
    return batches(t, opts, opts.readers.readers as ColumnReader[]);
  }
  return batches(t, opts, opts.columns.map((name) => readerOf(t, name)));
}

/** The batch object of one scan: its methods read the segment and rows it currently stands for. */
function makeBatch(readers: ColumnReader[], lazy: boolean) {
  let seg: Segment | null = null, start = 0;
  const batch: ScanBatch = {
    rowCount: 0,
    firstRow: 0,
    vectors: readers.map((r) => r.vector),
    load(j, sel, n) {
      if (!lazy) return true;
      const rows = batch.rowCount;
      if (sel === null || n === rows) { readers[j]!.load(seg!, start, rows); return true; }
      return readers[j]!.loadAt(seg!, start, rows, sel, n);
    },
    refine(j, p, sel, n) {
      return lazy ? readers[j]!.refine(seg!, start, batch.rowCount, p, sel, n) : refineVector(batch.vectors[j]!, p, sel, n);
    },
    codesInto(j, sel, n, out, mul, nullCode) {
      if (lazy) readers[j]!.codesInto(seg!, start, batch.rowCount, sel, n, out, mul, nullCode);
      else codesFromVector(batch.vectors[j]!, sel, n, out, mul, nullCode);
    },
    markCodes(j, sel, n, seen) {
      return lazy ? readers[j]!.markCodes(seg!, start, batch.rowCount, sel, n, seen) : markFromVector(batch.vectors[j]!, sel, n, seen);
    },
    markBy(x, y, sel, n, viewMask, vm) {
      markBy(readers[x]!, readers[y]!, seg!, start, batch.rowCount, sel, n, viewMask, vm);
    },
    flushMarks(x, vm) {
      flushMarks(readers[x]!, vm);
    },
    dense(j, sel, n) {
      if (lazy) return readers[j]!.denseView(seg!, start, batch.rowCount, sel, n);
      const v = batch.vectors[j]!;
      eager.perRow = true; eager.values = v.f64!; eager.validity = v.validity;
      return eager;
    },
  };
  const eager = newDenseView();
  const at = (s: Segment, first: number) => { seg = s; start = first; };
  return { batch, at };
}

function* batches(t: TableState, opts: ScanOptions, readers: ColumnReader[]): Generator<ScanBatch> {
  const segments = t.segments.slice();
  const rows = segments.map((s) => s.rowCount);
  const stats = opts.stats ?? newScanStats();
  const prune = opts.timeMin !== undefined || opts.timeMax !== undefined;
  const lo = opts.timeMin ?? -Infinity, hi = opts.timeMax ?? Infinity;
  const lazy = opts.lazy === true;
  const { batch, at } = makeBatch(readers, lazy);
  const fromRow = opts.fromRow ?? 0;
  let segFirstRow = t.rowBase;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!, n = rows[s]!, base = segFirstRow;
    segFirstRow += n;
    if (n === 0 || base + n <= fromRow) continue;
    // Bounds read now, not at the snapshot: they only widen as rows arrive, so skipping stays safe.
    if (prune && (seg.timeMax < lo || seg.timeMin >= hi)) {
      stats.segmentsSkipped++;
      continue;
    }
    stats.segmentsScanned++;
    const first = fromRow > base ? (fromRow - base) & ~7 : 0;
    for (let start = first; start < n; start += LIMITS.SCAN_BATCH_ROWS) {
      const count = Math.min(LIMITS.SCAN_BATCH_ROWS, n - start);
      at(seg, start);
      if (!lazy) for (const r of readers) r.load(seg, start, count);
      batch.rowCount = count;
      batch.firstRow = base + start;
      stats.rowsScanned += count;
      yield batch;
    }
  }
}
