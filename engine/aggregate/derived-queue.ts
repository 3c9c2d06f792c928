// The live path's feed of derived state: applied WAL records are queued (the rows they brought, as
// the tables' row counts after them, or a control record) and worked through in time-boxed slices
// between requests, in log order, so a lookup never waits behind a 100k-event batch going through
// rollups, audiences and profiles. An ingest answer waits for its record to be reflected
// (whenApplied), so "acknowledged" still means "visible in every derived view".
//
// Consecutive row entries are fed as one (up to the last one's row counts); a control record is
// applied only after every row before it, exactly as replay does, so live and restarted state match.

import type { Catalog } from "../store/catalog.ts";
import type { DerivedState } from "./derived-state.ts";

interface Entry {
  readonly lsn: number;
  readonly targets: ReadonlyMap<string, number> | null;
  readonly control: { readonly target: string; readonly op: string; readonly body: unknown } | null;
}

export class DerivedQueue {
  private readonly entries: Entry[] = [];
  private head = 0;
  private waiters: { lsn: number; resolve: () => void }[] = [];
  /** Longest single pump, ms (a measure of what a lookup may wait). */
  longestPumpMs = 0;

  constructor(private readonly state: DerivedState, private readonly catalog: Catalog) {}

  get pending(): number {
    return this.entries.length - this.head;
  }

  /** Rows applied to the store and queued here that derived state does not reflect yet. */
  backlogRows(): number {
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      const targets = this.entries[i]!.targets;
      if (targets !== null) return this.state.rowsBehind(targets);
    }
    return 0;
  }

  /** The record at `lsn` was applied to the store: its rows are the tables' rows up to now. */
  rows(lsn: number): void {
    const targets = new Map<string, number>();
    for (const t of this.catalog.list()) targets.set(t.schema.name, t.rowCount);
    this.entries.push({ lsn, targets, control: null });
  }

  control(lsn: number, target: string, op: string, body: unknown): void {
    this.entries.push({ lsn, targets: null, control: { target, op, body } });
  }

  /**
   * Works through the queue for about `budgetMs`; returns true when work remains. While a checkpoint
   * is encoding a component in steps (DerivedState.held) it does nothing and returns false: the
   * state's onResume is the caller's cue to pump again.
   */
  pump(budgetMs: number): boolean {
    if (this.state.held) return false;
    const t0 = performance.now(), deadline = t0 + budgetMs;
    while (this.head < this.entries.length) {
      const e = this.entries[this.head]!;
      if (e.control !== null) {
        this.state.control(e.control.target, e.control.op, e.control.body, e.lsn);
        this.head++;
        continue;
      }
      let last = this.head;
      while (last + 1 < this.entries.length && this.entries[last + 1]!.control === null) last++;
      if (!this.state.feedUpTo(this.catalog, this.entries[last]!.targets, deadline)) break;
      for (let i = this.head; i <= last; i++) this.state.applied(this.entries[i]!.lsn);
      this.head = last + 1;
      if (performance.now() > deadline) break;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) { this.entries.splice(0, this.head); this.head = 0; }
    this.wake();
    this.longestPumpMs = Math.max(this.longestPumpMs, performance.now() - t0);
    return this.head < this.entries.length;
  }

  /** Resolves once every record up to `lsn` is reflected. */
  whenApplied(lsn: number): Promise<void> {
    if (lsn < this.state.nextLsn) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ lsn, resolve }));
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const next = this.state.nextLsn, keep: typeof this.waiters = [];
    for (const w of this.waiters) (w.lsn < next ? w.resolve() : keep.push(w));
    this.waiters = keep;
  }
}
