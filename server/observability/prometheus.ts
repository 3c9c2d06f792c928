// GET /metrics in the Prometheus text format, through prom-client (the de-facto Node client: its
// exposition is what Prometheus's own parser is tested against). One registry per process (not the
// library's global one, so tests can start several servers). Latencies are histograms observed where
// they happen; everything else is read from the live state at scrape time (collect callbacks), so a
// scrape costs nothing between scrapes.

import { FastHistogram } from "./fast-histogram.ts";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Seconds: 50 us .. 10 s, dense where ingest, lookups and dashboards live. */
const LAG_PROBE_MS = 10;
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** What a scrape reads; each source is optional so parts of the system can come and go. */
export interface ScrapeSources {
  tables(): { name: string; rows: number; memoryRows: number; memoryBytes: number; compactedRows: number }[];
  ingest(): { table: string; accepted: number; rejected: number; duplicates: number; batches: number }[];
  wal(): { bytes: number; segments: number; fsyncs: number; failures: number };
  compaction(): { runs: number; lastRunMs: number; rowsCompacted: number; rowsEvicted: number } | null;
  /** Per table: rejected events by reason, late events, events stored, nulls per column (data-quality.ts). */
  quality(): { table: string; events: number; late: number; rejected: Record<string, number>; nulls: Record<string, number> }[];
  /** Named gauges of derived state (rollup cells, audience users, funnel state bytes...). */
  derived(): Record<string, number>;
  /** Event rate per table over the last full minute, events/s. */
  eventsPerSecond(): Record<string, number>;
  /** Kafka consumer lag per assigned partition (messages behind the high watermark). */
  kafkaLag(): { topic: string; partition: number; lag: number }[];
  /** GET /v1/metrics answers served from the answer cache (server/routes/answer-cache.ts). */
  answerCache(): { hits: number; misses: number; refreshed: number; entries: number; bytes: number };
}

export class Metrics {
  readonly registry = new Registry();
  readonly ingestBatch: Histogram<"table">;
  readonly walFsync: Histogram;
  readonly query: Histogram<"engine">;
  readonly lookup: FastHistogram<"endpoint">;
  readonly loopLag: Histogram;
  private readonly lagTimer: ReturnType<typeof setInterval>;

  constructor(src: ScrapeSources) {
    const r = this.registry;
    this.ingestBatch = new Histogram({ name: "caracal_ingest_batch_seconds", help: "Ingest batch latency, body received to acknowledgement (durable).", labelNames: ["table"], buckets: LATENCY_BUCKETS, registers: [r] });
    this.walFsync = new Histogram({ name: "caracal_wal_fsync_seconds", help: "WAL segment fsync duration.", buckets: LATENCY_BUCKETS, registers: [r] });
    this.query = new Histogram({ name: "caracal_query_seconds", help: "SQL query latency by engine that answered.", labelNames: ["engine"], buckets: LATENCY_BUCKETS, registers: [r] });
    this.loopLag = new Histogram({ name: "caracal_event_loop_lag_seconds", help: "How late a 10 ms timer fires on the serving thread: what a request waits behind other work.", buckets: LATENCY_BUCKETS, registers: [r] });
    let expected = performance.now() + LAG_PROBE_MS;
    // CARACAL_DEBUG_TIMING=1 logs stalls over 50 ms; a larger number is the threshold in ms.
    const debug = Number(process.env.CARACAL_DEBUG_TIMING ?? 0), debugLagMs = debug > 1 ? debug : debug ? 50 : Infinity;
    this.lagTimer = setInterval(() => {
      const now = performance.now(), lag = Math.max(0, now - expected);
      expected = now + LAG_PROBE_MS;
      this.loopLag.observe(lag / 1000);
      if (lag > debugLagMs) console.error(`event loop blocked ${lag.toFixed(0)} ms at ${new Date().toISOString()}`);
    }, LAG_PROBE_MS);
    this.lagTimer.unref?.();
    this.lookup = new FastHistogram("caracal_lookup_seconds", "Serving latency (profiles, bids, recommendations, metrics, audiences).", "endpoint", LATENCY_BUCKETS, r);

    // Totals kept elsewhere are exposed as counters by setting them at scrape time.
    const counterFrom = <L extends string>(name: string, help: string, labelNames: L[], read: (set: (labels: Record<L, string>, v: number) => void) => void) =>
      new Counter({ name, help, labelNames, registers: [r], collect() { this.reset(); read((labels, v) => { if (v > 0) this.inc(labels as never, v); }); } });
    const gaugeFrom = <L extends string>(name: string, help: string, labelNames: L[], read: (set: (labels: Record<L, string>, v: number) => void) => void) =>
      new Gauge({ name, help, labelNames, registers: [r], collect() { this.reset(); read((labels, v) => this.set(labels as never, v)); } });

    counterFrom("caracal_ingest_events_total", "Events by outcome: accepted, rejected (dead-lettered), duplicate.", ["table", "outcome"], (set) => {
      for (const t of src.ingest()) {
        set({ table: t.table, outcome: "accepted" }, t.accepted);
        set({ table: t.table, outcome: "rejected" }, t.rejected);
        set({ table: t.table, outcome: "duplicate" }, t.duplicates);
      }
    });
    counterFrom("caracal_ingest_batches_total", "Batches acknowledged.", ["table"], (set) => { for (const t of src.ingest()) set({ table: t.table }, t.batches); });
    gaugeFrom("caracal_ingest_events_per_second", "Events stored per second over the last full minute (receive time).", ["table"], (set) => {
      for (const [t, v] of Object.entries(src.eventsPerSecond())) set({ table: t }, v);
    });
    gaugeFrom("caracal_store_rows", "Rows per table: all, in memory, compacted to Parquet.", ["table", "where"], (set) => {
      for (const t of src.tables()) {
        set({ table: t.name, where: "all" }, t.rows);
        set({ table: t.name, where: "memory" }, t.memoryRows);
        set({ table: t.name, where: "parquet" }, t.compactedRows);
      }
    });
    gaugeFrom("caracal_store_memory_bytes", "In-memory store bytes per table.", ["table"], (set) => { for (const t of src.tables()) set({ table: t.name }, t.memoryBytes); });
    gaugeFrom("caracal_compaction_lag_rows", "Rows not yet compacted to Parquet.", ["table"], (set) => { for (const t of src.tables()) set({ table: t.name }, t.rows - t.compactedRows); });
    gaugeFrom("caracal_wal_bytes", "Bytes in live WAL segments.", [], (set) => set({}, src.wal().bytes));
    gaugeFrom("caracal_wal_segments", "Live WAL segments.", [], (set) => set({}, src.wal().segments));
    counterFrom("caracal_wal_failures_total", "WAL write or fsync failures (ingest stops until restart).", [], (set) => set({}, src.wal().failures));
    gaugeFrom("caracal_compaction_last_run_seconds", "Duration of the last compaction pass.", [], (set) => { const c = src.compaction(); if (c) set({}, c.lastRunMs / 1000); });
    counterFrom("caracal_compaction_runs_total", "Compaction passes.", [], (set) => { const c = src.compaction(); if (c) set({}, c.runs); });
    counterFrom("caracal_dq_rejected_total", "Rejected events by table and reason (data quality).", ["table", "reason"], (set) => {
      for (const q of src.quality()) for (const [reason, n] of Object.entries(q.rejected)) set({ table: q.table, reason }, n);
    });
    counterFrom("caracal_dq_late_events_total", "Events whose time is older than their receive time by more than the late threshold.", ["table"], (set) => {
      for (const q of src.quality()) set({ table: q.table }, q.late);
    });
    gaugeFrom("caracal_dq_null_ratio", "Share of stored events with no value in the column, since start.", ["table", "column"], (set) => {
      for (const q of src.quality()) for (const [column, n] of Object.entries(q.nulls)) set({ table: q.table, column }, q.events === 0 ? 0 : n / q.events);
    });
    gaugeFrom("caracal_derived_state", "Size of derived state (rollup cells, audience users, funnel state bytes...).", ["what"], (set) => {
      for (const [what, v] of Object.entries(src.derived())) set({ what }, v);
    });
    counterFrom("caracal_metrics_answers_total", "GET /v1/metrics answers: reused while the rollups were unchanged (hit) or computed (miss).", ["cache"], (set) => {
      const c = src.answerCache();
      set({ cache: "hit" }, c.hits);
      set({ cache: "miss" }, c.misses);
    });
    counterFrom("caracal_metrics_answers_refreshed_total", "GET /v1/metrics answers computed again after the rollups changed, before their next ask (server/routes/metrics-refresh.ts).", [], (set) => set({}, src.answerCache().refreshed));
    gaugeFrom("caracal_metrics_answer_cache_bytes", "Bytes of GET /v1/metrics answers kept for repeated asks.", [], (set) => set({}, src.answerCache().bytes));
    gaugeFrom("caracal_kafka_consumer_lag", "Messages between the next offset to consume and the high watermark, per assigned partition.", ["topic", "partition"], (set) => {
      for (const l of src.kafkaLag()) set({ topic: l.topic, partition: String(l.partition) }, l.lag);
    });
    gaugeFrom("caracal_process_resident_memory_bytes", "Resident set size.", [], (set) => set({}, process.memoryUsage.rss()));
    gaugeFrom("caracal_process_heap_used_bytes", "JavaScript heap in use.", [], (set) => set({}, process.memoryUsage().heapUsed));
  }

  close(): void {
    clearInterval(this.lagTimer);
  }

  async exposition(): Promise<Response> {
    return new Response(await this.registry.metrics(), { headers: { "content-type": this.registry.contentType } });
  }
}
