import { describe, expect, test } from "bun:test";
import { readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { realFileSystem as fs } from "../../../../storage/fs/file-system.ts";
import { segmentName } from "../../../../storage/wal/segment-file.ts";
import { WalWriter } from "../../../../storage/wal/wal-writer.ts";
import { replayAll } from "./wal-helpers.ts";
import { tempDir } from "./temp-dir.ts";

// Every test record has a 16-byte payload, so it takes 40 bytes and record k of a segment starts at
// 16 + 40k (16 is the segment header).
const at = (k: number) => 16 + 40 * k;
const payload = (lsn: number) => Array.from({ length: 16 }, (_, i) => (lsn * 16 + i) & 0xff);
const rec = (lsn: number) => ({ kind: 1, lsn, payload: payload(lsn) });
const recs = (lsns: number[]) => lsns.map(rec);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

/** Writes lsns [from, to) with `perSegment` records in each segment. */
async function writeLog(dir: string, from: number, to: number, perSegment = 1000): Promise<void> {
  const w = await WalWriter.open(fs, dir, { policy: { kind: "batch" }, nextLsn: from, segmentBytes: at(perSegment) });
  await Promise.all(range(from, to).map((lsn) => w.append(1, [new Uint8Array(payload(lsn))]).durable));
  await w.close();
}

function flipByte(path: string, offset: number): void {
  const b = readFileSync(path);
  b[offset]! ^= 0x5a;
  writeFileSync(path, b);
}

async function replayError(dir: string): Promise<{ code: string; message: string }> {
  return replayAll(fs, dir).then(() => ({ code: "none", message: "" }), (e) => ({ code: e.code, message: e.message }));
}

describe("wal replay", () => {
  test("an empty or missing directory replays nothing", async () => {
    await using d = await tempDir("wal");
    expect(await replayAll(fs, join(d.path, "missing"))).toEqual({
      records: [], report: { records: 0, bytes: 0, segments: 0, nextLsn: 0, tornTail: null, quarantined: [], gaps: [] },
    });
  });

  test("a torn tail is truncated and reported, and the next writer continues after it", async () => {
    await using d = await tempDir("wal");
    await writeLog(d.path, 0, 5);
    const path = join(d.path, segmentName(0));
    truncateSync(path, at(4) + 30);
    const first = await replayAll(fs, d.path);
    const sizeAfter = statSync(path).size;
    await writeLog(d.path, first.report.nextLsn, 6);
    const second = await replayAll(fs, d.path);
    expect({ first, sizeAfter, second: second.records }).toEqual({
      first: {
        records: recs([0, 1, 2, 3]),
        report: {
          records: 4, bytes: at(4) + 30, segments: 1, nextLsn: 4, quarantined: [], gaps: [],
          tornTail: { file: path, offset: at(4), bytesDropped: 30, reason: "truncated" },
        },
      },
      sizeAfter: at(4),
      second: recs([0, 1, 2, 3, 4, 5]),
    });
  });

  test("a last record with garbage at its end is a torn tail too", async () => {
    await using d = await tempDir("wal");
    await writeLog(d.path, 10, 13);
    const path = join(d.path, segmentName(10));
    flipByte(path, at(3) - 1);
    const { records, report } = await replayAll(fs, d.path);
    expect({ records, tornTail: report.tornTail, nextLsn: report.nextLsn }).toEqual({
      records: recs([10, 11]), tornTail: { file: path, offset: at(2), bytesDropped: 40, reason: "bad_crc" }, nextLsn: 12,
    });
  });

  test("a last segment with a torn header is removed and its name still gives nextLsn", async () => {
    await using d = await tempDir("wal");
    await writeLog(d.path, 0, 4, 2);
    const path = join(d.path, segmentName(4));
    writeFileSync(path, new Uint8Array(7));
    const { records, report } = await replayAll(fs, d.path);
    expect({ records, tornTail: report.tornTail, nextLsn: report.nextLsn, exists: await fs.exists(path) }).toEqual({
      records: recs([0, 1, 2, 3]), tornTail: { file: path, offset: 0, bytesDropped: 7, reason: "segment header truncated" },
      nextLsn: 4, exists: false,
    });
  });

  test("a corrupt record with valid records after it stops replay with wal_corrupt, naming file and offset", async () => {
    await using d = await tempDir("wal");
    await writeLog(d.path, 0, 6);
    const path = join(d.path, segmentName(0));
    flipByte(path, at(2) + 30);
    expect(await replayError(d.path)).toEqual({
      code: "wal_corrupt",
      message: `wal segment ${path} is corrupt at byte offset ${at(2)} (bad_crc, valid records follow at byte ${at(3)}); ` +
        "restart with --wal-skip-corrupt to quarantine it",
    });
  });

  test("a bad tail in a segment that is not the last is corruption, not a torn tail", async () => {
    await using d = await tempDir("wal");
    await writeLog(d.path, 0, 6, 3);
    const path = join(d.path, segmentName(0));
    truncateSync(path, at(2) + 10);
    expect(await replayError(d.path)).toEqual({
      code: "wal_corrupt",
      message: `wal segment ${path} is corrupt at byte offset ${at(2)} (truncated); restart with --wal-skip-corrupt to quarantine it`,
    });
  });

  test("skipCorrupt quarantines the bad bytes and replays the records after them", async () => {
    await using d = await tempDir("wal");
    await writeLog(d.path, 0, 6);
    const path = join(d.path, segmentName(0));
    flipByte(path, at(2) + 30);
    const bad = readFileSync(path).subarray(at(2), at(3));
    const qdir = join(d.path, "q");
    const { records, report } = await replayAll(fs, d.path, { skipCorrupt: true, quarantineDir: qdir });
    const savedAs = join(qdir, `${segmentName(0)}.${at(2)}.bad`);
    expect({ records, report, saved: [...readFileSync(savedAs)] }).toEqual({
      records: recs([0, 1, 3, 4, 5]),
      report: {
        records: 5, bytes: at(6), segments: 1, nextLsn: 6, tornTail: null, gaps: [],
        quarantined: [{ file: path, offset: at(2), bytes: 40, savedAs }],
      },
      saved: [...bad],
    });
  });

  test("a missing segment is an lsn gap: wal_corrupt, or reported and accepted with skipCorrupt", async () => {
    await using d = await tempDir("wal");
    await writeLog(d.path, 0, 9, 3);
    unlinkSync(join(d.path, segmentName(3)));
    const error = await replayError(d.path);
    const skipped = await replayAll(fs, d.path, { skipCorrupt: true });
    expect({ error, records: skipped.records, gaps: skipped.report.gaps }).toEqual({
      error: {
        code: "wal_corrupt",
        message: `wal segment ${join(d.path, segmentName(6))} starts at lsn 6 but the previous segment ends before lsn 3; ` +
          "restart with --wal-skip-corrupt to quarantine it",
      },
      records: recs([0, 1, 2, 6, 7, 8]),
      gaps: [{ file: join(d.path, segmentName(6)), expectedLsn: 3, foundLsn: 6 }],
    });
  });
});
