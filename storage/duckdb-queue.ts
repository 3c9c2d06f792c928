// One operation at a time on a DuckDB connection: a connection runs one statement, and a statement
// started while another streams would invalidate the first one's result. Waiters are served in
// arrival order; a waiter whose deadline passes leaves the queue with query_timeout, so time spent
// waiting counts against a query's time limit like time spent running.

import { EngineError } from "../engine/core/errors.ts";

interface Waiter {
  readonly grant: () => void;
  timer: ReturnType<typeof setTimeout> | null;
}

export class ConnectionQueue {
  private busy = false;
  private readonly waiters: Waiter[] = [];

  /** Number of operations waiting (not counting the running one). */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Runs `fn` when the connection is free. `deadline` (performance.now() time) bounds the wait only;
   * `limitMs` names the limit in the error message.
   */
  async run<T>(fn: () => Promise<T>, deadline = Infinity, limitMs = Infinity): Promise<T> {
    await this.acquire(deadline, limitMs);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(deadline: number, limitMs: number): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, timer: null };
      if (deadline !== Infinity) {
        waiter.timer = setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new EngineError("query_timeout", `query waited longer than its ${limitMs} ms time limit for the DuckDB connection (busy with other queries)`));
        }, Math.max(0, deadline - performance.now()));
      }
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next === undefined) {
      this.busy = false;
      return;
    }
    if (next.timer !== null) clearTimeout(next.timer);
    next.grant();
  }
}
