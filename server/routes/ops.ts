// GET /healthz and GET /v1/stats: what an operator or a load balancer asks of the process.

import type { Compactor } from "../../storage/parquet/compactor.ts";
import type { Catalog } from "../../engine/store/catalog.ts";
import type { WalWriter } from "../../storage/wal/wal-writer.ts";
import type { DedupWindow } from "../ingest/dedup-window.ts";
import type { IngestPipeline } from "../ingest-pipeline.ts";
import type { RecoveryReport } from "../recover.ts";
import { jsonResponse } from "../errors.ts";
import type { WsCounters } from "./events-ws.ts";

export interface OpsContext {
  catalog: Catalog;
  pipeline: IngestPipeline;
  wal: WalWriter;
  dedup: DedupWindow;
  recovery: RecoveryReport;
  startedAt: number;
  ws: WsCounters;
  compactor?: Compactor;
}

export function healthz(ctx: OpsContext): Response {
  const failed = ctx.pipeline.failed;
  if (failed) return jsonResponse({ status: "degraded", reason: failed.message }, 503);
  // Serving but not whole: said, without failing the load balancer's check.
  const warnings = (ctx.compactor?.quarantined ?? []).map((q) => `Parquet file ${q.path} quarantined (${q.rowCount} rows unreadable): ${q.reason}`);
  return jsonResponse(warnings.length ? { status: "ok", warnings } : { status: "ok" });
}

export function stats(ctx: OpsContext): Response {
  const tables: Record<string, unknown> = {};
  for (const t of ctx.catalog.stats()) {
    const c = ctx.pipeline.counters.get(t.name);
    const h = ctx.compactor?.history(t.name);
    tables[t.name] = {
      rows: t.rows, rows_in_memory: ctx.catalog.get(t.name)!.memoryRowCount,
      rows_in_parquet: h?.compactedRows ?? 0, parquet_files: h?.files.length ?? 0, memory_bytes: t.memoryBytes, segments: t.segments,
      accepted: c?.accepted ?? 0, rejected: c?.rejected ?? 0, duplicates: c?.duplicates ?? 0, batches: c?.batches ?? 0,
    };
  }
  const w = ctx.wal.stats();
  const r = ctx.recovery;
  return jsonResponse({
    uptime_s: Math.round((Date.now() - ctx.startedAt) / 1000),
    tables,
    ingest: {
      bytes_in_flight: ctx.pipeline.bytesInFlight,
      websocket_connections: ctx.ws.open, websocket_pauses: ctx.ws.pauses, websocket_backpressure_closes: ctx.ws.backpressureCloses,
      failed: ctx.pipeline.failed?.message ?? null,
      dedup_ids: ctx.dedup.size, dedup_bytes: ctx.dedup.byteSize,
    },
    wal: {
      bytes: w.bytes, segments: w.segments, records: w.records, group_commits: w.groupCommits, fsyncs: w.fsyncs,
      fsync_last_ms: w.lastFsyncMs, fsync_avg_ms: w.fsyncs ? w.fsyncMsTotal / w.fsyncs : 0,
    },
    recovery: {
      records: r.records, rows: r.rowsStored, elapsed_ms: r.elapsedMs, torn_tail: r.tornTail, quarantined: r.quarantined,
      codes_distrusted: r.codesDistrusted,
    },
    compaction: ctx.compactor ? {
      runs: ctx.compactor.totals.runs, files_written: ctx.compactor.totals.filesWritten, rows_compacted: ctx.compactor.totals.rowsCompacted,
      rows_evicted: ctx.compactor.totals.rowsEvicted, wal_segments_removed: ctx.compactor.totals.walSegmentsRemoved,
      last_run_ms: ctx.compactor.totals.lastRunMs, wal_start_lsn: ctx.compactor.walStart?.lsn ?? 0,
    } : null,
    memory: { rss_bytes: process.memoryUsage.rss(), heap_used_bytes: process.memoryUsage().heapUsed },
  });
}
