import { describe, expect, test } from "bun:test";
import { listSegments } from "../../../../storage/wal/segment-file.ts";
import { removeSegmentsBefore } from "../../../../storage/wal/wal-truncate.ts";
import { WalWriter } from "../../../../storage/wal/wal-writer.ts";
import { Rng } from "../../../sim/rng.ts";
import { SimFileSystem } from "../../../sim/sim-file-system.ts";
import { replayAll } from "./wal-helpers.ts";

const DIR = "/wal";

/** A log of lsns 0..11, three 8-byte records per segment: segments 0, 3, 6, 9. */
async function logOf12(): Promise<SimFileSystem> {
  const fs = new SimFileSystem(new Rng(1));
  const w = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, segmentBytes: 16 + 3 * 32, nextLsn: 0 });
  await Promise.all(Array.from({ length: 12 }, (_, i) => w.append(1, [new Uint8Array(8).fill(i)]).durable));
  await w.close();
  return fs;
}

describe("removeSegmentsBefore", () => {
  test("removes whole segments below the lsn, never the last one, and replay starts after them", async () => {
    const fs = await logOf12();
    const names = async () => (await listSegments(fs, DIR)).map((s) => s.firstLsn);
    const before = await names();
    const removed5 = await removeSegmentsBefore(fs, DIR, 5); // segment 3 holds 5: it stays
    const after5 = await names();
    const removed100 = await removeSegmentsBefore(fs, DIR, 100); // the last segment always stays
    const { records, report } = await replayAll(fs, DIR);
    expect({ before, removed5, after5, removed100, lsns: records.map((r) => r.lsn), nextLsn: report.nextLsn }).toEqual({
      before: [0, 3, 6, 9],
      removed5: ["/wal/00000000000000000000.wal"],
      after5: [3, 6, 9],
      removed100: ["/wal/00000000000000000003.wal", "/wal/00000000000000000006.wal"],
      lsns: [9, 10, 11],
      nextLsn: 12,
    });
  });

  test("the removals are durable", async () => {
    const fs = await logOf12();
    await removeSegmentsBefore(fs, DIR, 6);
    const after = fs.crash(new Rng(2));
    expect((await listSegments(after, DIR)).map((s) => s.firstLsn)).toEqual([6, 9]);
  });
});
