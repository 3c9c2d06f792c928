// Start-up recovery: replays the WAL into an empty store and de-duplication window. A torn tail
// (a write cut short by a crash) is truncated and reported; corruption elsewhere stops start-up
// unless the operator asked to quarantine it (see storage/wal/wal-reader.ts).
//
// With Parquet history (storage/parquet/compactor.ts) replay starts at the manifest's walStart: the
// tables start at the row indexes recorded there, and log segments before it (left by a crash between
// the manifest commit and their deletion) are deleted first; their rows are all in Parquet.

import { EngineError } from "../engine/core/errors.ts";
import type { Catalog } from "../engine/store/catalog.ts";
import { SealOffload } from "../engine/store/seal-offload.ts";
import type { FileSystem } from "../storage/fs/file-system.ts";
import { decodeIngestRecord, RECORD_KIND_DEDUP_SNAPSHOT, RECORD_KIND_INGEST, type IngestRecord } from "../storage/ingest-record.ts";
import { decodeControlRecord, RECORD_KIND_CONTROL, type ControlRecord } from "../storage/control-record.ts";
import type { WalStart } from "../storage/parquet/manifest.ts";
import type { WalMarks } from "../storage/parquet/wal-marks.ts";
import { replayWal, type ReplayReport } from "../storage/wal/wal-reader.ts";
import { listSegments } from "../storage/wal/segment-file.ts";
import { removeSegmentsBefore } from "../storage/wal/wal-truncate.ts";
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
  start: WalStart | null = null, marks: WalMarks | null = null, afterApply: (lsn: number, rec: IngestRecord | null) => void = () => {},
  applyControl: (rec: ControlRecord, lsn: number) => void = () => {},
): Promise<RecoveryReport> {
  const t0 = performance.now();
  const startLsn = start?.lsn ?? 0;
  if (start !== null) {
    for (const t of catalog.list()) t.startAtRow(start.rows[t.schema.name] ?? 0);
    await removeSegmentsBefore(fs, walDir, startLsn);
    marks?.seed({ lsn: startLsn, rows: start.rows });
  }
  for (const seg of await listSegments(fs, walDir)) if (seg.firstLsn >= startLsn) marks?.segmentStarted(seg.firstLsn);
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
      if (lsn < startLsn) return;
      if (kind === RECORD_KIND_DEDUP_SNAPSHOT) {
        marks?.beforeApply(lsn);
        dedup.replayRestore(payload);
        afterApply(lsn, null);
        return;
      }
      if (kind === RECORD_KIND_CONTROL) {
        marks?.beforeApply(lsn);
        applyControl(decodeControlRecord(payload, lsn), lsn);
        afterApply(lsn, null);
        return;
      }
      if (kind !== RECORD_KIND_INGEST) {
        throw new EngineError("wal_corrupt", `WAL record ${lsn} has unknown kind ${kind}; written by a newer Caracal?`);
      }
      marks?.beforeApply(lsn);
      const rec = decodeIngestRecord(payload);
      const decoded = decodeRecord(rec);
      const use = restoreDictionaries(catalog, rec, decoded, distrusted);
      rowsStored += applyIngestRecord(catalog, rec, decoded, use);
      afterApply(lsn, rec);
      rememberIds(dedup, rec);
      for (const t of tables) t.handOverFrozen(offload);
    });
    await offload.drain();
  } finally {
    offload.close();
    for (const t of tables) t.sealWith(null);
  }
  dedup.endReplay();
  // No record left after walStart (the log was emptied by hand): lsns must still not go backwards.
  report.nextLsn = Math.max(report.nextLsn, startLsn);
  return { ...report, rowsStored, elapsedMs: Math.round(performance.now() - t0), codesDistrusted: [...distrusted] };
}
