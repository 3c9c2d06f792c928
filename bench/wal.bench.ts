// WAL micro benchmark on the real disk: group-commit append throughput with 100 KB records under
// policy "batch" and 16 concurrent appenders, fsync latency, replay speed, and the CRC's speed.
// Bounded: each phase runs for a fixed time (BENCH_SECONDS, default 3). Data are seeded (SEED) and the
// replay's result hash is printed, so two runs over the same seed can be compared.
//
//   bun bench/wal.bench.ts

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realFileSystem } from "../storage/fs/file-system.ts";
import { replayWal } from "../storage/wal/wal-reader.ts";
import { WalWriter } from "../storage/wal/wal-writer.ts";
import { Rng } from "../test/sim/rng.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SEED = Number(process.env.SEED ?? 42);
const APPENDERS = 16;
const RECORD_BYTES = 100 * 1024;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);

async function appendPhase(dir: string): Promise<{ records: number; bytes: number }> {
  const fsyncMs: number[] = [];
  const w = await WalWriter.open(realFileSystem, dir, { policy: { kind: "batch" }, nextLsn: 0, onFsync: (ms) => fsyncMs.push(ms) });
  const rng = new Rng(SEED);
  const payloads = Array.from({ length: APPENDERS }, () => rng.bytes(RECORD_BYTES));
  const deadline = performance.now() + SECONDS * 1000;
  let records = 0;
  const t0 = performance.now();
  await Promise.all(payloads.map(async (p) => {
    while (performance.now() < deadline) {
      await w.append(1, [p]).durable;
      records++;
    }
  }));
  const ms = performance.now() - t0;
  const s = w.stats();
  await w.close();
  fsyncMs.sort((a, b) => a - b);
  console.log(`append  ${APPENDERS} appenders x ${RECORD_BYTES / 1024} KB, policy batch: ${mbps(s.bytes, ms)} MB/s, ` +
    `${(records / (ms / 1000)).toFixed(0)} records/s, ${s.groupCommits} groups (${(records / s.groupCommits).toFixed(1)} records/group), ` +
    `${s.segments} segments`);
  console.log(`fsync   ${fsyncMs.length} fsyncs: p50 ${quantile(fsyncMs, 0.5).toFixed(2)} ms, p99 ${quantile(fsyncMs, 0.99).toFixed(2)} ms, ` +
    `max ${quantile(fsyncMs, 1).toFixed(2)} ms`);
  return { records, bytes: s.bytes };
}

async function replayPhase(dir: string, expected: { records: number }): Promise<void> {
  let best = Infinity;
  let hash = 0;
  let records = 0;
  let bytes = 0;
  const deadline = performance.now() + SECONDS * 1000;
  do {
    hash = 0;
    records = 0;
    const t0 = performance.now();
    const report = await replayWal(realFileSystem, dir, {}, (kind, lsn, payload) => {
      // Touch every payload cheaply: the hash folds its length and first and last bytes.
      hash = (Math.imul(hash ^ payload.byteLength, 31) + payload[0]! + payload[payload.byteLength - 1]! + kind + lsn) >>> 0;
      records++;
    });
    best = Math.min(best, performance.now() - t0);
    bytes = report.bytes;
  } while (performance.now() < deadline);
  if (records !== expected.records) throw new Error(`replayed ${records} records, appended ${expected.records}`);
  console.log(`replay  ${records} records, ${(bytes / 1e6).toFixed(0)} MB from the page cache: ${mbps(bytes, best)} MB/s ` +
    `(best of runs), result hash ${hash.toString(16)}`);
}

function crcPhase(): void {
  const buf = new Rng(SEED).bytes(1 << 20);
  let crc = 0;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 500) {
    for (let i = 0; i < 64; i++) crc = Bun.hash.crc32(buf, crc);
    n += 64;
  }
  console.log(`crc32   Bun.hash.crc32 on 1 MB: ${(n / ((performance.now() - t0) / 1000) / 1024).toFixed(1)} GB/s (crc ${crc.toString(16)})`);
}

const dir = await mkdtemp(join(tmpdir(), "caracal-wal-bench-"));
try {
  console.log(`wal bench seed=${SEED} seconds=${SECONDS} dir=${dir}`);
  const appended = await appendPhase(dir);
  await replayPhase(dir, appended);
  crcPhase();
} finally {
  await rm(dir, { recursive: true, force: true });
}
