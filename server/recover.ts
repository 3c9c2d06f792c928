// Start-up recovery: replays the WAL into an empty store and de-duplication window. A torn tail
// (a write cut short by a crash) is truncated and reported; corruption elsewhere stops start-up
// unless the operator asked to quarantine it (see storage/wal/wal-reader.ts).

import { EngineError } from "../engine/core/errors.ts";
import type { Catalog } from "../engine/store/catalog.ts";
import { SealOffload } from "../engine/store/seal-offload.ts";
import type { FileSystem } from "../storage/fs/file-system.ts";
import { decodeIngestRecord, RECORD_KIND_INGEST } from "../storage/ingest-record.ts";
import { replayWal, type ReplayReport } from "../storage/wal/wal-reader.ts";
import { applyIngestRecord, decodeRecord, rememberIds, restoreDictionaries } from "./apply-ingest.ts";
import type { DedupWindow } from "./ingest/dedup-window.ts";

export interface RecoveryReport extends ReplayReport {
  rowsStored: number;
  elapsedMs: number;
  /** Tables replayed by looking strings up because their logged codes stopped lining up. */
  codesDistrusted: string[];
}

export async function recover(
  fs: FileSystem, walDir: string, quarantineDir: string, skipCorrupt: boolean, catalog: Catalog, dedup: DedupWindow,
): Promise<RecoveryReport> {
  const t0 = performance.now();
  let rowsStored = 0;
  const distrusted = new Set<string>();
  // Replay appends on this thread while a worker seals the segments it fills (the other core).
  const tables = catalog.list();
  const offload = new SealOffload();
  for (const t of tables) t.sealWith(offload);
  dedup.beginReplay();
  let report: ReplayReport;
  try {
    report = await replayWal(fs, walDir, { skipCorrupt, quarantineDir }, (kind, lsn, payload) => {
      if (kind !== RECORD_KIND_INGEST) {
        throw new EngineError("wal_corrupt", `WAL record ${lsn} has unknown kind ${kind}; written by a newer Caracal?`);
      }
      const rec = decodeIngestRecord(payload);
      const decoded = decodeRecord(rec);
      const use = restoreDictionaries(catalog, rec, decoded, distrusted);
      rowsStored += applyIngestRecord(catalog, rec, decoded, use);
      rememberIds(dedup, rec);
      for (const t of tables) t.handOverFrozen(offload);
    });
    await offload.drain();
  } finally {
    offload.close();
    for (const t of tables) t.sealWith(null);
  }
  dedup.endReplay();
  return { ...report, rowsStored, elapsedMs: Math.round(performance.now() - t0), codesDistrusted: [...distrusted] };
}
