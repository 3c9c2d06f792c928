// Table scans: hands out the rows of a table in batches of up to SCAN_BATCH_ROWS, a batch never
// spanning two segments, with one Vector per requested column (vector.ts).
//
// A scan sees the rows present when it started: it snapshots the segment list and their row counts,
// so rows appended while it is paused are not seen, and segments sealed meanwhile read the same
// values from their chunks. With timeMin/timeMax it skips segments whose time-column zone map lies
// outside [timeMin, timeMax); rows of the segments it reads are not filtered (the query engine does).
// The ScanBatch and its vectors are reused: they are valid until the next iteration only.

import { EngineError } from "../core/errors.ts";
import { LIMITS } from "../core/limits.ts";
import type { Vector } from "../column/vector.ts";
import { ColumnReader } from "./column-reader.ts";
import type { TableState } from "./table-state.ts";

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
}

export function newScanStats(): ScanStats {
  return { segmentsScanned: 0, segmentsSkipped: 0, rowsScanned: 0 };
}

/** Validates the options now (an unknown column throws here, not at the first iteration). */
export function scanTable(t: TableState, opts: ScanOptions): Generator<ScanBatch> {
  const readers = opts.columns.map((name) => {
    const c = t.byName.get(name);
    if (c === undefined) throw new EngineError("bad_argument", `table ${t.schema.name} has no column ${name}`);
    return new ColumnReader(t.columns, c);
  });
  return batches(t, opts, readers);
}

function* batches(t: TableState, opts: ScanOptions, readers: ColumnReader[]): Generator<ScanBatch> {
  const segments = t.segments.slice();
  const rows = segments.map((s) => s.rowCount);
  const stats = opts.stats ?? newScanStats();
  const prune = opts.timeMin !== undefined || opts.timeMax !== undefined;
  const lo = opts.timeMin ?? -Infinity, hi = opts.timeMax ?? Infinity;
  const batch: ScanBatch = { rowCount: 0, firstRow: 0, vectors: readers.map((r) => r.vector) };
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
      for (const r of readers) r.load(seg, start, count);
      batch.rowCount = count;
      batch.firstRow = base + start;
      stats.rowsScanned += count;
      yield batch;
    }
  }
}
