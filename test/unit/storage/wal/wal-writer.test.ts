import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readRecordAt } from "../../../../storage/wal/record-codec.ts";
import { listSegments, SEGMENT_HEADER_BYTES } from "../../../../storage/wal/segment-file.ts";
import { WalWriter, WAL_SEGMENT_BYTES_MIN } from "../../../../storage/wal/wal-writer.ts";
import { Rng, testSeed } from "../../../sim/rng.ts";
import { SimFileSystem } from "../../../sim/sim-file-system.ts";
import { joined, payloadParts, replayAll } from "./wal-helpers.ts";

const seed = testSeed();
console.log(`wal-writer seed=${seed}`);
const DIR = "/wal";
const bytes = (...v: number[]) => new Uint8Array(v);

async function settle(p: Promise<unknown>): Promise<string> {
  return p.then(() => "ok", (e) => `${e.code}`);
}

describe("wal writer", () => {
  test("appends issued in one tick share one write and one fsync, in order", async () => {
    const fs = new SimFileSystem(new Rng(seed));
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 7 });
    const before = w.stats().fsyncs;
    const handles = Array.from({ length: 100 }, (_, i) => w.append(1, [bytes(i, i + 1)]));
    await Promise.all(handles.map((h) => h.durable));
    const s = w.stats();
    await w.close();
    const { records } = await replayAll(fs, DIR);
    expect({ lsns: handles.map((h) => h.lsn), groups: s.groupCommits, fsyncs: s.fsyncs - before, records: s.records, replayed: records })
      .toEqual({
        lsns: Array.from({ length: 100 }, (_, i) => 7 + i), groups: 1, fsyncs: 1, records: 100,
        replayed: Array.from({ length: 100 }, (_, i) => ({ kind: 1, lsn: 7 + i, payload: [i, i + 1] })),
      });
  });

  test("appends made while a flush is in flight wait and go together in the next one", async () => {
    const fs = new SimFileSystem(new Rng(seed));
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 0 });
    const first = w.append(1, [bytes(1)]);
    await new Promise<void>((r) => setImmediate(r)); // the first flush has started its write
    const rest = Array.from({ length: 50 }, (_, i) => w.append(2, [bytes(i)]));
    await Promise.all([first.durable, ...rest.map((h) => h.durable)]);
    const s = w.stats();
    await w.close();
    expect({ groups: s.groupCommits, records: s.records }).toEqual({ groups: 2, records: 51 });
  });

  test("batch: durable resolves only when the record's bytes are fsynced", async () => {
    const fs = new SimFileSystem(new Rng(seed));
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 0 });
    const path = join(DIR, "00000000000000000000.wal");
    const seen: number[] = [];
    const hs = [0, 1, 2].map((i) => w.append(1, [new Uint8Array(8).fill(i)]));
    await Promise.all(hs.map((h) => h.durable.then(() => seen.push(fs.durableBytes(path)!.byteLength))));
    await w.close();
    expect(seen).toEqual([SEGMENT_HEADER_BYTES + 3 * 32, SEGMENT_HEADER_BYTES + 3 * 32, SEGMENT_HEADER_BYTES + 3 * 32]);
  });

  test("interval: durable resolves once written; the fsync follows on the timer", async () => {
    const fs = new SimFileSystem(new Rng(seed));
    let fsynced: () => void = () => {};
    const timerFsync = new Promise<void>((r) => (fsynced = r));
    let opened = false;
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "interval", ms: 5 }, nextLsn: 0, onFsync: () => opened && fsynced() });
    opened = true;
    const path = join(DIR, "00000000000000000000.wal");
    const h = w.append(1, [new Uint8Array(8)]);
    await h.durable;
    const atAck = fs.durableBytes(path)!.byteLength;
    await timerFsync;
    const afterTimer = fs.durableBytes(path)!.byteLength;
    await w.close();
    expect({ atAck, afterTimer }).toEqual({ atAck: SEGMENT_HEADER_BYTES, afterTimer: SEGMENT_HEADER_BYTES + 32 });
  });

  test("off: durable resolves once written; only close fsyncs", async () => {
    const fs = new SimFileSystem(new Rng(seed));
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "off" }, nextLsn: 0 });
    const path = join(DIR, "00000000000000000000.wal");
    const fsyncsAtOpen = w.stats().fsyncs;
    await Promise.all([1, 2, 3].map((i) => w.append(1, [bytes(i)]).durable));
    const atAck = { durable: fs.durableBytes(path)!.byteLength, fsyncs: w.stats().fsyncs - fsyncsAtOpen };
    await w.close();
    const afterClose = { durable: fs.durableBytes(path)!.byteLength, fsyncs: w.stats().fsyncs - fsyncsAtOpen };
    expect({ atAck, afterClose }).toEqual({
      atAck: { durable: SEGMENT_HEADER_BYTES, fsyncs: 0 },
      afterClose: { durable: SEGMENT_HEADER_BYTES + 3 * 32, fsyncs: 1 },
    });
  });

  test("rotation: records never span segments, each segment is named for its first lsn, replay reads all in order", async () => {
    const rng = new Rng(seed);
    const fs = new SimFileSystem(rng.fork());
    const segmentBytes = 512;
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, segmentBytes, nextLsn: 100 });
    const written: { kind: number; lsn: number; payload: number[] }[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const parts = payloadParts(rng, i, i === 50 ? 2000 : 300); // record 50 may exceed a segment
      const h = w.append(i % 3, parts);
      written.push({ kind: i % 3, lsn: h.lsn, payload: joined(parts) });
      pending.push(h.durable);
      if (rng.bool(0.2)) await Promise.all(pending);
    }
    await Promise.all(pending);
    await w.close();
    const { records, report } = await replayAll(fs, DIR);
    // Per segment: does its first record carry the segment's name, and is it within the size limit
    // (or holds a single record)?
    const segments = await listSegments(fs, DIR);
    const bad: string[] = [];
    for (const s of segments) {
      const b = await fs.readFile(s.path);
      const lsns: number[] = [];
      for (let at = SEGMENT_HEADER_BYTES; at < b.byteLength;) {
        const r = readRecordAt(b, at);
        if ("error" in r) { bad.push(`${s.name}: ${r.error}`); break; }
        lsns.push(r.lsn);
        at = r.next;
      }
      if (lsns[0] !== s.firstLsn) bad.push(`${s.name} starts at ${lsns[0]}`);
      if (b.byteLength > segmentBytes && lsns.length !== 1) bad.push(`${s.name} is ${b.byteLength} bytes`);
    }
    expect({ records, nextLsn: report.nextLsn, many: segments.length > 10, segmentsInStats: w.stats().segments, bad })
      .toEqual({ records: written, nextLsn: 300, many: true, segmentsInStats: segments.length, bad: [] });
  });

  test("close is idempotent; appends after close are refused with shutting_down", async () => {
    const fs = new SimFileSystem(new Rng(seed));
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 0 });
    const h = w.append(1, [bytes(1)]);
    const c1 = w.close();
    const c2 = w.close();
    await c1;
    const late = w.append(1, [bytes(2)]);
    expect({ same: c1 === c2, first: await settle(h.durable), late: { lsn: late.lsn, result: await settle(late.durable) } })
      .toEqual({ same: true, first: "ok", late: { lsn: -1, result: "shutting_down" } });
  });

  test("a failed fsync poisons the writer: later appends reject with wal_failed", async () => {
    const fs = new SimFileSystem(new Rng(seed));
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 0 });
    const ok = w.append(1, [bytes(1)]);
    await ok.durable;
    fs.failNextSyncs(1);
    const failing = w.append(1, [bytes(2)]);
    const result = await settle(failing.durable);
    const later = w.append(1, [bytes(3)]);
    const laterResult = await settle(later.durable);
    await w.close();
    expect({ result, laterResult, laterLsn: later.lsn }).toEqual({ result: "wal_io", laterResult: "wal_failed", laterLsn: -1 });
  });

  test("a failed write is cut back: the group and those queued behind it reject, their lsns are reused, the log stays clean", async () => {
    const rng = new Rng(seed);
    const fs = new SimFileSystem(rng.fork());
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 0 });
    await w.append(1, [bytes(0)]).durable;
    fs.failNextWrites(1, "disk_full", { partial: true });
    const failed = [w.append(1, [rng.bytes(100)]), w.append(1, [rng.bytes(100)])];
    await new Promise<void>((r) => setImmediate(r)); // the failing write is in flight...
    const queued = w.append(1, [rng.bytes(100)]); // ...so this one waits behind it
    const results = await Promise.all([...failed, queued].map((h) => settle(h.durable)));
    const again = w.append(1, [bytes(9)]);
    await again.durable;
    await w.close();
    const { records } = await replayAll(fs, DIR);
    expect({ results, lsns: [...failed, queued, again].map((h) => h.lsn), records }).toEqual({
      results: ["disk_full", "disk_full", "disk_full"],
      lsns: [1, 2, 3, 1],
      records: [{ kind: 1, lsn: 0, payload: [0] }, { kind: 1, lsn: 1, payload: [9] }],
    });
  });

  test("open reuses an empty segment named nextLsn and refuses a nextLsn behind the log", async () => {
    const fs = new SimFileSystem(new Rng(seed));
    await (await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 5 })).close(); // no records
    const w = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 5 });
    await w.append(1, [bytes(1)]).durable;
    await w.close();
    const behind = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 5 }).then(() => "opened", (e) => e.code);
    const tooSmall = await WalWriter.open(fs, DIR, { policy: { kind: "batch" }, nextLsn: 6, segmentBytes: WAL_SEGMENT_BYTES_MIN - 1 })
      .then(() => "opened", (e) => e.code);
    const { records } = await replayAll(fs, DIR);
    expect({ behind, tooSmall, records, segments: (await listSegments(fs, DIR)).map((s) => s.name) }).toEqual({
      behind: "bad_argument", tooSmall: "bad_argument",
      records: [{ kind: 1, lsn: 5, payload: [1] }], segments: ["00000000000000000005.wal"],
    });
  });
});
