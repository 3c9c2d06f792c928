// Events the server makes itself (bid decisions, win and click notices) go into the event stream
// like any client's: batched here and ingested through the pipeline (WAL, then store), so CTR and
// win rate are measurable in SQL. Batching keeps the serving path off the WAL: a bid answers
// without waiting for an fsync; its events follow within FLUSH_MS.
//
// Bounded: past EVENTS_MAX buffered events `full` is true and the bid route answers 204 rather than
// bid without a record. Events buffered at a crash (at most FLUSH_MS of them) are lost; their
// event_ids are deterministic (bid ids, win:<bid>, click:<bid>), so a retried notice is deduplicated.

import type { IngestPipeline, IngestResult } from "../ingest-pipeline.ts";

const FLUSH_MS = 20;
const FLUSH_EVENTS = 2000;
const EVENTS_MAX = 100_000;

export class EventRecorder {
  private buffer: string[] = [];
  private events: Record<string, unknown>[] = [];
  private inflight = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  readonly counters = { recorded: 0, failed: 0 };

  /**
   * Called with the events of each batch once logged, and which of them were new (not known
   * duplicates): journeys deliver their webhooks from here, so a replay that records an event
   * again does not notify twice.
   */
  onStored: ((events: readonly Record<string, unknown>[], isNew: (i: number) => boolean) => void) | null = null;

  constructor(private readonly pipeline: () => IngestPipeline, private readonly source: "bids" | "journeys" = "bids") {}

  get full(): boolean {
    return this.buffer.length + this.inflight >= EVENTS_MAX;
  }

  record(events: readonly Record<string, unknown>[]): void {
    for (const e of events) this.buffer.push(JSON.stringify(e));
    if (this.onStored) this.events.push(...events);
    if (this.buffer.length >= FLUSH_EVENTS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): Promise<unknown> {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.buffer.length === 0) return this.chain;
    const lines = this.buffer, events = this.events;
    this.buffer = [];
    this.events = [];
    this.inflight += lines.length;
    this.chain = this.chain.then(() => this.pipeline().ingest({
      table: "events", format: "ndjson", gzip: false, body: new TextEncoder().encode(lines.join("\n")), source: this.source, allowEnvelope: false,
    })).then((r: IngestResult) => {
      this.counters.recorded += lines.length;
      if (this.onStored && events.length === lines.length) {
        const dup = new Set(r.duplicate_indexes), bad = new Set(r.errors.map((e) => e.index));
        try { this.onStored(events, (i) => !dup.has(i) && !bad.has(i)); } catch (e) { console.error(`after recording ${events.length} events: ${(e as Error).message}`); }
      }
    }, (e) => {
      this.counters.failed += lines.length;
      console.error(`recording ${lines.length} serving events failed: ${(e as Error).message}`);
    }).finally(() => { this.inflight -= lines.length; });
    return this.chain;
  }
}
