// The WAL writer: appends records to segment files with group commit, and tells each caller when its
// record is durable under the fsync policy.
//
// Group commit: `append` only encodes the header and queues the record in the open group. One flush
// runs at a time; it takes the whole open group and writes it with one writev (and, under policy
// "batch", one fsync). Appends made while a flush is in flight form the next group, so the number
// of fsyncs follows the disk's speed, not the request rate. All records of a group share one
// `durable` promise.
//
// Invariants:
// - Records reach the file in lsn order, lsns consecutive; a record never spans two segments.
// - Every segment but the last is fsynced before the next one is created (whatever the policy), and a
//   new segment's header and directory entry are fsynced before any record goes into it. So after a
//   crash only the tail of the last segment can be torn, which replay truncates.
// - A failed fsync poisons the writer: the kernel may have dropped the dirty pages, so nothing written
//   since the last good fsync can be trusted, and every later append rejects with "wal_failed".
// - A failed write (e.g. ENOSPC) may have left part of the group in the file. The writer truncates the
//   segment back to its size before that write (durably), rejects that group and every record queued
//   behind it, and rewinds the next lsn to the first record not written: the log never holds a half
//   record followed by good ones, nor an lsn gap. If the truncation fails too, the writer is poisoned.
//   Records of the group written before the failure (into the previous segment, when the group
//   crossed a rotation) stay in the log although their promise rejects: a rejection means "not known
//   durable", and clients retry with the same event ids, which de-duplication absorbs.
// The caller must not modify the parts passed to `append` until `durable` settles.

import { join } from "node:path";
import { EngineError } from "../../engine/core/errors.ts";
import { LIMITS } from "../../engine/core/limits.ts";
import type { AppendFile, FileSystem } from "../fs/file-system.ts";
import { encodeRecordHeader, RECORD_HEADER_BYTES, recordBytes, recordPadding } from "./record-codec.ts";
import { encodeSegmentHeader, listSegments, SEGMENT_HEADER_BYTES, segmentName } from "./segment-file.ts";

export type FsyncPolicy = { kind: "batch" } | { kind: "interval"; ms: number } | { kind: "off" };

export interface WalStats {
  /** Segment files this writer has created. */
  segments: number;
  /** Record bytes written (headers, payloads, padding). */
  bytes: number;
  records: number;
  /** fsyncs of segment files (directory fsyncs not counted). */
  fsyncs: number;
  lastFsyncMs: number;
  fsyncMsTotal: number;
  /** Groups written: one writev each (two when a group crosses a rotation). */
  groupCommits: number;
  /**
   * Failed writes or syncs, counted the moment they happen (before any promise settles): a caller
   * whose later records depend on earlier ones checks it before appending.
   */
  failures: number;
}

export interface WalWriterOptions {
  policy: FsyncPolicy;
  /** Rotate when the next record would take the segment past this size. Default LIMITS.WAL_SEGMENT_BYTES. */
  segmentBytes?: number;
  /** Lsn of the first record to append: ReplayReport.nextLsn. */
  nextLsn: number;
  /** Called after every segment fsync with its duration. */
  onFsync?: (ms: number) => void;
  /** Called when a segment is created (durably), with the lsn its first record will have. */
  onSegment?: (firstLsn: number) => void;
}

/** Smallest segment size accepted: a file header and one small record. */
export const WAL_SEGMENT_BYTES_MIN = SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + 8;

interface Group {
  readonly firstLsn: number;
  /** Header, payload parts and padding of each record, in lsn order. */
  readonly parts: Uint8Array[];
  /** Index into `parts` just past each record. */
  readonly partEnds: number[];
  /** On-disk bytes of each record. */
  readonly sizes: number[];
  readonly done: PromiseWithResolvers<void>;
}

export class WalWriter {
  private file!: AppendFile;
  private open: Group | null = null;
  private running: Promise<void> | null = null;
  private failure: EngineError | null = null;
  private closed: Promise<void> | null = null;
  /** Bytes written to the current segment since its last fsync. */
  private dirty = false;
  private syncWanted = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly counters: WalStats = {
    segments: 0, bytes: 0, records: 0, fsyncs: 0, lastFsyncMs: 0, fsyncMsTotal: 0, groupCommits: 0, failures: 0,
  };

  private constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly policy: FsyncPolicy,
    private readonly segmentBytes: number,
    private nextLsn: number,
    private readonly onFsync: ((ms: number) => void) | undefined,
    private readonly onSegment: ((firstLsn: number) => void) | undefined,
  ) {}

  /** Opens a writer that appends to a new segment named `nextLsn`. Replay the log first. */
  static async open(fs: FileSystem, dir: string, opts: WalWriterOptions): Promise<WalWriter> {
    const { policy, nextLsn } = opts;
    const segmentBytes = opts.segmentBytes ?? LIMITS.WAL_SEGMENT_BYTES;
    if (!Number.isSafeInteger(nextLsn) || nextLsn < 0) throw new EngineError("bad_argument", `wal nextLsn ${nextLsn} is not a non-negative integer`);
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < WAL_SEGMENT_BYTES_MIN) {
      throw new EngineError("bad_argument", `wal segment size ${segmentBytes} is below ${WAL_SEGMENT_BYTES_MIN} bytes`);
    }
    if (policy.kind === "interval" && !(policy.ms > 0)) throw new EngineError("bad_argument", `wal fsync interval ${policy.ms} ms is not positive`);
    await fs.mkdirp(dir);
    await clearSegmentSlot(fs, dir, nextLsn);
    const w = new WalWriter(fs, dir, policy, segmentBytes, nextLsn, opts.onFsync, opts.onSegment);
    w.file = await w.createSegment(nextLsn);
    if (policy.kind === "interval") {
      w.timer = setInterval(() => w.requestSync(), policy.ms);
      w.timer.unref?.();
    }
    return w;
  }

  /**
   * Queues a record; records reach the log in call order. `lsn` is -1 when the append is refused
   * (closing: "shutting_down"; poisoned: "wal_failed"), and `durable` then rejects. A payload over
   * LIMITS.WAL_RECORD_BYTES_MAX throws "bad_argument" at once.
   */
  append(kind: number, parts: readonly Uint8Array[]): { lsn: number; durable: Promise<void> } {
    if (this.closed !== null) return { lsn: -1, durable: rejected(new EngineError("shutting_down", "wal writer is closed")) };
    if (this.failure !== null) return { lsn: -1, durable: rejected(this.failure) };
    const lsn = this.nextLsn;
    const header = encodeRecordHeader(kind, lsn, parts);
    this.nextLsn = lsn + 1;
    const g = (this.open ??= newGroup(lsn));
    g.parts.push(header);
    let length = 0;
    for (const p of parts) {
      g.parts.push(p);
      length += p.byteLength;
    }
    const pad = recordPadding(length);
    if (pad.byteLength > 0) g.parts.push(pad);
    g.partEnds.push(g.parts.length);
    g.sizes.push(recordBytes(length));
    this.kick();
    return { lsn, durable: g.done.promise };
  }

  /** WalStats.failures without copying the other counters (read before every ingest append). */
  get failures(): number {
    return this.counters.failures;
  }

  stats(): WalStats {
    return { ...this.counters };
  }

  /**
   * Waits for every queued record, fsyncs, closes the segment. Idempotent: returns the same promise.
   * Rejects only if that last fsync fails (records acknowledged under "interval" or "off" may then be
   * lost); earlier failures were reported through the appends' promises.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    while (this.running !== null) await this.running;
    try {
      if (this.failure === null && this.dirty) await this.syncFile().catch((e) => { throw this.poison(e); });
    } finally {
      await this.file.close().catch(() => {});
    }
  }

  private requestSync(): void {
    if (!this.dirty && this.running === null) return;
    this.syncWanted = true;
    this.kick();
  }

  private kick(): void {
    this.running ??= this.run();
  }

  /** The one flush loop. Never rejects: failures settle the groups' promises instead. */
  private async run(): Promise<void> {
    // Start on a later microtask, so every append made in the current tick joins the first group.
    await undefined;
    try {
      while (this.failure === null) {
        if (this.syncWanted) {
          this.syncWanted = false;
          if (this.dirty) await this.syncFile().catch((e) => this.poison(e));
        } else if (this.open !== null) {
          const g = this.open;
          this.open = null;
          await this.commit(g);
        } else {
          break;
        }
      }
    } catch (e) {
      this.poison(e);
    }
    this.running = null;
    if (this.failure !== null && this.open !== null) {
      this.open.done.reject(this.failure);
      this.open = null;
    }
  }

  private async commit(g: Group): Promise<void> {
    const n = g.sizes.length;
    for (let i = 0; i < n;) {
      if (this.file.size > SEGMENT_HEADER_BYTES && this.file.size + g.sizes[i]! > this.segmentBytes) {
        try {
          await this.rotate(g.firstLsn + i);
        } catch (e) {
          return g.done.reject(this.poison(e));
        }
      }
      let j = i + 1;
      let bytes = g.sizes[i]!;
      while (j < n && this.file.size + bytes + g.sizes[j]! <= this.segmentBytes) bytes += g.sizes[j++]!;
      const parts = i === 0 && j === n ? g.parts : g.parts.slice(i === 0 ? 0 : g.partEnds[i - 1], g.partEnds[j - 1]);
      const sizeBefore = this.file.size;
      try {
        this.dirty = true;
        await this.file.append(parts);
      } catch (e) {
        return this.undoWrite(g, asEngineError(e, this.file.path), sizeBefore, g.firstLsn + i);
      }
      this.counters.bytes += bytes;
      this.counters.records += j - i;
      this.counters.groupCommits++;
      i = j;
    }
    if (this.policy.kind === "batch") {
      try {
        await this.syncFile();
      } catch (e) {
        return g.done.reject(this.poison(e));
      }
    }
    g.done.resolve();
  }

  /** After a failed write: cut the segment back to `goodSize` and give up every lsn from `failedLsn` on. */
  private async undoWrite(g: Group, err: EngineError, goodSize: number, failedLsn: number): Promise<void> {
    this.counters.failures++;
    const path = this.file.path;
    try {
      await this.file.close();
      await this.fs.truncate(path, goodSize);
      this.file = await this.fs.openAppend(path);
      if (this.file.size !== goodSize) throw new EngineError("wal_io", `${path} is ${this.file.size} bytes after truncation to ${goodSize}`);
    } catch (e) {
      this.poison(e);
      return g.done.reject(err);
    }
    this.nextLsn = failedLsn;
    if (this.open !== null) {
      this.open.done.reject(err);
      this.open = null;
    }
    g.done.reject(err);
  }

  private async rotate(firstLsn: number): Promise<void> {
    if (this.dirty) await this.syncFile();
    await this.file.close();
    this.file = await this.createSegment(firstLsn);
  }

  /** Creates segment `firstLsn`; its header and directory entry are durable before it is used. */
  private async createSegment(firstLsn: number): Promise<AppendFile> {
    const f = await this.fs.openAppend(join(this.dir, segmentName(firstLsn)));
    try {
      if (f.size !== 0) throw new EngineError("wal_io", `wal segment ${f.path} already exists with ${f.size} bytes`);
      await f.append([encodeSegmentHeader()]);
      await this.timedSync(f);
      await this.fs.syncDir(this.dir);
    } catch (e) {
      await f.close().catch(() => {});
      throw e;
    }
    this.counters.segments++;
    this.dirty = false;
    this.onSegment?.(firstLsn);
    return f;
  }

  private async syncFile(): Promise<void> {
    await this.timedSync(this.file);
    this.dirty = false;
  }

  private async timedSync(f: AppendFile): Promise<void> {
    const t0 = performance.now();
    await f.sync();
    const ms = performance.now() - t0;
    this.counters.fsyncs++;
    this.counters.lastFsyncMs = ms;
    this.counters.fsyncMsTotal += ms;
    this.onFsync?.(ms);
  }

  /** Stops the writer for good; returns the error the failing operation's records reject with. */
  private poison(e: unknown): EngineError {
    this.counters.failures++;
    const err = asEngineError(e, this.file.path);
    this.failure ??= new EngineError("wal_failed", `write-ahead log stopped after an I/O failure (${err.message}); restart to recover`, { cause: err.code });
    return err;
  }
}

/**
 * A segment named `nextLsn` may exist when the last run created it and stopped before writing a
 * record. Empty it so the new writer starts it afresh; refuse if it holds records (or if a later
 * segment exists), because then `nextLsn` does not come from replaying this log.
 */
async function clearSegmentSlot(fs: FileSystem, dir: string, nextLsn: number): Promise<void> {
  const last = (await listSegments(fs, dir)).at(-1);
  if (last === undefined || last.firstLsn < nextLsn) return;
  const f = last.firstLsn === nextLsn ? await fs.openAppend(last.path) : null;
  const size = f?.size ?? 0;
  await f?.close();
  if (f === null || size > SEGMENT_HEADER_BYTES) {
    throw new EngineError("bad_argument", `wal segment ${last.path} holds records at or after lsn ${nextLsn}; open the writer with the nextLsn replay reports`);
  }
  await fs.truncate(last.path, 0);
}

function newGroup(firstLsn: number): Group {
  const done = Promise.withResolvers<void>();
  // The promise is shared by many callers; one that drops it must not turn a failure into an
  // unhandled rejection. Callers that await it still see the rejection.
  done.promise.catch(() => {});
  return { firstLsn, parts: [], partEnds: [], sizes: [], done };
}

function rejected(e: EngineError): Promise<void> {
  const p = Promise.reject(e);
  p.catch(() => {});
  return p;
}

function asEngineError(e: unknown, path: string): EngineError {
  return e instanceof EngineError ? e : new EngineError("wal_io", `${path}: ${(e as Error)?.message ?? String(e)}`);
}
