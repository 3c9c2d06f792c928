// The live state a Prometheus scrape reads (prometheus.ts), gathered from the process's parts.

import { DEAD_LETTER_TABLE } from "../../engine/core/event-schema.ts";
import type { Catalog } from "../../engine/store/catalog.ts";
import type { Compactor } from "../../storage/parquet/compactor.ts";
import type { WalWriter } from "../../storage/wal/wal-writer.ts";
import { derivedGauges, type DerivedParts } from "../derived-parts.ts";
import type { IngestPipeline } from "../ingest-pipeline.ts";
import type { AnswerCache } from "../routes/answer-cache.ts";
import type { ScrapeSources } from "./prometheus.ts";

export function scrapeSources(catalog: Catalog, pipeline: () => IngestPipeline, wal: () => WalWriter, compactor: Compactor, derived: DerivedParts,
  answers: AnswerCache, kafkaLag: () => { topic: string; partition: number; lag: number }[] = () => []): ScrapeSources {
  return {
    kafkaLag,
    answerCache: () => answers.stats(),
    tables: () => catalog.list().map((t) => ({
      name: t.schema.name, rows: t.rowCount, memoryRows: t.memoryRowCount, memoryBytes: t.memoryBytes(),
      compactedRows: compactor.history(t.schema.name).compactedRows,
    })),
    ingest: () => [...pipeline().counters].map(([table, c]) => ({ table, ...c })),
    wal: () => { const s = wal().stats(); return { bytes: s.bytes, segments: s.segments, fsyncs: s.fsyncs, failures: s.failures }; },
    compaction: () => ({ runs: compactor.totals.runs, lastRunMs: compactor.totals.lastRunMs, rowsCompacted: compactor.totals.rowsCompacted, rowsEvicted: compactor.totals.rowsEvicted }),
    quality: () => [...derived.quality.byTable].filter(([t]) => t !== DEAD_LETTER_TABLE).map(([table, q]) => ({
      table, events: q.totals.events, late: q.totals.late, rejected: q.totals.rejected,
      nulls: Object.fromEntries(q.columns.map((c, i) => [c, q.totals.nulls[i]!])),
    })),
    derived: () => derivedGauges(derived),
    eventsPerSecond: () => {
      // The last full minute of receive time.
      const m = Math.floor(Date.now() / 60_000) - 1;
      return Object.fromEntries([...derived.quality.byTable.keys()].map((t) => [t, derived.quality.sum(t, "events", m * 60_000, (m + 1) * 60_000) / 60]));
    },
  };
}
