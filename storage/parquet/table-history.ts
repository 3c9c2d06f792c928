// What a table's Parquet history looks like to readers (the DuckDB views, the native engine's
// routing): which files hold the compacted rows and which row indexes and times they cover.
// Compaction (storage/parquet/compactor.ts) is the only writer; readers take a snapshot per query.
//
// Invariant: the files hold exactly table rows [0, compactedRows), each row once, in row order, but
// for the rows of files quarantined after read errors (the manifest's `quarantined` list).

export interface HistoryFile {
  /** Absolute path of the Parquet file. */
  readonly path: string;
  /** First row of the compaction run that wrote the file (its rows are a subset of that run). */
  readonly firstRow: number;
  readonly rowCount: number;
  /** Bounds of the table's time column over the file's rows (ms); NaN-free. */
  readonly timeMin: number;
  readonly timeMax: number;
}

export interface TableHistory {
  /** Bumped whenever the file list changes, so readers can cache views built from it. */
  readonly version: number;
  readonly compactedRows: number;
  readonly files: readonly HistoryFile[];
}

export const EMPTY_HISTORY: TableHistory = { version: 0, compactedRows: 0, files: [] };

/**
 * True when rows that are only in Parquet (below the table's in-memory rowBase) may have time values
 * in [lo, hi): the native engine, which reads memory only, must then leave the query to DuckDB.
 */
export function evictedOverlap(h: TableHistory, rowBase: number, lo: number, hi: number): boolean {
  for (const f of h.files) if (f.firstRow < rowBase && f.timeMax >= lo && f.timeMin < hi) return true;
  return false;
}

/** Where readers find each table's current history; a table never compacted has EMPTY_HISTORY. */
export interface HistorySource {
  history(table: string): TableHistory;
}

export const NO_HISTORY: HistorySource = { history: () => EMPTY_HISTORY };
