// Kafka sources wired into the process: each configured `kafka://` URL becomes a consumer-group
// member (kafka-source.ts) whose batches go through the same pipeline as HTTP bodies, logged in one
// WAL record together with the partition's next offset (storage/ingest-record.ts SourcePosition),
// so after a crash consumption resumes exactly where the log ends (derived state keeps the furthest
// offset per partition, checkpoints included).
//
// A batch becomes one body: NDJSON messages are joined with newlines (a message may hold several
// lines); a JSON message holds one event (its newlines, legal only between tokens, become spaces);
// MessagePack messages are wrapped in one array. Every event keeps a label "topic/partition@offset"
// that a dead letter carries in its `source`. A batch the pipeline cannot take yet (overloaded, disk
// full) is retried with backoff: the partition waits, nothing is skipped and nothing is committed.

import { EngineError } from "../../engine/core/errors.ts";
import type { IngestPipeline } from "../ingest-pipeline.ts";
import type { SourcePosition } from "../../storage/ingest-record.ts";
import { createKafkaSource, type KafkaBatch, type KafkaSource } from "./kafka-source.ts";
import { parseKafkaSourceUrl, type KafkaSourceUrl } from "./source-url.ts";

const RETRY_MS_MIN = 50, RETRY_MS_MAX = 5000;
/**
 * A consumer the client gave up on (kafkajs "crash" without restart: a protocol error it does not
 * retry, e.g. a SyncGroup answered with an error during a rebalance) is replaced by a new member
 * after this backoff, doubling to the max: a source never stays dead. Its start positions come from
 * the log, as at any start, so nothing is lost or repeated.
 */
const RESTART_MS_MIN = 1000, RESTART_MS_MAX = 30_000;
/**
 * A member that vanishes (kill -9, a lost VM) holds its partitions until the group gives up on it:
 * 10 s (Kafka's default is 45 s) keeps a crashed instance's partitions idle briefly; heartbeats every
 * 2 s leave room for a few missed ones.
 */
const SESSION_TIMEOUT_MS = 10_000, HEARTBEAT_MS = 2_000;
const NL = 10, CR = 13;

export interface KafkaIngestDeps {
  readonly urls: readonly string[];
  readonly pipeline: () => IngestPipeline;
  /** The next offset to read per the log (derived state's source positions). */
  readonly logged: (topic: string, partition: number) => string | null;
  /** Tests: a stand-in for kafka-source.ts's consumer, and a clock for the restart backoff. */
  readonly createSource?: typeof createKafkaSource;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PartitionLag { topic: string; partition: number; lag: number; nextOffset: string; highWatermark: string }

interface Entry { readonly url: KafkaSourceUrl; source: KafkaSource; restartMs: number; restarting: boolean }

export class KafkaIngest {
  private readonly sources: Entry[] = [];
  readonly counters = { batches: 0, messages: 0, retries: 0, commitFailures: 0, restarts: 0 };
  private stopping = false;

  constructor(private readonly d: KafkaIngestDeps) {
    for (const text of d.urls) {
      const url = parseKafkaSourceUrl(text);
      const entry: Entry = { url, source: null as unknown as KafkaSource, restartMs: RESTART_MS_MIN, restarting: false };
      entry.source = this.makeSource(entry);
      this.sources.push(entry);
    }
  }

  private makeSource(entry: Entry): KafkaSource {
    const url = entry.url;
    const source: KafkaSource = (this.d.createSource ?? createKafkaSource)({
      brokers: url.brokers, topic: url.topic, groupId: url.groupId, clientId: `caracal-${process.pid}`,
      sessionTimeoutMs: SESSION_TIMEOUT_MS, heartbeatIntervalMs: HEARTBEAT_MS,
      handler: (b) => this.handle(url, b),
      onEvent: (e) => {
        if (e.kind === "commit_failed") this.counters.commitFailures++;
        if (e.kind === "client_error" || e.kind === "client_log" || e.kind === "handler_failed" || e.kind === "start_out_of_range" || e.kind === "commit_failed") console.error(`kafka ${url.topic}: ${JSON.stringify(e)}`);
        // A late event of a member already replaced must not restart its successor.
        if (e.kind === "client_error" && e.crashed && !e.restarting && entry.source === source) void this.restart(entry);
      },
    });
    return source;
  }

  async start(): Promise<void> {
    await Promise.all(this.sources.map((entry) => this.startOne(entry)));
  }

  private async startOne(entry: Entry): Promise<void> {
    try {
      await entry.source.start((topic, partition) => this.d.logged(topic, partition));
      entry.restartMs = RESTART_MS_MIN;
    } catch (e) {
      if (this.stopping) return;
      console.error(`kafka ${entry.url.topic}: start failed (${(e as Error).message}); retrying`);
      void this.restart(entry);
    }
  }

  /** Replaces a dead member with a new one after a backoff (see RESTART_MS_MIN). */
  private async restart(entry: Entry): Promise<void> {
    if (entry.restarting || this.stopping) return;
    entry.restarting = true;
    const wait = entry.restartMs;
    entry.restartMs = Math.min(RESTART_MS_MAX, wait * 2);
    await entry.source.stop().catch(() => {});
    await (this.d.sleep ?? Bun.sleep)(wait);
    entry.restarting = false;
    if (this.stopping) return;
    this.counters.restarts++;
    console.error(`kafka ${entry.url.topic}: the consumer stopped; rejoining the group as a new member`);
    entry.source = this.makeSource(entry);
    await this.startOne(entry);
  }

  lag(): PartitionLag[] {
    return this.sources.flatMap(({ source }) => source.lag().map((l) => ({
      topic: l.topic, partition: l.partition, lag: Number(l.lag), nextOffset: String(l.nextOffset), highWatermark: String(l.highWatermark),
    })));
  }

  private async handle(url: KafkaSourceUrl, b: KafkaBatch): Promise<void> {
    const position = { kind: "kafka" as const, topic: b.topic, partition: b.partition, next_offset: String(b.nextOffset) };
    try {
      await this.ingest(url, bodyOf(url, b.messages, b), position);
    } catch (e) {
      // One unreadable MessagePack message makes the whole array unreadable: take them one by one,
      // so only the bad one becomes a dead letter (the last carries the batch's offset).
      if (!(e instanceof EngineError && e.code === "malformed_body" && url.format === "msgpack")) throw e;
      for (let i = 0; i < b.messages.length; i++) {
        const m = b.messages[i]!, last = i === b.messages.length - 1 ? position : null;
        try {
          await this.ingest(url, bodyOf(url, [m], b), last);
        } catch (e2) {
          if (!(e2 instanceof EngineError && e2.code === "malformed_body")) throw e2;
          const line = new TextEncoder().encode(JSON.stringify({ _unreadable_msgpack_base64: Buffer.from(m.value).toString("base64") }));
          await this.ingest({ ...url, format: "ndjson" }, { body: line, labels: [`${b.topic}/${b.partition}@${m.offset}`] }, last);
        }
      }
    }
    this.counters.batches++;
    this.counters.messages += b.messages.length;
  }

  /** Ingests one body, retrying while the pipeline is full; durable when it resolves. */
  private async ingest(url: KafkaSourceUrl, b: { body: Uint8Array; labels: string[] }, position: SourcePosition | null): Promise<void> {
    for (let delay = RETRY_MS_MIN; ; delay = Math.min(RETRY_MS_MAX, delay * 2)) {
      try {
        await this.d.pipeline().ingest({ table: url.table, format: url.format, gzip: false, body: b.body, source: "kafka", allowEnvelope: false, positionLabels: b.labels }, position);
        return;
      } catch (e) {
        const code = e instanceof EngineError ? e.code : "internal";
        if ((code !== "overloaded" && code !== "disk_full" && code !== "store_limit") || this.stopping) throw e;
        this.counters.retries++;
        await Bun.sleep(delay);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.sources.map(({ source }) => source.stop()));
  }
}

/** The batch as one body of url.format, and each event's label. */
function bodyOf(url: KafkaSourceUrl, messages: KafkaBatch["messages"], b: KafkaBatch): { body: Uint8Array; labels: string[] } {
  const labels: string[] = [];
  const label = (offset: bigint) => `${b.topic}/${b.partition}@${offset}`;
  if (url.format === "msgpack") {
    let size = 5;
    for (const m of messages) size += m.value.byteLength;
    const out = new Uint8Array(size);
    out[0] = 0xdd; // array 32
    new DataView(out.buffer).setUint32(1, messages.length);
    let at = 5;
    for (const m of messages) { out.set(m.value, at); at += m.value.byteLength; labels.push(label(m.offset)); }
    return { body: out, labels };
  }
  let size = 0;
  for (const m of messages) size += m.value.byteLength + 1;
  const out = new Uint8Array(size);
  let at = 0;
  for (const m of messages) {
    const v = m.value;
    let lineStart = true;
    for (let i = 0; i < v.byteLength; i++) {
      let c = v[i]!;
      if (c === NL || c === CR) {
        if (url.format === "json") c = 0x20;
        else { if (!lineStart) { out[at++] = NL; lineStart = true; } continue; }
      }
      if (lineStart) { labels.push(label(m.offset)); lineStart = false; }
      out[at++] = c;
    }
    if (!lineStart) out[at++] = NL;
  }
  return { body: out.subarray(0, at), labels };
}
