// Crash simulation of ingest with compaction running: the ingest pipeline and the compactor (Parquet
// part files, manifest commit, renames, eviction, WAL truncation) share the simulated disk, and power
// loss or process death strikes after a random number of disk operations, so crashes land at every
// step of compaction. Recovery is the real start-up order: open the Parquet tree (repairing it), then
// replay the WAL from the manifest's walStart.
//
// Checked after every recovery: the table's rows are Parquet rows [0, compactedRows) plus memory rows
// from compactedRows on; every acknowledged event is there exactly once, nothing unknown is, and the
// memory rows that are also in Parquet hold the same events. Retried batches must not be stored twice
// even when the log segments that held their first attempt were deleted (the dedup snapshot). Part files are read back with hyparquet.
// Derived state (a component counting each event id it is fed, and each control record applied to
// it, checkpointed before WAL truncation) must have seen every stored event and every acknowledged
// control record exactly once after every recovery, and no control record more than once.
// Rerun a failing seed with SEED=<seed>; COMPACTION_SIM_ROUNDS sets the number of crashes.

import { expect, test } from "bun:test";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { DEAD_LETTER_SCHEMA, EVENTS_SCHEMA } from "../../engine/core/event-schema.ts";
import { DerivedState, type DerivedComponent } from "../../engine/aggregate/derived-state.ts";
import type { FeedBatch } from "../../engine/aggregate/row-feed.ts";
import { Catalog } from "../../engine/store/catalog.ts";
import { readCheckpoint, writeCheckpoint } from "../../storage/derived-checkpoint.ts";
import type { ControlRecord } from "../../storage/control-record.ts";
import { Compactor } from "../../storage/parquet/compactor.ts";
import { WalMarks } from "../../storage/parquet/wal-marks.ts";
import { listSegments } from "../../storage/wal/segment-file.ts";
import { WalWriter } from "../../storage/wal/wal-writer.ts";
import { DedupWindow } from "../../server/ingest/dedup-window.ts";
import { ingestBody } from "../../server/ingest/ingest-batch.ts";
import { IngestPipeline, type Parser } from "../../server/ingest-pipeline.ts";
import { recover } from "../../server/recover.ts";
import { ticks } from "../unit/storage/wal/wal-helpers.ts";
import { Rng, testSeed } from "./rng.ts";
import { SimFileSystem } from "./sim-file-system.ts";

const seed = testSeed();
const ROUNDS = Number(process.env.COMPACTION_SIM_ROUNDS ?? 40);
const WAL = "/data/wal", PARQUET = "/data/parquet", DERIVED = "/data/derived";
console.log(`compaction-crash seed=${seed} rounds=${ROUNDS} (rerun with SEED=${seed})`);

const inlineParser: Parser = { parse: async (req) => ingestBody({ ...req, table: EVENTS_SCHEMA }) };

function body(ids: string[]): Uint8Array {
  return new TextEncoder().encode(ids.map((id) => JSON.stringify({ event_id: id, type: "click", user_id: `u${id.length}` })).join("\n"));
}

async function parquetIds(fs: SimFileSystem, c: Compactor): Promise<string[]> {
  const ids: string[] = [];
  for (const f of c.history("events").files) {
    const bytes = await fs.readFile(f.path);
    const rows = await parquetReadObjects({ file: bytes.slice().buffer, compressors, columns: ["event_id"] });
    expect(rows.length).toBe(f.rowCount);
    for (const r of rows) ids.push(r.event_id as string);
  }
  return ids;
}

/** A derived component that counts how many times it was fed each event id. */
function idCounter(): DerivedComponent & { seen: Map<string, number> } {
  const seen = new Map<string, number>();
  return {
    name: "id_counter", tables: ["events"], columns: ["event_id"], seen,
    consume(b: FeedBatch) {
      const v = b.column("event_id")!;
      for (let i = b.begin; i < b.end; i++) { const id = v.strings!(i); seen.set(id, (seen.get(id) ?? 0) + 1); }
    },
    encode: () => new TextEncoder().encode(JSON.stringify([...seen])),
    decode(bytes) { seen.clear(); for (const [k, n] of JSON.parse(new TextDecoder().decode(bytes)) as [string, number][]) seen.set(k, n); },
    control(op, body) { const k = `${op}:${body as string}`; seen.set(k, (seen.get(k) ?? 0) + 1); },
  };
}

function memoryIds(catalog: Catalog, fromRow: number): { before: string[]; after: string[] } {
  const before: string[] = [], after: string[] = [];
  for (const b of catalog.get("events")!.scan({ columns: ["event_id"] })) {
    for (let i = 0; i < b.rowCount; i++) (b.firstRow + i < fromRow ? before : after).push(b.vectors[0]!.strings!(i));
  }
  return { before, after };
}

test(`ingest with compaction survives ${ROUNDS} simulated crashes, every acknowledged event once`, async () => {
  const rng = new Rng(seed);
  let fs = new SimFileSystem(rng);
  const acked = new Set<string>(), sent = new Set<string>();
  let unanswered: string[][] = [];
  let nextId = 0, nextControl = 0;
  const ackedControls = new Set<string>();
  const totals = { crashes: 0, files: 0, evicted: 0, walRemoved: 0, maxParquetRows: 0 };

  const start = async () => {
    const catalog = new Catalog();
    catalog.create(EVENTS_SCHEMA, { segmentRows: 16 });
    catalog.create(DEAD_LETTER_SCHEMA, { segmentRows: 16 });
    const dedup = new DedupWindow({ windowMs: 1e12, maxIds: 1e6 });
    await fs.mkdirp(WAL);
    const marks = new WalMarks(() => Object.fromEntries(catalog.list().map((t) => [t.schema.name, t.rowCount])));
    let pipeline: IngestPipeline | null = null;
    const counter = idCounter();
    const derived = new DerivedState([counter]);
    const cp = await readCheckpoint(fs, DERIVED);
    if (cp) derived.restore(cp);
    const checkpointDerived = async () => {
      const snap = derived.snapshot(), covered = { rows: derived.coverage(catalog), nextLsn: derived.nextLsn };
      await writeCheckpoint(fs, DERIVED, snap);
      return covered;
    };
    const compactor = await Compactor.open(fs, PARQUET, WAL, catalog, marks, {
      hotWindowMs: 0, hotBytesMax: 0, minRows: 1, snapshotDedup: () => pipeline!.snapshotDedup(), checkpointDerived,
    });
    const feed = (lsn: number) => { derived.feed(catalog); derived.applied(lsn); };
    const applyControl = (c: ControlRecord, lsn: number) => derived.control(c.target, c.op, c.body, lsn);
    const report = await recover(fs, WAL, "/data/quarantine", false, catalog, dedup, compactor.walStart, marks, feed, applyControl);
    const wal = await WalWriter.open(fs, WAL, {
      policy: { kind: "batch" }, nextLsn: report.nextLsn, segmentBytes: 2048, onSegment: (l) => marks.segmentStarted(l),
    });
    pipeline = new IngestPipeline(inlineParser, wal, catalog, dedup, 1 << 30, { beforeApply: (l) => marks.beforeApply(l), afterApply: feed, applyControl });
    return { catalog, pipeline, wal, compactor, counter };
  };

  const check = async (catalog: Catalog, compactor: Compactor, counter: ReturnType<typeof idCounter>, when: string) => {
    const h = compactor.history("events");
    const table = catalog.get("events")!;
    const fromParquet = await parquetIds(fs, compactor);
    const mem = memoryIds(catalog, h.compactedRows);
    const all = [...fromParquet, ...mem.after];
    const seen = new Set<string>();
    const doubled = all.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
    const missing = [...acked].filter((id) => !seen.has(id));
    const unknown = all.filter((id) => !sent.has(id));
    const parquetSet = new Set(fromParquet);
    const memoryNotInParquet = mem.before.filter((id) => !parquetSet.has(id));
    const derivedWrong = [...counter.seen].filter(([id, n]) => n !== 1 || (!id.startsWith("ctl:") && !seen.has(id)))
      .concat(all.filter((id) => !counter.seen.has(id)).map((id) => [id, 0]))
      .concat([...ackedControls].filter((c) => !counter.seen.has(`ctl:${c}`)).map((c) => [c, 0]));
    expect({ when, doubled, missing, unknown, memoryNotInParquet, derivedWrong, parquetRows: fromParquet.length, rowBaseOk: table.rowBase <= h.compactedRows })
      .toEqual({ when, doubled: [], missing: [], unknown: [], memoryNotInParquet: [], derivedWrong: [], parquetRows: h.compactedRows, rowBaseOk: true });
    totals.maxParquetRows = Math.max(totals.maxParquetRows, fromParquet.length);
  };

  for (let round = 0; round < ROUNDS; round++) {
    const { catalog, pipeline, compactor, counter } = await start();
    await check(catalog, compactor, counter, `after recovery ${round}`);
    const live = { alive: true };
    const pending = new Set<string[]>();
    const retries = unanswered;
    unanswered = [];
    for (let r = rng.int(2, 14); r > 0; r--) {
      const ids = retries.length > 0 && rng.bool(0.5) ? retries.pop()! : Array.from({ length: rng.int(1, 30) }, () => `id-${nextId++}`);
      for (const id of ids) sent.add(id);
      pending.add(ids);
      pipeline.ingest({ table: "events", format: "ndjson", gzip: false, body: body(ids), source: "http", allowEnvelope: false })
        .then(() => { if (live.alive) { pending.delete(ids); for (const id of ids) acked.add(id); } },
              () => { if (live.alive) { pending.delete(ids); unanswered.push(ids); } });
      if (rng.bool(0.2)) {
        const c = `c${nextControl++}`;
        pipeline.control({ target: "id_counter", op: "ctl", body: c }).then(() => { if (live.alive) ackedControls.add(c); }, () => {});
      }
      if (rng.bool(0.4)) await ticks(rng.int(0, 6));
      if (rng.bool(0.3)) {
        if (rng.bool(0.5)) for (const t of catalog.list()) t.seal();
        compactor.run(rng.bool(0.3) ? 0 : rng.bool(0.5) ? 1e15 : Date.now(), true).then((rep) => {
          if (live.alive) { totals.files += rep.filesWritten; totals.evicted += rep.rowsEvicted; totals.walRemoved += rep.walSegmentsRemoved; }
        }, () => {});
      }
    }
    unanswered.push(...retries);
    await ticks(rng.int(0, 120));
    live.alive = false;
    unanswered.push(...pending);
    totals.crashes++;
    fs = fs.crash(rng, rng.bool(0.7) ? "power" : "process");
    await ticks(1);
  }

  const { catalog, pipeline, wal, compactor, counter } = await start();
  for (const ids of unanswered) {
    await pipeline.ingest({ table: "events", format: "ndjson", gzip: false, body: body(ids), source: "http", allowEnvelope: false });
    for (const id of ids) acked.add(id);
  }
  for (const t of catalog.list()) t.seal();
  const last = await compactor.run(1e15, true);
  totals.files += last.filesWritten; totals.evicted += last.rowsEvicted; totals.walRemoved += last.walSegmentsRemoved;
  await check(catalog, compactor, counter, "final");
  const walSegments = (await listSegments(fs, WAL)).length;
  await wal.close();
  console.log(`compaction-crash: ${totals.crashes} crashes, ${totals.files} part files, ${totals.evicted} rows evicted, ` +
    `${totals.walRemoved} WAL segments removed (${walSegments} left), ${sent.size} events sent, ${acked.size} acknowledged`);
  expect({ everySentStored: acked.size === sent.size, compactedSomething: totals.files > 0 && totals.walRemoved > 0 && totals.evicted > 0 })
    .toEqual({ everySentStored: true, compactedSomething: true });
});
