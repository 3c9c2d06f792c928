// Drives the scan: batches -> WHERE refiners -> sink, checking the deadline between batches.
//
// Late materialization, per batch: the scan is lazy (store/scan.ts), so nothing is decoded until
// asked. The WHERE refiners load their own columns for the rows still selected, or test dictionary
// codes inside the store without loading them (filter.ts); then the columns the sink reads are
// loaded for the surviving rows only, and not at all for a batch where none survived. A point filter
// (user_id = ...) thus decodes the other columns only where it matched, and a selective one
// (type = 'purchase') decodes them only at the rows it kept.

import { EngineError } from "../../core/errors.ts";
import { assert } from "../../core/assert.ts";
import type { ScanStats, Table } from "../../store/table.ts";
import type { RowEnv } from "../row-env.ts";
import type { Refine } from "./filter.ts";
import type { Sink } from "./sink.ts";

export interface ScanLoop {
  readonly table: Table;
  /** Columns of the query, in slot order. */
  readonly columns: readonly string[];
  /** Slots the sink reads for every row it is given (filter-only columns are loaded by their refiners). */
  readonly sinkColumns: readonly number[];
  readonly lo: number;
  readonly hi: number;
  readonly env: RowEnv;
  readonly refiners: readonly Refine[];
  readonly sink: Sink;
  readonly batchRows: number;
  readonly deadline: number;
  readonly stats: ScanStats;
}

export function runScan(s: ScanLoop): void {
  const started = performance.now(), scannedBefore = s.stats.rowsScanned;
  const sel = new Int32Array(s.batchRows), ident = Int32Array.from({ length: s.batchRows }, (_, i) => i);
  const opts = {
    columns: s.columns, stats: s.stats, lazy: true,
    ...(s.lo > -Infinity ? { timeMin: s.lo } : {}), ...(s.hi < Infinity ? { timeMax: s.hi } : {}),
  };
  for (const batch of s.table.scan(opts)) {
    if (performance.now() > s.deadline) {
      throw new EngineError("query_timeout", `query ran past its deadline after ${Math.round(performance.now() - started)} ms (${s.stats.rowsScanned - scannedBefore} rows scanned)`);
    }
    assert(batch.rowCount <= s.batchRows, "scan batch larger than SCAN_BATCH_ROWS");
    s.env.setBatch(batch);
    let n = batch.rowCount;
    // Without WHERE nothing writes the selection: every batch gets the identity as it is (only
    // refiners write selections; sinks and FILTER views read them or copy).
    let rows = ident;
    if (s.refiners.length > 0) {
      sel.set(n === ident.length ? ident : ident.subarray(0, n));
      rows = sel;
      for (const r of s.refiners) { if (n === 0) break; n = r(sel, n); }
      if (n === 0) continue;
    }
    for (const c of s.sinkColumns) s.env.need(c, rows, n);
    if (!s.sink.consume(rows, n)) return;
  }
}
