// Free space of the data directory's file system, read with statfs at most every CACHE_MS (a
// statfs costs a system call; ingest asks once per batch). Ingest refuses batches while the free
// space, less the batch, would fall under the configured minimum, so the WAL never hits ENOSPC in
// the common case and ingest resumes by itself as soon as space is freed.

import { statfsSync } from "node:fs";
import { EngineError } from "../../engine/core/errors.ts";

const CACHE_MS = 100;

export class DiskSpace {
  private freeBytes = Infinity;
  private readAt = -Infinity;
  refusals = 0;

  constructor(private readonly dir: string, readonly minFreeBytes: number, private readonly statfs: (dir: string) => { bavail: number; bsize: number } = statfsSync) {}

  /** Bytes available to this process now (cached for CACHE_MS). */
  available(): number {
    const now = performance.now();
    if (now - this.readAt >= CACHE_MS) {
      try {
        const s = this.statfs(this.dir);
        this.freeBytes = s.bavail * s.bsize;
      } catch {
        this.freeBytes = Infinity; // statfs unsupported: the WAL write itself reports ENOSPC
      }
      this.readAt = now;
    }
    return this.freeBytes;
  }

  /** Throws disk_full (507) when writing `bytes` would leave less than the minimum free. */
  check(bytes: number): void {
    const free = this.available();
    if (free - bytes >= this.minFreeBytes) return;
    this.refusals++;
    throw new EngineError("disk_full", `the data directory has ${Math.max(0, Math.floor(free / 1048576))} MiB free, under the ${Math.round(this.minFreeBytes / 1048576)} MiB kept free (limits.disk_free_min_bytes); free some space and retry`);
  }
}
