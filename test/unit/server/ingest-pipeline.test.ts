// IngestPipeline over the simulated disk with an in-process parser: what is refused before logging,
// and what happens when a logged batch cannot be applied.
import { expect, test } from "bun:test";
import { DEAD_LETTER_SCHEMA, EVENTS_SCHEMA } from "../../../engine/core/event-schema.ts";
import { Catalog } from "../../../engine/store/catalog.ts";
import type { TableOptions } from "../../../engine/store/table.ts";
import { WalWriter } from "../../../storage/wal/wal-writer.ts";
import { DedupWindow } from "../../../server/ingest/dedup-window.ts";
import { ingestBody } from "../../../server/ingest/ingest-batch.ts";
import { IngestPipeline } from "../../../server/ingest-pipeline.ts";
import { Rng } from "../../sim/rng.ts";
import { SimFileSystem } from "../../sim/sim-file-system.ts";

async function setup(options: TableOptions) {
  const fs = new SimFileSystem(new Rng(1));
  await fs.mkdirp("/wal");
  const wal = await WalWriter.open(fs, "/wal", { policy: { kind: "batch" }, nextLsn: 0 });
  const catalog = new Catalog();
  catalog.create(EVENTS_SCHEMA, options);
  catalog.create(DEAD_LETTER_SCHEMA);
  const dedup = new DedupWindow({ windowMs: 1e9, maxIds: 1000 });
  const parser = { parse: async (job: Parameters<typeof ingestBody>[0] & { table: unknown }) => ingestBody({ ...job, table: EVENTS_SCHEMA }) };
  const pipeline = new IngestPipeline(parser as never, wal, catalog, dedup, 1 << 30);
  const send = (lines: object[]) => pipeline.ingest({
    table: "events", format: "ndjson", gzip: false, source: "http", allowEnvelope: false,
    body: new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join("\n")),
  }).then((r) => ({ ok: r.accepted }), (e) => ({ error: e.code as string }));
  return { wal, catalog, dedup, pipeline, send };
}

test("a batch that could overflow a dictionary is refused before it is logged or remembered", async () => {
  const { wal, catalog, dedup, send } = await setup({ dictionaryBytesMax: 64 });
  const small = await send([{ event_id: "a", type: "click" }]);
  const big = await send([{ event_id: "b", type: "click", url: "x".repeat(100) }]);
  const retrySmaller = await send([{ event_id: "b", type: "click" }]);
  expect({ small, big, retrySmaller, records: wal.stats().records, rows: catalog.get("events")!.rowCount, ids: dedup.size })
    .toEqual({ small: { ok: 1 }, big: { error: "store_limit" }, retrySmaller: { ok: 1 }, records: 2, rows: 2, ids: 2 });
  await wal.close();
});

test("a logged batch that fails to apply stops ingest once, without re-applying it", async () => {
  // A unique-column heap of 40 bytes per segment: the second event_id does not fit, which only
  // the append itself finds out (checkRoom covers dictionaries).
  const { wal, catalog, send, pipeline } = await setup({ segmentHeapBytesMax: 40 });
  const first = await send([{ event_id: "0123456789abcdef0123456789", type: "click" }]);
  const second = await send([{ event_id: "fedcba9876543210fedcba9876", type: "click" }]);
  const third = await send([{ event_id: "c", type: "click" }]);
  expect({ first, second, third, rows: catalog.get("events")!.rowCount, failed: pipeline.failed?.code })
    .toEqual({ first: { ok: 1 }, second: { error: "wal_failed" }, third: { error: "wal_failed" }, rows: 1, failed: "wal_failed" });
  await wal.close();
});

test("past the in-flight byte bound a batch is refused as overloaded, and accepted again once the queue drains", async () => {
  const fs = new SimFileSystem(new Rng(2));
  await fs.mkdirp("/wal");
  const wal = await WalWriter.open(fs, "/wal", { policy: { kind: "batch" }, nextLsn: 0 });
  const catalog = new Catalog();
  catalog.create(EVENTS_SCHEMA);
  catalog.create(DEAD_LETTER_SCHEMA);
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  // The first body is held in the "parser" until released, so its bytes stay in flight.
  const parser = { parse: async (job: Parameters<typeof ingestBody>[0] & { table: unknown }) => { await held; return ingestBody({ ...job, table: EVENTS_SCHEMA }); } };
  const pipeline = new IngestPipeline(parser as never, wal, catalog, new DedupWindow({ windowMs: 1e9, maxIds: 100 }), 100);
  const body = (id: string) => new TextEncoder().encode(JSON.stringify({ event_id: id, type: "click", url: "x".repeat(60) }));
  const send = (id: string) => pipeline.ingest({ table: "events", format: "ndjson", gzip: false, source: "http", allowEnvelope: false, body: body(id) })
    .then((r) => r.accepted, (e) => e.code as string);
  const first = send("a");
  const second = await send("b");
  release();
  expect([await first, second, await send("c")]).toEqual([1, "overloaded", 1]);
  await wal.close();
});

test("after a failed WAL write nothing more is appended: the batch gets disk_full, later ones wal_failed", async () => {
  const fs = new SimFileSystem(new Rng(3));
  await fs.mkdirp("/wal");
  const wal = await WalWriter.open(fs, "/wal", { policy: { kind: "batch" }, nextLsn: 0 });
  const catalog = new Catalog();
  catalog.create(EVENTS_SCHEMA);
  catalog.create(DEAD_LETTER_SCHEMA);
  const parser = { parse: async (job: Parameters<typeof ingestBody>[0] & { table: unknown }) => ingestBody({ ...job, table: EVENTS_SCHEMA }) };
  const pipeline = new IngestPipeline(parser as never, wal, catalog, new DedupWindow({ windowMs: 1e9, maxIds: 100 }), 1 << 30);
  const send = (id: string) => pipeline.ingest({
    table: "events", format: "ndjson", gzip: false, source: "http", allowEnvelope: false,
    body: new TextEncoder().encode(JSON.stringify({ event_id: id, type: "click", campaign: `c-${id}` })),
  }).then((r) => r.accepted, (e) => e.code as string);
  const ok = await send("a");
  fs.failNextWrites(1, "disk_full");
  const full = await send("b");
  const after = await send("c");
  expect({ ok, full, after, records: wal.stats().records, failures: wal.failures, rows: catalog.get("events")!.rowCount })
    .toEqual({ ok: 1, full: "disk_full", after: "wal_failed", records: 1, failures: 1, rows: 1 });
  await wal.close();
});
