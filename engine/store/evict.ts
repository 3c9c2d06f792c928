// Letting rows leave memory once Parquet holds them (storage/parquet/compactor.ts decides when):
// whole leading segments go, never part of one, and only sealed ones, so a scan that snapshotted the
// segment list keeps reading the chunks it holds while new scans start at the new rowBase.

import { EngineError } from "../core/errors.ts";
import type { TableState } from "./table-state.ts";

/** Recovery: the table's first row index, before anything is appended (rows below live in Parquet). */
export function startAtRow(t: TableState, row: number): void {
  if (t.segments.length > 0 || t.rowCount !== t.rowBase) throw new EngineError("internal", `table ${t.schema.name}: startAtRow after rows were appended`);
  if (!Number.isSafeInteger(row) || row < 0) throw new EngineError("internal", `table ${t.schema.name}: row index ${row} is not a non-negative integer`);
  t.rowBase = t.rowCount = row;
}

/** Row index one past the last row of the leading run of fully sealed segments. */
export function sealedRowEnd(t: TableState): number {
  let end = t.rowBase;
  for (let s = 0; s < t.firstUnsealed; s++) end += t.segments[s]!.rowCount;
  return end;
}

/**
 * Drops leading sealed segments that end at or before `row` and for which `evictable(timeMax, bytes)`
 * says yes; stops at the first that stays (rows leave in order). Returns the rows dropped.
 */
export function evictBefore(t: TableState, row: number, evictable: (timeMax: number, bytes: number) => boolean): number {
  let dropped = 0, n = 0;
  while (n < t.firstUnsealed) {
    const seg = t.segments[n]!;
    if (t.rowBase + dropped + seg.rowCount > row) break;
    let bytes = 0;
    for (let c = 0; c < t.columns.length; c++) bytes += seg.columnBytes(c);
    if (!evictable(seg.timeMax, bytes)) break;
    dropped += seg.rowCount;
    n++;
  }
  if (n === 0) return 0;
  t.segments.splice(0, n);
  t.firstUnsealed -= n;
  t.rowBase += dropped;
  return dropped;
}
