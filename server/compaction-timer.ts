// Runs compaction in the background every interval. A failed pass is logged and retried next time:
// nothing is lost by a late compaction (the WAL still holds every row), only disk and memory grow.
// Compaction reads the store on this thread between requests; each pass writes at most what sealed
// since the last one.

import type { Compactor } from "../storage/parquet/compactor.ts";

export class CompactionTimer {
  private readonly timer: ReturnType<typeof setInterval>;
  failures = 0;
  lastError: string | null = null;

  constructor(private readonly compactor: Compactor, intervalMs: number) {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref?.();
  }

  async tick(): Promise<void> {
    try {
      await this.compactor.run();
      this.lastError = null;
    } catch (e) {
      this.failures++;
      this.lastError = (e as Error).message;
      console.error(`compaction failed (will retry): ${this.lastError}`);
    }
  }

  /** Stops the timer and waits for a pass in flight; no new pass starts (the WAL holds the rest). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.compactor.idle().catch(() => {});
  }
}
