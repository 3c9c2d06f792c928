// Assembles one Caracal process from a Config: lock the data directory, recover the store from the
// WAL, open the WAL for appends, start the parser workers and the HTTP server. `stop()` is the
// graceful path (SIGTERM): stop accepting, answer what is in flight, fsync, close.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ALERTS_SCHEMA, DEAD_LETTER_SCHEMA } from "../engine/core/event-schema.ts";
import { Catalog } from "../engine/store/catalog.ts";
import { readCheckpoint, writeCheckpoint } from "../storage/derived-checkpoint.ts";
import { realFileSystem } from "../storage/fs/file-system.ts";
import { DiskSpace } from "../storage/fs/disk-space.ts";
import { MemoryGuard } from "./memory-guard.ts";
import { Compactor } from "../storage/parquet/compactor.ts";
import { ParquetEncoder } from "../storage/parquet/parquet-encoder.ts";
import { WalMarks } from "../storage/parquet/wal-marks.ts";
import { WalWriter } from "../storage/wal/wal-writer.ts";
import type { IngestRecord } from "../storage/ingest-record.ts";
import type { Config } from "./config.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import { startHttp } from "./http.ts";
import { DedupWindow } from "./ingest/dedup-window.ts";
import { ParseWorkerPool } from "./ingest/worker-pool.ts";
import { IngestPipeline } from "./ingest-pipeline.ts";
import { CompactionTimer } from "./compaction-timer.ts";
import { recover, type RecoveryReport } from "./recover.ts";
import { buildDerived } from "./derived-parts.ts";
import { DerivedQueue } from "../engine/aggregate/derived-queue.ts";
import { Access } from "./auth/access.ts";
import { AlertService } from "./alerts/alert-service.ts";
import { DashboardFeed } from "./dashboard/dashboard-feed.ts";
import { BidService } from "./serving/bid-service.ts";
import { profileSnapshot } from "./serving/profile-snapshot.ts";
import { KafkaIngest } from "./kafka/kafka-ingest.ts";
import { JourneyWebhooks } from "./journey-webhooks.ts";
import { EventRecorder } from "./serving/event-recorder.ts";
import type { DerivedEvent } from "../engine/aggregate/journey-state.ts";
import { ColumnType } from "../engine/core/types.ts";
import { funnelPanel } from "./dashboard/funnel-panel.ts";
import { Metrics } from "./observability/prometheus.ts";
import { scrapeSources } from "./observability/scrape.ts";
import { AnswerCache } from "./routes/answer-cache.ts";
import { MetricsRefresh } from "./routes/metrics-refresh.ts";
import { openSqlEngine } from "./sql/sql-engine.ts";

/** Fewest ms between two logged snapshots of the de-duplication window (see storage/parquet/compactor.ts). */
const DEDUP_SNAPSHOT_INTERVAL_MS = 60_000;

/** Longest stretch of derived-state feeding before the event loop serves requests again. */
const DERIVED_SLICE_MS = 0.5;
/**
 * The same while more than DERIVED_BACKLOG_ROWS rows wait (ingest outpaces the feed): longer
 * stretches keep the components' state in cache between requests. bench/derived-feed.bench.ts,
 * rollups + audiences + 5 funnels with the caches flushed between stretches as the serving thread's
 * other work flushes them: 1.55-1.8 us/event at 256 rows per stretch, 0.96-1.1 at 2048, 0.94-1.12
 * never flushed. At a steady 50k events/s the backlog stays under one batch, so lookups keep the
 * 0.5 ms bound.
 */
const DERIVED_SLICE_BACKLOG_MS = 2;
const DERIVED_BACKLOG_ROWS = 2048;

/** Fewest ms between two derived-state checkpoints (each encodes all of it). */
const DERIVED_CHECKPOINT_INTERVAL_MS = 300_000;
/** GET /v1/metrics answers refreshed in the turn derived state catches up, before the rest are deferred (metrics-refresh.ts). */
const METRICS_REFRESH_NOW_MS = 0.5;

/** How long stop() waits for clients to take their last answers before closing connections. */
const SHUTDOWN_GRACE_MS = 2000;

export interface Running {
  readonly url: string;
  readonly recovery: RecoveryReport;
  stop(): Promise<void>;
}

export async function startCaracal(config: Config): Promise<Running> {
  mkdirSync(config.dataDir, { recursive: true });
  const unlock = lockDataDir(config.dataDir);
  try {
    const walDir = join(config.dataDir, "wal");
    await realFileSystem.mkdirp(walDir);
    const catalog = new Catalog();
    for (const schema of config.tables) catalog.create(schema, { segmentRows: config.segmentRows });
    catalog.create(DEAD_LETTER_SCHEMA, { segmentRows: config.segmentRows });
    catalog.create(ALERTS_SCHEMA, { segmentRows: config.segmentRows });
    const dedup = new DedupWindow({ windowMs: config.dedupWindowMs, maxIds: config.dedupMaxIds });
    const marks = new WalMarks(() => Object.fromEntries(catalog.list().map((t) => [t.schema.name, t.rowCount])));
    let pipeline: IngestPipeline | null = null;
    const derivedDir = join(config.dataDir, "derived");
    const parts = buildDerived(config);
    const derived = parts.state;
    const checkpoint = await readCheckpoint(realFileSystem, derivedDir);
    if (checkpoint) derived.restore(checkpoint);
    // One checkpoint write at a time: compaction asks for one before truncating the WAL, a timer
    // writes one every interval (bounding how much derived state a restart replays).
    let checkpointing: Promise<unknown> = Promise.resolve();
    const checkpointDerived = () => {
      const next = checkpointing.then(async () => {
        // Component by component between requests; the rows covered are taken before the first
        // encoding (a lower bound of what every section reflects), the sections record their own.
        const rows = derived.coverage(catalog);
        const debug = process.env.CARACAL_DEBUG_TIMING ? (name: string, ms: number) => console.error(`derived snapshot ${name} ${ms.toFixed(1)} ms`) : undefined;
        // CARACAL_DEBUG_ENCODE_SLICE_MS=0 pauses after every encoding step (tests: requests and ingest interleave with each).
        const sliceEnv = Number(process.env.CARACAL_DEBUG_ENCODE_SLICE_MS ?? NaN), slice = sliceEnv >= 0 ? sliceEnv : undefined;
        const { snapshot, nextLsn } = await derived.snapshotGradually(() => new Promise<void>((r) => setImmediate(r)), debug, slice);
        await writeCheckpoint(realFileSystem, derivedDir, snapshot);
        return { rows, nextLsn };
      });
      checkpointing = next.catch(() => {});
      return next;
    };
    // Journeys emit derived events; during recovery they are kept, and ingested once the pipeline runs
    // (their ids are deterministic: the ones already in the log are recognised as duplicates).
    const replayedEmissions: DerivedEvent[][] = [];
    parts.sequences.emit = (e) => replayedEmissions.push([...e]);
    const feedDerived = (lsn: number, rec: IngestRecord | null) => { if (rec?.source) derived.noteSource(rec.source); derived.feed(catalog); derived.applied(lsn); };
    const encoder = new ParquetEncoder();
    const compactor = await Compactor.open(realFileSystem, config.parquetDir, walDir, catalog, marks, {
      hotWindowMs: config.hotWindowMs, hotBytesMax: config.hotMemoryBytesMax, minRows: config.compactionMinRows,
      snapshotDedup: () => pipeline!.snapshotDedup(), dedupSnapshotIntervalMs: DEDUP_SNAPSHOT_INTERVAL_MS,
      encode: encoder.encode, checkpointDerived, derivedCheckpointIntervalMs: DERIVED_CHECKPOINT_INTERVAL_MS,
    });
    let wal: WalWriter | null = null;
    let kafkaRef: KafkaIngest | null = null;
    const metricsAnswers = new AnswerCache(config.metricsCacheBytes);
    const metrics = new Metrics(scrapeSources(catalog, () => pipeline!, () => wal!, compactor, parts, metricsAnswers, () => kafkaRef?.lag() ?? []));
    const recovery = await recover(
      realFileSystem, walDir, join(config.dataDir, "quarantine"), config.walSkipCorrupt, catalog, dedup, compactor.walStart, marks,
      feedDerived, (c, lsn) => derived.control(c.target, c.op, c.body, lsn),
    );
    // Damaged files whose rows the replay brought back into memory are rewritten before anyone reads.
    const repaired = await compactor.restoreQuarantined();
    if (repaired > 0) console.error(`rewrote ${repaired} quarantined Parquet file(s) from rows replayed from the write-ahead log`);
    wal = await WalWriter.open(realFileSystem, walDir, {
      policy: config.fsync, segmentBytes: config.walSegmentBytes, nextLsn: recovery.nextLsn,
      onSegment: (lsn) => marks.segmentStarted(lsn), onFsync: (ms) => metrics.walFsync.observe(ms / 1000),
    });
    const disk = new DiskSpace(config.dataDir, config.diskFreeMinBytes);
    const memory = new MemoryGuard(catalog, config.hotMemoryBytesMax);
    const pool = new ParseWorkerPool({ workers: config.workers, tables: [...config.tables, ALERTS_SCHEMA] });
    // Live, derived state is fed in time-boxed slices between requests (recovery fed it at once).
    const queue = new DerivedQueue(derived, catalog);
    const metricsRefresh = new MetricsRefresh({ rollups: parts.rollups, metricsAnswers });
    let pumping = false;
    const pump = () => {
      if (queue.pump(queue.backlogRows() > DERIVED_BACKLOG_ROWS ? DERIVED_SLICE_BACKLOG_MS : DERIVED_SLICE_MS)) setImmediate(pump);
      else {
        pumping = false;
        // Derived state has every batch: answers dashboards poll are computed before their next ask.
        metricsRefresh.refreshNow(METRICS_REFRESH_NOW_MS);
      }
    };
    const schedule = () => { if (!pumping) { pumping = true; setImmediate(pump); } };
    // A checkpoint encoding a component in steps holds the feed; it resumes here.
    derived.onResume = schedule;
    pipeline = new IngestPipeline(pool, wal, catalog, dedup, config.ingestInflightBytesMax, {
      beforeApply: (lsn) => marks.beforeApply(lsn),
      afterApply: (lsn, rec) => { if (rec.source) derived.noteSource(rec.source); queue.rows(lsn); schedule(); },
      applyControl: (c, lsn) => { queue.control(lsn, c.target, c.op, c.body); schedule(); },
      whenApplied: (lsn) => queue.whenApplied(lsn),
      onBatch: (table, ms) => metrics.ingestBatch.observe({ table }, ms / 1000),
      checkDisk: (bytes) => { disk.check(bytes); memory.check(); },
    });
    const journeys = new EventRecorder(() => pipeline!, "journeys");
    const journeyWebhooks = new JourneyWebhooks((name) => parts.sequences.webhookOf(name));
    journeys.onStored = (events, isNew) => journeyWebhooks.stored(events, isNew);
    parts.sequences.emit = (e) => journeys.record(e);
    for (const e of replayedEmissions) journeys.record(e);
    const compaction = new CompactionTimer(compactor, config.compactionIntervalMs);
    const sql = await openSqlEngine(config, catalog, compactor, parts.tables, async (path, reason) => {
      const q = await compactor.quarantine(path, reason);
      return q && { rowCount: q.rowCount, restored: !compactor.quarantined.some((x) => x.path === q.path) };
    });
    const kafka = config.sources.length === 0 ? null : new KafkaIngest({
      urls: config.sources, pipeline: () => pipeline!,
      logged: (topic, partition) => derived.sourcePositions().find((p) => p.topic === topic && p.partition === partition)?.next_offset ?? null,
    });
    kafkaRef = kafka;
    const kafkaLag = (filter?: Readonly<Record<string, string>>) => {
      const lags = (kafka?.lag() ?? []).filter((l) => (!filter?.topic || l.topic === filter.topic) && (!filter?.partition || String(l.partition) === filter.partition));
      return lags.length === 0 ? null : lags.reduce((n, l) => n + l.lag, 0);
    };
    const alerts = new AlertService({
      dataDir: config.dataDir, rollups: parts.rollups, quality: parts.quality, pipeline: () => pipeline!,
      gauges: (metric, filter, from, to) => {
        if (metric === "consumer_lag") return kafkaLag(filter);
        if (metric.startsWith("social.")) return parts.social.value(metric.slice(7), filter?.brand, from, to);
        return null;
      },
    });
    let lastCheckpointLsn = derived.nextLsn;
    const checkpointTimer = setInterval(() => {
      if (derived.nextLsn === lastCheckpointLsn) return;
      lastCheckpointLsn = derived.nextLsn;
      checkpointDerived().catch((e) => console.error(`derived-state checkpoint failed (will retry): ${(e as Error).message}`));
    }, DERIVED_CHECKPOINT_INTERVAL_MS);
    checkpointTimer.unref?.();
    let selfUrl = "";
    const bids = new BidService({
      dataDir: config.dataDir, file: config.bidding, selfUrl: () => selfUrl, pipeline: () => pipeline!, metrics,
      profiles: (key, _source, nowMs) => profileSnapshot(parts.profiles, key, nowMs, (k) => parts.audiences.of(k)),
    });
    const dashboard = new DashboardFeed({
      derived: parts, alerts, sql: sql.router, kafkaLag: () => kafka?.lag() ?? [],
      extra: (q) => ({
        funnel: funnelPanel(parts.sequences),
        social: parts.social.brands().length === 0 ? null : {
          unit: "posts in the range; sentiment in [-1, 1]; share of voice as a fraction of all brand mentions",
          brands: parts.social.summary(q.from, q.to), trending: parts.social.trending(15, Math.min(q.to - q.from, 3_600_000), q.nowMs).terms,
        },
      }),
    });
    const access = new Access({ mode: config.authMode, host: config.host, dataDir: config.dataDir, configKeys: config.authKeys });
    if (!access.open && access.keyCount === 0) console.error("auth: no API keys yet, every request but /healthz is refused; create one with `caracal keys create --roles admin`");
    const server = startHttp(config.host, config.port, {
      pipeline, catalog, wal, dedup, recovery, startedAt: Date.now(),
      tableNames: new Set(config.tables.map((t) => t.name)), bodyBytesMax: config.bodyBytesMax, compactor,
      wsInflightBytesMax: config.wsInflightBytesMax,
      sqlRouter: sql.router, sqlLimits: sql.limits, history: compactor, dimensions: sql.dimensions,
      uploadBytesMax: config.tableUploadBytesMax, metrics, derived: parts, access, alerts, rollups: parts.rollups, metricsAnswers, metricsRefresh, derivedTables: parts.tables, dashboard, recommender: parts.recommender, bids, profiles: parts.profiles, social: parts.social, sequences: parts.sequences, audiences: parts.audiences, audiencesOf: (key) => parts.audiences.of(key),
      stringColumns: config.tables[0]!.columns.filter((c) => c.type === ColumnType.STRING && !c.unique).map((c) => c.name),
    });
    // Consumers join their groups in the background: HTTP serves meanwhile.
    kafka?.start().catch((e) => console.error(`kafka: ${(e as Error).message}`));
    let stopping: Promise<void> | null = null;
    selfUrl = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${server.port}`;
    return {
      url: selfUrl,
      recovery,
      stop: () => (stopping ??= (async () => {
        // No new connections; a request in flight runs to its answer and then its connection closes.
        const closed = server.stop(false);
        await kafka?.stop();         // in-flight batches made durable and committed, then leave the groups
        await bids.close();          // decisions and notices recorded so far go into the log
        // Journeys emit as derived views catch up with the last batches: let them, and log what
        // they emitted, before the pipeline closes (the final checkpoint counts them as emitted).
        await pipeline.idleNow();
        for (const until = Date.now() + SHUTDOWN_GRACE_MS; queue.pending > 0 && Date.now() < until;) await Bun.sleep(2);
        await journeys.flush();
        await pipeline.drain();      // every accepted body answered (after its fsync)
        // Let the last answers reach the wire before anything is cut; WebSocket clients that stay
        // connected are closed (1001) after the grace period.
        await Promise.race([closed, Bun.sleep(SHUTDOWN_GRACE_MS)]);
        await server.stop(true);
        await compaction.stop();
        // Everything to Parquet before the process ends, so the lake is whole while it is down.
        for (const t of catalog.list()) t.seal();
        await compactor.run(Date.now(), true).catch((e) => console.error(`final compaction failed (the WAL still holds every row): ${(e as Error).message}`));
        clearInterval(checkpointTimer);
        dashboard.stop();
        await alerts.close();
        journeyWebhooks.close();
        // A last checkpoint: the next start replays no derived state.
        await checkpointDerived().catch((e) => console.error(`final derived-state checkpoint failed: ${(e as Error).message}`));
        encoder.close();
        await sql.close();
        await wal!.close();
        await pool.close();
        access.close();
        unlock();
      })()),
    };
  } catch (e) {
    unlock();
    throw e;
  }
}
