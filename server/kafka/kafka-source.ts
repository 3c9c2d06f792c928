// One Kafka topic as a source of event batches: a kafkajs consumer in a consumer group, driven by the
// ingest pipeline through start, pause/resume, lag, assigned and stop. The only file that imports
// kafkajs outside tests and benchmarks (README.md: why kafkajs, the figures, the residual window).
//
// Owns: group membership, where each assigned partition starts, in-order delivery, committing
// consumed offsets to the group, pausing. Not: parsing, dead letters, the WAL. The handler gets raw
// message bytes and resolves once the batch's events AND its nextOffset are durable in one WAL
// record. A bad message is the handler's to report (a dead letter with topic, partition, offset),
// never a rejection: a rejection means "not durable", and the source then delivers nothing more
// (`handler_failed`) until stopped.
//
// Invariants
// - Per partition, batches go out in offset order, one at a time: the next batch of a partition is
//   delivered after the previous one is durable and its commit has returned. No offset below the
//   partition's next offset is delivered (stale fetches after a seek are dropped).
// - A partition delivers only while this member owns it in the current generation, is not paused
//   and has its start resolved; nothing is delivered once stop() began or a rebalance is pending.
// - The group's committed offset never exceeds what this member's handler made durable.
//
// Protocol (the classic, eager group protocol: a rebalance revokes every partition)
// 1. On every assignment, once no delivery is in flight: read the group's committed offsets and the
//    watermarks; seek each partition to chooseStart(logged, committed), the larger of the two
//    (start-offset.ts: why not "log first"). Partitions stay paused in the client until then.
//    Where the log is ahead of the group (a commit that did not land), commit the log's offset.
// 2. Deliver; when the handler resolves, commit nextOffset and wait for the answer; only then return
//    to the client, which fetches the partition again. Heartbeat meanwhile (a slow WAL must not
//    cost the membership).
// 3. Revocation: kafkajs sends JoinGroup only after every batch it handed out has returned (its
//    fetchers drain first), and 2 returns after the commit: when this member re-joins, all it made
//    durable is committed. A heartbeat or commit that reports a rebalance stops deliveries at once;
//    in-flight batches finish, then the member re-joins.
// 4. stop(): pause, let in-flight batches finish (durable, committed), then LeaveGroup.
//
// Exactly-once
// - One process: offsets are logged with their events, commits follow durability, so after any
//   crash the log is at or ahead of the group and the start is the log's: nothing logged is
//   consumed again, nothing unlogged is skipped.
// - Several processes, live handover (a member joins, leaves, stops): the new owner gets a
//   partition after SyncGroup, which waits for the old owner's JoinGroup or LeaveGroup, sent after
//   its commits (3, 4). Its own log has no offset for the partition, or an older one, so it starts
//   at the group's offset: where the old owner's log ends. Kafka accepts the old owner's commits
//   while the group prepares the rebalance (librdkafka's mock refuses them: see commit_failed).
// - Residual window: an owner that crashes or is evicted between a batch's WAL fsync and its commit
//   leaves that batch (at most one per partition) to be consumed again by the new owner, into
//   another process's store, where event-id de-duplication cannot see it. A live owner reports
//   every such batch (`commit_failed`); closing the window needs a two-phase step (README).
//
// Limits: one topic per source; no SASL/TLS; the coordinator's connection also carries fetches, so
// a commit can wait behind a long-poll fetch (maxWaitMs) on that broker.

import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type LogEntry } from "kafkajs";
import { assert } from "../../engine/core/assert.ts";
import { EngineError } from "../../engine/core/errors.ts";
import { chooseStart, type StartOrigin } from "./start-offset.ts";

export interface KafkaMessage {
  readonly offset: bigint;
  readonly key: Uint8Array | null;
  /** The message bytes; empty for a null value (a tombstone). */
  readonly value: Uint8Array;
  /** The message's timestamp, epoch ms. */
  readonly timestamp: number;
}

export interface KafkaBatch {
  readonly topic: string;
  readonly partition: number;
  /** In offset order; never empty. */
  readonly messages: readonly KafkaMessage[];
  /** The partition's high watermark when fetched. */
  readonly highWatermark: bigint;
  /** The offset to log with these events: one past the batch's last offset (which may be a control record's). */
  readonly nextOffset: bigint;
}

/** Resolves when the batch's events and nextOffset are durable in one WAL record. */
export type KafkaBatchHandler = (batch: KafkaBatch) => Promise<void>;
/** The next offset to consume per Caracal's own log (after the last logged one), or null. */
export type LoggedOffsets = (topic: string, partition: number) => bigint | string | null;

export interface PartitionStart { readonly partition: number; readonly offset: bigint; readonly origin: StartOrigin }
export interface PartitionLag { readonly topic: string; readonly partition: number; readonly nextOffset: bigint; readonly highWatermark: bigint; readonly lag: bigint }

export type KafkaSourceEvent =
  | { readonly kind: "assigned"; readonly topic: string; readonly partitions: readonly PartitionStart[] }
  | { readonly kind: "revoked"; readonly topic: string; readonly partitions: readonly number[] }
  /** The group is rebalancing: nothing more is delivered; in-flight batches finish, then the member re-joins. */
  | { readonly kind: "rebalance_pending"; readonly topic: string }
  /** The start chosen was outside the retained range; consumption starts at `low` (events below are lost). */
  | { readonly kind: "start_out_of_range"; readonly topic: string; readonly partition: number; readonly wanted: bigint; readonly low: bigint; readonly high: bigint }
  /**
   * A durable batch whose commit did not land: if the partition now moves to another member before
   * this one commits again, that member consumes these messages again (a data-quality signal).
   * `fenced`: this member's generation is over; `rebalancing`: refused during a rebalance (Kafka
   * accepts commits then; librdkafka's mock does not); `error`: anything else (may have landed).
   */
  | { readonly kind: "commit_failed"; readonly topic: string; readonly partition: number; readonly firstOffset: bigint; readonly nextOffset: bigint; readonly messages: number; readonly reason: "fenced" | "rebalancing" | "error"; readonly error: string }
  | { readonly kind: "handler_failed"; readonly topic: string; readonly partition: number; readonly error: unknown }
  /** `crashed`: the client's consumer stopped (kafkajs CRASH); `restarting` false then means for good. */
  | { readonly kind: "client_error"; readonly error: string; readonly restarting: boolean; readonly crashed?: boolean }
  | { readonly kind: "client_log"; readonly level: "error" | "warn"; readonly message: string };

export interface KafkaSourceOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly handler: KafkaBatchHandler;
  readonly onEvent?: (event: KafkaSourceEvent) => void;
  readonly clientId?: string;
  /** Default 30 000. The group evicts a member silent for this long. */
  readonly sessionTimeoutMs?: number;
  /** Default 60 000. How long a rebalance waits for members to re-join (in-flight batches to drain). */
  readonly rebalanceTimeoutMs?: number;
  /** Default 3 000. */
  readonly heartbeatIntervalMs?: number;
  /** Default 100. A fetch waits this long for data; a commit can wait behind it (see Limits). */
  readonly maxWaitMs?: number;
  /** Default 8 MiB: about 22 messages of 1000 realistic events per partition per fetch. */
  readonly maxBytesPerPartition?: number;
  /** Default 8: batches of different partitions in flight at once (WAL group commit shares fsyncs). */
  readonly partitionsConcurrently?: number;
  /** Default 5 000; 0: high watermarks only from fetches and refreshLag(). Needed while paused. */
  readonly lagIntervalMs?: number;
}

export interface KafkaSource {
  /** Joins the group; resolves once the first assignment's start offsets are resolved. */
  start(logged: LoggedOffsets): Promise<void>;
  /** Stops fetching (all partitions, or these); a batch already in the handler completes. */
  pause(partitions?: readonly number[]): void;
  /** resume() undoes every pause; resume(partitions) undoes pause(partitions) only. */
  resume(partitions?: readonly number[]): void;
  /** Per assigned partition: high watermark minus next offset to consume. */
  lag(): PartitionLag[];
  refreshLag(): Promise<void>;
  assigned(): { topic: string; partition: number }[];
  /** Finishes in-flight batches (durable and committed), leaves the group, disconnects. */
  stop(): Promise<void>;
}

interface PartitionState { next: bigint; hw: bigint; ready: boolean }

const REBALANCE_ERRORS = new Set(["REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", "NOT_COORDINATOR_FOR_GROUP"]);
const FENCING_ERRORS = new Set(["ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", "FENCED_INSTANCE_ID"]);
/** kafkajs's retrier wraps a protocol error it does not retry in one that has it as `cause`. */
const protocolError = (e: unknown): unknown => {
  const x = e as { type?: string; cause?: { type?: string } } | null;
  return x?.type === undefined && x?.cause?.type !== undefined ? x.cause : e;
};
const errorType = (e: unknown) => (protocolError(e) as { type?: string } | null)?.type ?? "";
const EMPTY = new Uint8Array(0);

export function createKafkaSource(opts: KafkaSourceOptions): KafkaSource {
  const { topic, groupId, handler } = opts;
  const emit = opts.onEvent ?? (() => {});
  const heartbeatMs = opts.heartbeatIntervalMs ?? 3000;
  // A fetch answer holds at most 4 partitions' worth: the memory a broker's fetch can take at once.
  const perPartition = opts.maxBytesPerPartition ?? 8 << 20;
  const kafka = new Kafka({
    clientId: opts.clientId ?? "caracal", brokers: [...opts.brokers], logLevel: logLevel.WARN,
    logCreator: () => ({ level, log }: LogEntry) => {
      if (level === logLevel.ERROR || level === logLevel.WARN) emit({ kind: "client_log", level: level === logLevel.ERROR ? "error" : "warn", message: `${log.message}${log.error ? `: ${String(log.error)}` : ""}` });
    },
  });
  const consumer: Consumer = kafka.consumer({
    groupId, sessionTimeout: opts.sessionTimeoutMs ?? 30_000, rebalanceTimeout: opts.rebalanceTimeoutMs ?? 60_000,
    heartbeatInterval: heartbeatMs, maxWaitTimeInMs: opts.maxWaitMs ?? 100,
    maxBytesPerPartition: perPartition, maxBytes: 4 * perPartition,
  });
  const admin: Admin = kafka.admin();

  let logged: LoggedOffsets = () => null;
  let parts = new Map<number, PartitionState>();
  let owned: number[] = [];
  let generation = 0;
  let running = false, stopping = false, stopped = false, rebalancePending = false;
  let failed: unknown = null;
  let pausedAll = false;
  const pausedParts = new Set<number>();
  const inflight = new Set<Promise<void>>();
  let lagTimer: Timer | undefined;
  let firstAssignment: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  let stopDone: Promise<void> | undefined;

  const isPaused = (p: number) => stopping || failed !== null || pausedAll || pausedParts.has(p) || !(parts.get(p)?.ready ?? false);

  /** Tells the client which assigned partitions to fetch: the one place client pause state is set. */
  function applyPause(): void {
    if (!running) return;
    const all = [...parts.keys()];
    consumer.pause([{ topic, partitions: all.filter(isPaused) }]);
    consumer.resume([{ topic, partitions: all.filter((p) => !isPaused(p)) }]);
  }

  function onGroupJoin(assignment: Record<string, number[]>): void {
    const gen = ++generation;
    rebalancePending = false;
    const now = [...(assignment[topic] ?? [])].sort((a, b) => a - b);
    const revoked = owned.filter((p) => !now.includes(p));
    if (revoked.length > 0) emit({ kind: "revoked", topic, partitions: revoked });
    owned = now;
    parts = new Map(now.map((p) => [p, { next: -1n, hw: -1n, ready: false }]));
    applyPause();
    void resolveStarts(gen, parts);
  }

  function onRebalancing(): void {
    // kafkajs drained its fetchers before this: nothing is in flight. Deliver nothing until the next assignment.
    if (owned.length > 0) emit({ kind: "revoked", topic, partitions: owned });
    owned = [];
    parts = new Map();
  }

  /** Step 1 of the protocol for one generation's assignment. */
  async function resolveStarts(gen: number, states: Map<number, PartitionState>): Promise<void> {
    const group = await readGroupState(gen);
    if (group === undefined) return;
    const starts: PartitionStart[] = [];
    const catchUp: { topic: string; partition: number; offset: string }[] = [];
    for (const p of states.keys()) {
      const m = group.marks.get(p);
      assert(m !== undefined, `no watermarks for ${topic}/${p}`);
      const committed = group.committed.get(p) ?? null;
      const d = chooseStart(loggedOffset(p), committed, m.low, m.high);
      if (d.outOfRange) emit({ kind: "start_out_of_range", topic, partition: p, wanted: d.wanted, low: m.low, high: m.high });
      consumer.seek({ topic, partition: p, offset: d.offset.toString() });
      starts.push({ partition: p, offset: d.offset, origin: d.origin });
      if (d.origin === "log" && !d.outOfRange && (committed === null || d.offset > committed)) catchUp.push({ topic, partition: p, offset: d.offset.toString() });
    }
    // The log is ahead of the group where a commit did not land (a crash, or a commit refused during
    // a rebalance): bring the group up to date for monitoring tools. Only this member's durable log
    // is involved, so this cannot skip anything.
    if (catchUp.length > 0) {
      await consumer.commitOffsets(catchUp).catch((e) => emit({ kind: "client_error", error: `committing the log's offsets: ${String(e)}`, restarting: false }));
      if (gen !== generation || stopping) return;
    }
    for (const s of starts) Object.assign(states.get(s.partition)!, { next: s.offset, hw: group.marks.get(s.partition)!.high, ready: true });
    applyPause();
    emit({ kind: "assigned", topic, partitions: starts });
    firstAssignment?.resolve();
  }

  /** Committed offsets and watermarks once no delivery is in flight; retried; undefined once the generation is over. */
  async function readGroupState(gen: number): Promise<{ committed: Map<number, bigint>; marks: Map<number, { low: bigint; high: bigint }> } | undefined> {
    for (let attempt = 0; ; attempt++) {
      // A batch of an earlier generation may still be in the handler (kafkajs re-joins directly on
      // metadata changes): its offsets must be in the log before the log is read.
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
      try {
        const [committed, marks] = await Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
        if (gen !== generation || stopping) return undefined;
        return {
          committed: new Map((committed[0]?.partitions ?? []).filter((c) => BigInt(c.offset) >= 0n).map((c) => [c.partition, BigInt(c.offset)])),
          marks: new Map(marks.map((m) => [m.partition, { low: BigInt(m.low), high: BigInt(m.high) }])),
        };
      } catch (e) {
        if (gen !== generation || stopping) return undefined;
        emit({ kind: "client_error", error: `reading the group's offsets: ${String(e)}`, restarting: true });
        await Bun.sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }

  function loggedOffset(p: number): bigint | null {
    const v = logged(topic, p);
    if (v === null) return null;
    assert(typeof v === "bigint" || /^\d+$/.test(v), `logged offset of ${topic}/${p} is not an offset: ${String(v)}`);
    const o = BigInt(v);
    assert(o >= 0n, `logged offset of ${topic}/${p} is negative: ${o}`);
    return o;
  }

  async function eachBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const p = batch.partition;
    const st = parts.get(p);
    // Not delivered and not resolved: the client fetches these offsets again once allowed.
    if (st === undefined || isPaused(p) || rebalancePending) return;
    const messages: KafkaMessage[] = [];
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset < st.next) continue;
      messages.push({ offset, key: m.key ?? null, value: m.value ?? EMPTY, timestamp: Number(m.timestamp) });
    }
    const last = BigInt(batch.lastOffset());
    if (messages.length === 0) {
      // Only stale messages or control records: move past them without a delivery.
      if (last >= st.next) st.next = last + 1n;
      resolveOffset((st.next - 1n).toString());
      return;
    }
    const delivery = deliver(st, { topic, partition: p, messages, highWatermark: BigInt(batch.highWatermark), nextOffset: last + 1n }, heartbeat, resolveOffset);
    inflight.add(delivery);
    try { await delivery; } finally { inflight.delete(delivery); }
  }

  /** Step 2: handler (durable), then commit, then return. Throws a rebalance error to make the client re-join now. */
  async function deliver(st: PartitionState, b: KafkaBatch, heartbeat: () => Promise<void>, resolveOffset: (o: string) => void): Promise<void> {
    let rebalance: unknown = null;
    const noteRebalance = (e: unknown) => {
      if (!REBALANCE_ERRORS.has(errorType(e))) return;
      if (!rebalancePending) emit({ kind: "rebalance_pending", topic });
      rebalancePending = true;
      // Rethrown to the client as the protocol error, which its runner recognises and re-joins on.
      rebalance ??= protocolError(e);
    };
    const beat = setInterval(() => { heartbeat().catch(noteRebalance); }, heartbeatMs);
    try {
      await handler(b);
    } catch (e) {
      failed ??= e;
      emit({ kind: "handler_failed", topic, partition: b.partition, error: e });
      applyPause();
      return;
    } finally {
      clearInterval(beat);
    }
    st.next = b.nextOffset;
    if (b.highWatermark > st.hw) st.hw = b.highWatermark;
    resolveOffset((b.nextOffset - 1n).toString());
    try {
      await consumer.commitOffsets([{ topic, partition: b.partition, offset: b.nextOffset.toString() }]);
    } catch (e) {
      const type = errorType(e);
      const reason = FENCING_ERRORS.has(type) ? "fenced" : type === "REBALANCE_IN_PROGRESS" ? "rebalancing" : "error";
      emit({ kind: "commit_failed", topic, partition: b.partition, firstOffset: b.messages[0]!.offset, nextOffset: b.nextOffset, messages: b.messages.length, reason, error: String(e) });
      noteRebalance(e);
    }
    if (rebalance !== null) throw rebalance;
  }

  async function refreshLag(): Promise<void> {
    if (!running || stopping) return;
    const marks = await admin.fetchTopicOffsets(topic);
    for (const m of marks) {
      const st = parts.get(m.partition);
      const high = BigInt(m.high);
      if (st !== undefined && st.ready && high > st.hw) st.hw = high;
    }
  }

  return {
    async start(loggedOffsets) {
      assert(!running && !stopped, "a Kafka source starts once");
      logged = loggedOffsets;
      const first = new Promise<void>((resolve, reject) => { firstAssignment = { resolve, reject }; });
      consumer.on(consumer.events.GROUP_JOIN, (e) => onGroupJoin(e.payload.memberAssignment));
      consumer.on(consumer.events.REBALANCING, onRebalancing);
      consumer.on(consumer.events.CRASH, (e) => {
        emit({ kind: "client_error", error: String(e.payload.error), restarting: e.payload.restart, crashed: true });
        if (!e.payload.restart) { failed ??= e.payload.error; firstAssignment?.reject(e.payload.error); }
      });
      try {
        await admin.connect();
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        running = true;
        await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: opts.partitionsConcurrently ?? 8, eachBatch });
        await first;
      } catch (e) {
        running = false;
        await Promise.allSettled([consumer.disconnect(), admin.disconnect()]);
        stopped = true;
        throw e;
      } finally {
        firstAssignment = undefined;
      }
      const lagMs = opts.lagIntervalMs ?? 5000;
      if (lagMs > 0) lagTimer = setInterval(() => { refreshLag().catch(() => {}); }, lagMs);
    },
    pause(partitions) {
      if (partitions === undefined) pausedAll = true;
      else for (const p of partitions) pausedParts.add(p);
      applyPause();
    },
    resume(partitions) {
      if (partitions === undefined) { pausedAll = false; pausedParts.clear(); }
      else for (const p of partitions) pausedParts.delete(p);
      applyPause();
    },
    lag() {
      const out: PartitionLag[] = [];
      for (const [partition, st] of parts) {
        if (!st.ready) continue;
        const lag = st.hw > st.next ? st.hw - st.next : 0n;
        out.push({ topic, partition, nextOffset: st.next, highWatermark: st.hw, lag });
      }
      return out.sort((a, b) => a.partition - b.partition);
    },
    refreshLag,
    assigned: () => owned.map((partition) => ({ topic, partition })),
    stop() {
      stopDone ??= (async () => {
        if (stopped) return;
        stopping = true;
        firstAssignment?.reject(new EngineError("shutting_down", `kafka source ${topic}: stopped before its first assignment`));
        clearInterval(lagTimer);
        applyPause();
        while (inflight.size > 0) await Promise.allSettled([...inflight]);
        await Promise.allSettled([consumer.disconnect(), admin.disconnect()]);
        running = false;
        stopped = true;
      })();
      return stopDone;
    },
  };
}
