// Crash simulation of the WAL over the simulated disk (test/sim/sim-file-system.ts), in the manner of
// TigerBeetle's VOPR: a seeded workload appends records of random sizes, awaits some of them, injects
// write and fsync failures, removes old segments as a checkpoint would, and the disk loses power (or
// the process dies) after a random number of ticks: during replay, during open, between a group's
// write and its fsync, in the middle of a rotation. Each epoch starts with a replay, which the
// checker compares with a model:
// - the log replays as consecutive lsns, exactly once each, with identical kind and payload;
// - it starts with what the previous completed replay returned (minus segments a checkpoint removed),
//   and what follows was appended, with that lsn and payload, since then: nothing else appears;
// - every record whose `durable` promise resolved under policy "batch" is there.
// Rerun a failing seed with SEED=<seed>; WAL_SIM_ROUNDS sets the number of crashes.

import { expect, test } from "bun:test";
import { EngineError } from "../../engine/core/errors.ts";
import { removeSegmentsBefore } from "../../storage/wal/wal-truncate.ts";
import { WalWriter, type FsyncPolicy } from "../../storage/wal/wal-writer.ts";
import { replayAll, ticks, type Replayed } from "../unit/storage/wal/wal-helpers.ts";
import { Rng, testSeed } from "./rng.ts";
import { SimFileSystem } from "./sim-file-system.ts";

const seed = testSeed();
const ROUNDS = Number(process.env.WAL_SIM_ROUNDS ?? 300);
const DIR = "/data/wal";
console.log(`wal-crash seed=${seed} rounds=${ROUNDS} (rerun with SEED=${seed})`);

interface Appended { kind: number; payload: Uint8Array }
/** An epoch's state, shared with the driver: `alive` turns false at its crash. */
interface Life { alive: boolean; opened: boolean }

class Model {
  /** What the last completed replay returned: durable from then on. */
  durable: Replayed[] = [];
  nextLsn = 0;
  /** Records appended since that replay, by lsn (a later append with a reused lsn replaces). */
  appended = new Map<number, Appended>();
  /** Lsns acknowledged under policy "batch". */
  acked = new Set<number>();
  /** Highest lsn passed to removeSegmentsBefore since that replay. */
  removeBefore = 0;
  stats = { replays: 0, records: 0, ackedChecked: 0, unackedLost: 0, tornTails: 0, appends: 0, rejected: 0 };

  /** Compares a completed replay with the model, then makes it the new baseline. */
  check(records: Replayed[], nextLsn: number, tornTail: unknown): void {
    const problems: string[] = [];
    const first = records[0]?.lsn ?? this.nextLsn;
    const keptFrom = this.durable.findIndex((r) => r.lsn === first);
    const floor = this.durable[0]?.lsn ?? 0;
    if (this.durable.length > 0 && (first < floor || first > Math.max(floor, this.removeBefore))) {
      problems.push(`log starts at lsn ${first}, expected ${floor} (or up to ${this.removeBefore} after removals)`);
    }
    const kept = keptFrom < 0 ? [] : this.durable.slice(keptFrom);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (i > 0 && r.lsn !== records[i - 1]!.lsn + 1) problems.push(`lsn ${r.lsn} follows ${records[i - 1]!.lsn}`);
      const want = i < kept.length ? kept[i]! : this.appendedAs(r.lsn);
      if (want === undefined || want.kind !== r.kind || !sameBytes(want.payload, r.payload)) problems.push(`lsn ${r.lsn} was never appended with this content`);
    }
    if (records.length < kept.length) problems.push(`${kept.length - records.length} durable records lost`);
    const present = new Set(records.map((r) => r.lsn));
    // Acknowledged records below the first one replayed went with segments a checkpoint removed.
    for (const lsn of this.acked) if (lsn >= first && !present.has(lsn)) problems.push(`acknowledged lsn ${lsn} lost`);
    const expectNext = records.length > 0 ? records.at(-1)!.lsn + 1 : this.nextLsn;
    if (nextLsn !== expectNext) problems.push(`nextLsn ${nextLsn}, expected ${expectNext}`);
    expect(problems).toEqual([]);
    this.stats.replays++;
    this.stats.records += records.length;
    this.stats.ackedChecked += this.acked.size;
    if (tornTail !== null) this.stats.tornTails++;
    for (const lsn of this.appended.keys()) if (lsn >= expectNext) this.stats.unackedLost++;
    this.durable = records;
    this.nextLsn = nextLsn;
    this.appended.clear();
    this.acked.clear();
    this.removeBefore = 0;
  }

  private appendedAs(lsn: number): { kind: number; payload: number[] } | undefined {
    const a = this.appended.get(lsn);
    return a && { kind: a.kind, payload: [...a.payload] };
  }
}

function sameBytes(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * One process lifetime: replay, check, open, append until the crash stops it. Its file-system calls
 * never settle after the crash, but waiting on ticks does: `life.alive` stops it touching the model.
 */
async function epoch(fs: SimFileSystem, rng: Rng, model: Model, life: Life): Promise<void> {
  const { records, report } = await replayAll(fs, DIR);
  model.check(records, report.nextLsn, report.tornTail);
  const policy: FsyncPolicy = rng.bool(0.85) ? { kind: "batch" } : { kind: "off" };
  const segmentBytes = rng.pick([64, 300, 1024, 4096, 1 << 20]);
  const w = await WalWriter.open(fs, DIR, { policy, segmentBytes, nextLsn: report.nextLsn });
  life.opened = true;
  const pending: Promise<unknown>[] = [];
  const steps = rng.int(1, 40);
  for (let step = 0; step < steps && life.alive; step++) {
    const action = rng.int(0, 99);
    if (action < 55) {
      for (let n = rng.int(1, 6); n > 0; n--) pending.push(appendOne(w, rng, model, policy, life));
    } else if (action < 80) {
      await ticks(rng.int(1, 4));
    } else if (action < 93) {
      if (pending.length > 0) await rng.pick(pending);
    } else if (action < 97) {
      const lsns = [...model.acked];
      if (lsns.length > 0) {
        const lsn = rng.pick(lsns);
        model.removeBefore = Math.max(model.removeBefore, lsn);
        await removeSegmentsBefore(fs, DIR, lsn);
      }
    } else if (action < 99) {
      fs.failNextWrites(1, rng.pick(["disk_full", "wal_io"] as const), { partial: rng.bool() });
    } else {
      fs.failNextSyncs(1);
    }
  }
  if (rng.bool(0.3)) await w.close().catch(() => {});
}

function appendOne(w: WalWriter, rng: Rng, model: Model, policy: FsyncPolicy, life: Life): Promise<unknown> {
  const kind = rng.int(0, 3);
  const size = rng.bool(0.1) ? rng.int(0, 6000) : rng.int(0, 300);
  const payload = rng.bytes(size);
  const cut = rng.int(0, size);
  const { lsn, durable } = w.append(kind, [payload.subarray(0, cut), payload.subarray(cut)]);
  model.stats.appends++;
  if (lsn >= 0) model.appended.set(lsn, { kind, payload });
  return durable.then(
    () => { if (policy.kind === "batch" && life.alive) model.acked.add(lsn); },
    (e) => {
      if (!(e instanceof EngineError)) throw e;
      model.stats.rejected++;
    },
  );
}

test(`WAL survives ${ROUNDS} crashes with every acknowledged record intact (seed ${seed})`, async () => {
  const rng = new Rng(seed);
  const model = new Model();
  let fs = new SimFileSystem(rng.fork());
  for (let round = 0; round < ROUNDS; round++) {
    let failure: unknown = null;
    let finished = false;
    const life: Life = { alive: true, opened: false };
    epoch(fs, rng.fork(), model, life).then(() => (finished = true), (e) => (failure = e));
    const running = () => !finished && failure === null;
    // One crash in five lands in recovery (replay, its repairs, opening the writer); the rest while
    // the workload runs.
    if (rng.bool(0.2)) {
      for (let t = rng.int(0, 40); t > 0 && running() && !life.opened; t--) await ticks(1);
    } else {
      while (running() && !life.opened) await ticks(1);
      for (let t = rng.int(0, 300); t > 0 && running(); t--) await ticks(1);
    }
    if (failure !== null) throw failure;
    life.alive = false;
    fs = fs.crash(rng, rng.bool(0.8) ? "power" : "process");
  }
  const { records, report } = await replayAll(fs, DIR);
  model.check(records, report.nextLsn, report.tornTail);
  console.log(`wal-crash seed=${seed}: ${JSON.stringify(model.stats)}`);
  expect(model.stats.ackedChecked > 0 && model.stats.tornTails > 0).toEqual(true);
}, 60_000);
