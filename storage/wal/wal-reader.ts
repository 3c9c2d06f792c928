// WAL replay: reads the segments in lsn order, hands every record to a callback, repairs a torn tail,
// and stops on corruption unless the operator asked to quarantine it.
//
// What a bad record means (a bad file header counts as a bad record at offset 0):
// - Torn tail: it is in the last segment and no valid record with a plausible lsn follows it in that
//   segment. A crash cut a write short; no record after it was ever acknowledged (the writer fsyncs
//   in order). The file is truncated there durably (or removed, when its header is bad) and reported.
// - Anything else (an earlier segment, a valid record after it, an lsn out of sequence, a segment that
//   does not start where the previous one ended) is corruption: "wal_corrupt", naming the file and
//   byte offset. With `skipCorrupt`, the bad bytes up to the next valid record are copied to
//   `quarantineDir` and replay resumes at that record, accepting its lsn.
// Invariants: one segment is in memory at a time; payloads are subarrays of it (never copied), valid
// until the callback's caller drops them. After replay the last segment and the directory are fsynced,
// so records replayed from the page cache after a process crash cannot vanish in a later power loss
// while newer records, written after them, survive.

import { join } from "node:path";
import { assert } from "../../engine/core/assert.ts";
import { EngineError } from "../../engine/core/errors.ts";
import type { FileSystem } from "../fs/file-system.ts";
import { findNextRecord, readRecordAt } from "./record-codec.ts";
import { checkSegmentHeader, listSegments, SEGMENT_HEADER_BYTES, type SegmentEntry } from "./segment-file.ts";

export interface ReplayReport {
  records: number;
  /** Bytes of segment files read. */
  bytes: number;
  segments: number;
  /** Lsn for the next record: WalWriter.open's nextLsn. */
  nextLsn: number;
  tornTail: null | { file: string; offset: number; bytesDropped: number; reason: string };
  quarantined: { file: string; offset: number; bytes: number; savedAs: string }[];
  /** Lsns missing between segments, accepted because of skipCorrupt. */
  gaps: { file: string; expectedLsn: number; foundLsn: number }[];
}

export interface ReplayOptions {
  skipCorrupt?: boolean;
  /** Where quarantined bytes go; default `<dir>/quarantine`. */
  quarantineDir?: string;
}

export type OnRecord = (kind: number, lsn: number, payload: Uint8Array) => void;

const SKIP_HINT = "restart with --wal-skip-corrupt to quarantine it";

export async function replayWal(fs: FileSystem, dir: string, opts: ReplayOptions, onRecord: OnRecord): Promise<ReplayReport> {
  const segments = await listSegments(fs, dir);
  const r = new Replay(fs, dir, opts, onRecord);
  r.report.segments = segments.length;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (!(await r.enterSegment(seg))) continue;
    const bytes = await fs.readFile(seg.path);
    r.report.bytes += bytes.byteLength;
    await r.segment(seg, bytes, i === segments.length - 1);
  }
  r.report.nextLsn = r.expected;
  const last = segments.at(-1);
  if (last !== undefined && (await fs.exists(last.path))) {
    const f = await fs.openAppend(last.path);
    try {
      await f.sync();
    } finally {
      await f.close();
    }
    await fs.syncDir(dir);
  }
  return r.report;
}

class Replay {
  readonly report: ReplayReport = { records: 0, bytes: 0, segments: 0, nextLsn: 0, tornTail: null, quarantined: [], gaps: [] };
  /** Lsn the next record must carry. */
  expected = 0;
  /** No record read yet, or bytes were just quarantined: the next lsn seen (>= expected) is accepted. */
  private resync = true;

  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly opts: ReplayOptions,
    private readonly onRecord: OnRecord,
  ) {}

  /** Checks that `seg` starts where the log left off; false when it is skipped whole. */
  async enterSegment(seg: SegmentEntry): Promise<boolean> {
    const ok = this.resync ? seg.firstLsn >= this.expected : seg.firstLsn === this.expected;
    if (!ok) {
      const what = `wal segment ${seg.path} starts at lsn ${seg.firstLsn} but the previous segment ends before lsn ${this.expected}`;
      if (!this.opts.skipCorrupt) throw new EngineError("wal_corrupt", `${what}; ${SKIP_HINT}`, { file: seg.path, offset: 0 });
      if (seg.firstLsn < this.expected) {
        // Overlapping lsns cannot be replayed twice: set the whole segment aside.
        await this.quarantine(seg, await this.fs.readFile(seg.path), 0);
        return false;
      }
      this.report.gaps.push({ file: seg.path, expectedLsn: this.expected, foundLsn: seg.firstLsn });
    }
    this.expected = seg.firstLsn;
    this.resync = false;
    return true;
  }

  async segment(seg: SegmentEntry, bytes: Uint8Array, isLast: boolean): Promise<void> {
    const header = checkSegmentHeader(bytes);
    let at = SEGMENT_HEADER_BYTES;
    if (header !== "ok") {
      at = await this.bad(seg, bytes, 0, `segment header ${header}`, isLast);
      if (at < 0) return;
    }
    const end = bytes.byteLength;
    while (at < end) {
      const rec = readRecordAt(bytes, at);
      if ("error" in rec || rec.lsn !== this.expected) {
        const reason = "error" in rec ? rec.error : `lsn ${rec.lsn} where ${this.expected} was expected`;
        at = await this.bad(seg, bytes, at, reason, isLast);
        if (at < 0) return;
        continue;
      }
      this.onRecord(rec.kind, rec.lsn, rec.payload);
      this.report.records++;
      this.expected++;
      at = rec.next;
    }
  }

  /** Handles a bad record at `at`: returns where to resume in this segment, or -1 to leave it. */
  private async bad(seg: SegmentEntry, bytes: Uint8Array, at: number, reason: string, isLast: boolean): Promise<number> {
    const next = findNextRecord(bytes, at, this.expected);
    if (next < 0 && isLast) {
      await this.cutTail(seg, at, bytes.byteLength - at, reason);
      return -1;
    }
    if (!this.opts.skipCorrupt) {
      const after = next < 0 ? "" : `, valid records follow at byte ${next}`;
      throw new EngineError("wal_corrupt", `wal segment ${seg.path} is corrupt at byte offset ${at} (${reason}${after}); ${SKIP_HINT}`,
        { file: seg.path, offset: at, reason });
    }
    await this.quarantine(seg, bytes.subarray(0, next < 0 ? bytes.byteLength : next), at);
    this.resync = true;
    if (next < 0) return -1;
    this.expected = readLsnAt(bytes, next);
    this.resync = false;
    return next;
  }

  private async cutTail(seg: SegmentEntry, at: number, bytesDropped: number, reason: string): Promise<void> {
    if (at < SEGMENT_HEADER_BYTES) {
      await this.fs.unlink(seg.path);
      await this.fs.syncDir(this.dir);
    } else {
      await this.fs.truncate(seg.path, at);
    }
    this.report.tornTail = { file: seg.path, offset: at, bytesDropped, reason };
  }

  /** Saves bytes[from..] of `seg` to the quarantine directory and reports it. */
  private async quarantine(seg: SegmentEntry, bytes: Uint8Array, from: number): Promise<void> {
    const qdir = this.opts.quarantineDir ?? join(this.dir, "quarantine");
    const savedAs = join(qdir, `${seg.name}.${from}.bad`);
    await this.fs.mkdirp(qdir);
    // A previous start with --wal-skip-corrupt may have saved the same bytes already.
    if (await this.fs.exists(savedAs)) await this.fs.unlink(savedAs);
    const f = await this.fs.openAppend(savedAs);
    try {
      await f.append([bytes.subarray(from)]);
      await f.sync();
    } finally {
      await f.close();
    }
    await this.fs.syncDir(qdir);
    this.report.quarantined.push({ file: seg.path, offset: from, bytes: bytes.byteLength - from, savedAs });
  }
}

function readLsnAt(bytes: Uint8Array, at: number): number {
  const rec = readRecordAt(bytes, at);
  assert(!("error" in rec), `record at ${at} was valid a moment ago`);
  return rec.lsn;
}
