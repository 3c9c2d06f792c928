// Which table rows each WAL segment's records produced, so compaction can tell when a segment is no
// longer needed: a mark is taken just before the first record of each segment is applied (live and
// during replay) and holds every table's row index at that point. Segments before a mark whose rows
// are all in Parquet, and out of memory, may be deleted; replay then starts at that mark.
//
// One small entry per WAL segment (64 MB of log each), so this never grows with events.

export interface WalMark {
  readonly lsn: number;
  readonly rows: Readonly<Record<string, number>>;
}

export class WalMarks {
  /** Segment first LSNs whose mark is not taken yet (their first record not applied). */
  private readonly pending: number[] = [];
  private readonly marks: WalMark[] = [];

  constructor(private readonly rowsNow: () => Record<string, number>) {}

  /** A WAL segment now starts at `firstLsn` (the writer created it, or replay found it). */
  segmentStarted(firstLsn: number): void {
    if (this.pending.length === 0 || firstLsn > this.pending[this.pending.length - 1]!) this.pending.push(firstLsn);
  }

  /** Call before applying the record `lsn` to the store. */
  beforeApply(lsn: number): void {
    while (this.pending.length > 0 && this.pending[0]! <= lsn) {
      this.marks.push({ lsn: this.pending.shift()!, rows: this.rowsNow() });
    }
  }

  /** A known starting point: replay begins at `lsn` with these row indexes. */
  seed(mark: WalMark): void {
    if (this.marks.length === 0 || mark.lsn > this.marks[this.marks.length - 1]!.lsn) this.marks.push(mark);
  }

  /**
   * The latest mark at which every table's row index is at most `safeRow(table)`: all rows logged
   * before it are safe to lose from the log. Null when there is none.
   */
  latestSafe(safeRow: (table: string) => number): WalMark | null {
    let best: WalMark | null = null;
    for (const m of this.marks) {
      if (Object.entries(m.rows).every(([t, r]) => r <= safeRow(t))) best = m;
      else break;
    }
    return best;
  }

  /** Forgets marks before `lsn` (their segments are gone). */
  dropBefore(lsn: number): void {
    while (this.marks.length > 1 && this.marks[0]!.lsn < lsn) this.marks.shift();
  }

  get size(): number {
    return this.marks.length;
  }
}
