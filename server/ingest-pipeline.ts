// The ingest path from a request body to an acknowledgement:
//   parse + validate (worker thread) -> de-duplicate -> WAL append -> durable -> store -> ack.
//
// Invariants:
// - An acknowledgement is sent only after the batch's WAL record is durable under the fsync policy.
// - De-duplication decisions and WAL appends happen in the same synchronous step, so WAL order is
//   decision order; records are applied to the store strictly in WAL order (the `applyQueue`).
// - After any WAL failure the pipeline refuses all ingest (wal_failed) and acknowledges nothing
//   written after the failure: the in-memory state may no longer match the log, and a restart
//   (recovery replays the log) is the one way back to a state that provably does.
// - Bytes in flight are bounded; past the bound the client is told to retry (503 + Retry-After).

import { EngineError, type RejectCode } from "../engine/core/errors.ts";
import { DEAD_LETTER_TABLE } from "../engine/core/event-schema.ts";
import { LIMITS } from "../engine/core/limits.ts";
import type { Catalog } from "../engine/store/catalog.ts";
import { encodeIngestRecord, ingestRecordBytes, RECORD_KIND_DEDUP_SNAPSHOT, RECORD_KIND_INGEST, type IngestRecord, type SourcePosition } from "../storage/ingest-record.ts";
import type { WalWriter } from "../storage/wal/wal-writer.ts";
import { encodeControlRecord, RECORD_KIND_CONTROL, type ControlRecord } from "../storage/control-record.ts";
import { applyIngestRecord, decodeRecord, type DecodedRecord } from "./apply-ingest.ts";
import type { DedupWindow } from "./ingest/dedup-window.ts";
import type { BodyJob, IngestOutput } from "./ingest/ingest-batch.ts";

/** A body to ingest; the pipeline stamps its receive time. */
export type IngestRequest = Omit<BodyJob, "receivedAt">;

export interface IngestResult {
  accepted: number;
  rejected: number;
  duplicates: number;
  errors: { index: number; line?: number; code: RejectCode; message: string; field?: string }[];
  duplicate_indexes: number[];
  batch_id?: string | number;
}

export interface Parser {
  parse(job: BodyJob): Promise<IngestOutput>;
}

/** What the process around the pipeline does at each step; every hook is optional. */
export interface PipelineHooks {
  /** Called with each record's lsn just before it is applied to the store (compaction's WAL marks). */
  beforeApply?: (lsn: number) => void;
  /** Called after each ingest record is applied, with its LSN (derived state gets the new rows). */
  afterApply?: (lsn: number, rec: IngestRecord) => void;
  /** Applies a control record (storage/control-record.ts) in log order. */
  applyControl?: (rec: ControlRecord, lsn: number) => void;
  /** Resolves when the record at `lsn` is reflected in derived state: an answer waits for it. */
  whenApplied?: (lsn: number) => Promise<void>;
  /** Called with each acknowledged batch's latency, receive to durable answer (metrics). */
  onBatch?: (table: string, ms: number) => void;
  /** Refuses a batch of this many bytes when the disk is too full (storage/fs/disk-space.ts). */
  checkDisk?: (bytes: number) => void;
}

const NO_HOOKS: Required<PipelineHooks> = {
  beforeApply: () => {}, afterApply: () => {}, applyControl: () => {}, whenApplied: async () => {}, onBatch: () => {}, checkDisk: () => {},
};

export interface TableCounters { accepted: number; rejected: number; duplicates: number; batches: number }

interface Applying { rec: IngestRecord | null; decoded: DecodedRecord | null; control: ControlRecord | null; lsn: number; done: boolean }

export class IngestPipeline {
  private inflightBytes = 0;
  private failure: EngineError | null = null;
  private closing = false;
  private readonly applyQueue: Applying[] = [];
  /** WAL failures already known; a new one must stop ingest before anything else is appended. */
  private walFailuresSeen: number;
  private readonly idle = new Set<() => void>();
  readonly counters = new Map<string, TableCounters>();

  private readonly hooks: Required<PipelineHooks>;

  constructor(
    private readonly parser: Parser,
    private readonly wal: WalWriter,
    private readonly catalog: Catalog,
    private readonly dedup: DedupWindow,
    private readonly inflightBytesMax: number,
    hooks: PipelineHooks = {},
  ) {
    this.hooks = { ...NO_HOOKS, ...hooks };
    this.walFailuresSeen = wal.failures;
  }

  get bytesInFlight(): number { return this.inflightBytes; }
  get failed(): EngineError | null { return this.failure; }

  /** `position`: where the body came from in an external log (Kafka), logged in the same record. */
  async ingest(req: IngestRequest, position: SourcePosition | null = null): Promise<IngestResult> {
    if (this.closing) throw new EngineError("shutting_down", "server is shutting down; retry against the restarted server");
    this.throwIfFailed();
    const n = req.body.byteLength;
    if (this.inflightBytes > 0 && this.inflightBytes + n > this.inflightBytesMax) {
      throw new EngineError("overloaded", `ingest is saturated: ${this.inflightBytes} bytes in flight, limit ${this.inflightBytesMax}; retry after the Retry-After delay`);
    }
    this.inflightBytes += n;
    try {
      const receivedAt = Date.now(), t0 = performance.now();
      const out = await this.parser.parse({ ...req, receivedAt });
      this.throwIfFailed();
      // Everything that can refuse the batch runs before the first id enters the dedup window.
      const decoded = this.checkFits(out);
      this.hooks.checkDisk(out.batch.byteLength + (out.deadLetters?.byteLength ?? 0));
      // Codes are handed out in WAL order and the log records them, so a record may only follow
      // records that are in the log: after any WAL failure, nothing more is appended.
      if (this.wal.failures !== this.walFailuresSeen) {
        this.failure ??= new EngineError("wal_failed", "write-ahead log failed; ingest is stopped until restart");
        throw this.failure;
      }
      let durable: Promise<void>, lsn: number;
      let rec: IngestRecord, duplicateIndexes: number[];
      try {
        ({ rec, duplicateIndexes } = this.decide(out, decoded, receivedAt, position));
        ({ durable, lsn } = this.wal.append(RECORD_KIND_INGEST, encodeIngestRecord(rec)));
      } catch (e) {
        // The window or a dictionary now holds what a batch never logged brought: stop rather than diverge.
        this.failure ??= new EngineError("wal_failed", `ingest is stopped until restart: ${(e as Error).message}`);
        throw this.failure;
      }
      const entry: Applying = { rec, decoded, control: null, lsn, done: false };
      this.applyQueue.push(entry);
      try {
        await durable;
      } catch (e) {
        this.failure ??= new EngineError("wal_failed", `write-ahead log failed, ingest is stopped until restart: ${(e as Error).message}`);
        throw e instanceof EngineError && e.code === "disk_full" ? e : this.failure;
      }
      entry.done = true;
      this.drainApplyQueue();
      this.throwIfFailed();
      await this.hooks.whenApplied(lsn);
      const c = this.countersFor(req.table);
      c.accepted += out.accepted - duplicateIndexes.length;
      c.rejected += out.rejected.length;
      c.duplicates += duplicateIndexes.length;
      c.batches++;
      const result: IngestResult = {
        accepted: out.accepted - duplicateIndexes.length,
        rejected: out.rejected.length,
        duplicates: duplicateIndexes.length,
        errors: out.rejected,
        duplicate_indexes: duplicateIndexes,
      };
      if (out.batchId !== null) result.batch_id = out.batchId;
      this.hooks.onBatch(req.table, performance.now() - t0);
      return result;
    } finally {
      this.inflightBytes -= n;
      if (this.inflightBytes === 0) for (const f of this.idle) f();
    }
  }

  /** Refuses, before anything is decided or logged, a batch the WAL or the store could not take. */
  private checkFits(out: IngestOutput): DecodedRecord {
    const rows = out.accepted;
    // A code map takes 4 bytes per batch-dictionary value, which the batch's own offsets also take:
    // the batches' sizes bound the maps' size.
    const batches = out.batch.byteLength + (out.deadLetters?.byteLength ?? 0);
    const recordBytes = ingestRecordBytes(rows, out.batch.byteLength, out.deadLetters?.byteLength ?? 0, batches + 16);
    if (recordBytes > LIMITS.WAL_RECORD_BYTES_MAX) {
      throw new EngineError("body_too_large", `batch would make a ${recordBytes}-byte WAL record, over ${LIMITS.WAL_RECORD_BYTES_MAX}; send smaller batches`);
    }
    const decoded = decodeRecord(out);
    // Values enter the dictionaries when the batch is decided (decide), so the state now is the bound.
    this.catalog.get(decoded.batch.table)?.checkRoom(decoded.batch);
    if (decoded.deadLetters) this.catalog.get(DEAD_LETTER_TABLE)!.checkRoom(decoded.deadLetters);
    return decoded;
  }

  /**
   * Marks rows whose client event_id is in the window (the rest are remembered) and gives every
   * string value its global dictionary code. Runs in the same synchronous step as the WAL append.
   */
  private decide(out: IngestOutput, decoded: DecodedRecord, receivedAt: number, source: SourcePosition | null): { rec: IngestRecord; duplicateIndexes: number[] } {
    const rows = out.accepted;
    const hashes = new Uint32Array(out.idHashes.buffer, out.idHashes.byteOffset, rows * 2);
    let drops: Uint8Array | null = null;
    const duplicateIndexes: number[] = [];
    for (let i = 0; i < rows; i++) {
      const lo = hashes[2 * i]!, hi = hashes[2 * i + 1]!;
      if ((lo !== 0 || hi !== 0) && this.dedup.checkAndAdd(lo, hi, receivedAt)) {
        drops ??= new Uint8Array((rows + 7) >> 3);
        drops[i >> 3]! |= 1 << (i & 7);
        duplicateIndexes.push(out.rowPositions[i]!);
      }
    }
    const maps = this.catalog.get(decoded.batch.table)?.mapDictionaries(decoded.batch) ?? decoded.batch.columns.map(() => null);
    const deadLetterMaps = decoded.deadLetters ? this.catalog.get(DEAD_LETTER_TABLE)!.mapDictionaries(decoded.deadLetters) : [];
    return { rec: { receivedAt, rowCount: rows, idHashes: hashes, drops, batch: out.batch, deadLetters: out.deadLetters, maps, deadLetterMaps, source }, duplicateIndexes };
  }

  private drainApplyQueue(): void {
    const q = this.applyQueue;
    let i = 0;
    while (i < q.length && q[i]!.done && !this.failure) {
      const entry = q[i++]!;
      try {
        this.hooks.beforeApply(entry.lsn);
        if (entry.control !== null) this.hooks.applyControl(entry.control, entry.lsn);
        else applyIngestRecord(this.catalog, entry.rec!, entry.decoded!, entry.rec!);
        if (entry.rec !== null) this.hooks.afterApply(entry.lsn, entry.rec);
      } catch (e) {
        // Logged but not applied: the live store no longer matches the log. Refuse everything until
        // a restart replays the log (checkFits makes this a should-never-happen).
        this.failure = new EngineError("wal_failed", `ingest is stopped until restart: a logged batch did not apply: ${(e as Error).message}`);
      }
    }
    if (i > 0) q.splice(0, i);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private countersFor(table: string): TableCounters {
    let c = this.counters.get(table);
    if (!c) this.counters.set(table, (c = { accepted: 0, rejected: 0, duplicates: 0, batches: 0 }));
    return c;
  }

  /**
   * Logs a control record (a definition change validated by the caller) and applies it in log order;
   * resolves once it is durable and applied.
   */
  async control(rec: ControlRecord): Promise<void> {
    if (this.closing) throw new EngineError("shutting_down", "server is shutting down; retry against the restarted server");
    this.throwIfFailed();
    if (this.wal.failures !== this.walFailuresSeen) {
      this.failure ??= new EngineError("wal_failed", "write-ahead log failed; ingest is stopped until restart");
      throw this.failure;
    }
    const { lsn, durable } = this.wal.append(RECORD_KIND_CONTROL, [encodeControlRecord(rec)]);
    const entry: Applying = { rec: null, decoded: null, control: rec, lsn, done: false };
    this.applyQueue.push(entry);
    try {
      await durable;
    } catch (e) {
      this.failure ??= new EngineError("wal_failed", `write-ahead log failed, ingest is stopped until restart: ${(e as Error).message}`);
      throw e instanceof EngineError && e.code === "disk_full" ? e : this.failure;
    }
    entry.done = true;
    this.drainApplyQueue();
    this.throwIfFailed();
    await this.hooks.whenApplied(lsn);
  }

  /**
   * Logs the de-duplication window as it stands after every batch decided so far, and resolves with
   * the record's lsn once it is durable. Compaction calls this before deleting log segments: replay
   * from any later point then still knows the ids those segments held.
   */
  async snapshotDedup(): Promise<number> {
    this.throwIfFailed();
    const { lsn, durable } = this.wal.append(RECORD_KIND_DEDUP_SNAPSHOT, [this.dedup.snapshot()]);
    try {
      await durable;
    } catch (e) {
      this.failure ??= new EngineError("wal_failed", `write-ahead log failed, ingest is stopped until restart: ${(e as Error).message}`);
      throw this.failure;
    }
    return lsn;
  }

  /** Resolves once no batch is in flight (new ones are still taken; see drain). */
  async idleNow(): Promise<void> {
    if (this.inflightBytes === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => { this.idle.delete(done); resolve(); };
      this.idle.add(done);
    });
  }

  /** Refuses new batches and resolves once every batch in flight has been answered. */
  async drain(): Promise<void> {
    this.closing = true;
    await this.idleNow();
  }

}

