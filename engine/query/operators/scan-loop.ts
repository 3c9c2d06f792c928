// Drives the scan: batches -> WHERE refiners -> sink, checking the deadline between batches.
//
// Late materialization: when WHERE reads fewer columns than the query, a first pass scans only the
// WHERE columns and keeps the selection of each batch with survivors; a second pass reads all
// columns of just those batches (a scan from the batch's first row, one batch taken), so a point
// filter (user_id = ...) decodes the other columns only where it matched. When the filter keeps
// more than an eighth of the rows, or matches in most batches, the first pass gives up and one
// plain pass runs instead.

import { EngineError } from "../../core/errors.ts";
import { assert } from "../../core/assert.ts";
import type { ScanBatch, ScanStats, Table } from "../../store/table.ts";
import type { RowEnv } from "../row-env.ts";
import type { Refine } from "./filter.ts";
import type { Sink } from "./sink.ts";

export interface ScanLoop {
  readonly table: Table;
  /** Columns of the query, in slot order. */
  readonly columns: readonly string[];
  /** Slots WHERE reads. */
  readonly filterColumns: readonly number[];
  readonly lo: number;
  readonly hi: number;
  readonly env: RowEnv;
  readonly refiners: readonly Refine[];
  readonly sink: Sink;
  readonly batchRows: number;
  readonly deadline: number;
  readonly stats: ScanStats;
  /** Rows the sink needs at most (LIMIT without ORDER BY), else Infinity. */
  readonly rowsWanted: number;
}

const KEEP_MIN_ROWS = 8192;
/** Batches a second-pass scan may read past before starting a new scan is cheaper. */
const SKIP_BATCHES_MAX = 2;

export function runScan(s: ScanLoop): void {
  const started = performance.now(), scannedBefore = s.stats.rowsScanned;
  const checkDeadline = () => {
    if (performance.now() > s.deadline) {
      throw new EngineError("query_timeout", `query ran past its deadline after ${Math.round(performance.now() - started)} ms (${s.stats.rowsScanned - scannedBefore} rows scanned)`);
    }
  };
  const late = s.refiners.length > 0 && s.filterColumns.length < s.columns.length;
  if (!(late && twoPass(s, checkDeadline))) onePass(s, checkDeadline);
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function refine(s: ScanLoop, sel: Int32Array, ident: Int32Array, rowCount: number): number {
  sel.set(rowCount === ident.length ? ident : ident.subarray(0, rowCount));
  let n = rowCount;
  for (const r of s.refiners) { if (n === 0) break; n = r(sel, n); }
  return n;
}

function scanOptions(s: ScanLoop, columns: readonly string[]) {
  return { columns, stats: s.stats, ...(s.lo > -Infinity ? { timeMin: s.lo } : {}), ...(s.hi < Infinity ? { timeMax: s.hi } : {}) };
}

function onePass(s: ScanLoop, checkDeadline: () => void): void {
  const sel = new Int32Array(s.batchRows), ident = identity(s.batchRows);
  for (const batch of s.table.scan(scanOptions(s, s.columns))) {
    checkDeadline();
    assert(batch.rowCount <= s.batchRows, "scan batch larger than SCAN_BATCH_ROWS");
    s.env.setBatch(batch);
    const n = refine(s, sel, ident, batch.rowCount);
    if (n > 0 && !s.sink.consume(sel, n)) return;
  }
}

interface Pick { readonly firstRow: number; readonly rowCount: number; readonly sel: Int32Array }

/** False when the filter turned out not selective: nothing was given to the sink yet. */
function twoPass(s: ScanLoop, checkDeadline: () => void): boolean {
  const sel = new Int32Array(s.batchRows), ident = identity(s.batchRows);
  const picks: Pick[] = [];
  let kept = 0, seen = 0, batches = 0;
  const names = s.filterColumns.map((c) => s.columns[c]!);
  for (const batch of s.table.scan(scanOptions(s, names))) {
    checkDeadline();
    s.env.setBatch(batch, s.filterColumns);
    const n = refine(s, sel, ident, batch.rowCount);
    seen += batch.rowCount;
    batches++;
    if (n > 0) { picks.push({ firstRow: batch.firstRow, rowCount: batch.rowCount, sel: sel.slice(0, n) }); kept += n; }
    if (kept > KEEP_MIN_ROWS && kept * 8 > seen) return false;
    // Matches in most batches: the second pass would decode nearly everything anyway.
    if (picks.length > 16 && picks.length * 2 > batches) return false;
    if (kept >= s.rowsWanted) break;
  }
  // A new scan per picked batch allocates readers for every column, which costs about as much as
  // decoding a couple of batches: nearby picks share one scan, skipping the batches between them.
  let it: Generator<ScanBatch> | null = null;
  let at = -1; // first row of the batch `it` yields next, when known
  for (const p of picks) {
    checkDeadline();
    if (it === null || at < 0 || p.firstRow < at || p.firstRow - at > SKIP_BATCHES_MAX * s.batchRows) {
      it?.return(undefined);
      it = s.table.scan({ columns: s.columns, fromRow: p.firstRow, stats: s.stats });
    }
    let batch = it.next().value;
    while (batch !== undefined && batch.firstRow < p.firstRow) batch = it.next().value;
    assert(batch !== undefined && batch.firstRow === p.firstRow && batch.rowCount === p.rowCount, "second pass batch differs from the first pass");
    at = batch.firstRow + batch.rowCount;
    s.env.setBatch(batch);
    if (!s.sink.consume(p.sel, p.sel.length)) break;
  }
  it?.return(undefined);
  return true;
}
