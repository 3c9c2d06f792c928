// Back-pressure on memory: the store keeps compacted rows in memory up to its budget
// (storage.hot_memory_bytes_max) and evicts past it, but rows not yet compacted cannot leave. When
// ingest outruns compaction so far that the store holds more than HEADROOM times its budget, ingest
// answers 503 overloaded (with Retry-After) until compaction and eviction catch up: the process
// slows its producers down instead of dying of memory. Measured at most every CACHE_MS.

import { EngineError } from "../engine/core/errors.ts";
import type { Catalog } from "../engine/store/catalog.ts";

const CACHE_MS = 200;
const HEADROOM = 1.25;

export class MemoryGuard {
  private bytes = 0;
  private at = -Infinity;
  refusals = 0;

  constructor(private readonly catalog: Catalog, private readonly budgetBytes: number) {}

  storeBytes(): number {
    const now = performance.now();
    if (now - this.at >= CACHE_MS) {
      let sum = 0;
      for (const t of this.catalog.list()) sum += t.memoryBytes();
      this.bytes = sum;
      this.at = now;
    }
    return this.bytes;
  }

  check(): void {
    const bytes = this.storeBytes();
    if (bytes <= this.budgetBytes * HEADROOM) return;
    this.refusals++;
    throw new EngineError("overloaded", `the in-memory store holds ${Math.round(bytes / 1048576)} MiB, over its ${Math.round(this.budgetBytes / 1048576)} MiB budget (storage.hot_memory_bytes_max) while compaction catches up; retry after the Retry-After delay`);
  }
}
