// Quarantine of a damaged part file, on a simulated disk: the manifest stops listing it and records
// it; when its rows are still in memory the file is rewritten at once (nothing lost, the list is
// whole again); when they were evicted it stays out until the rows come back into memory.
import { expect, test } from "bun:test";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { decodeBatch } from "../../../../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { Catalog } from "../../../../engine/store/catalog.ts";
import { Compactor } from "../../../../storage/parquet/compactor.ts";
import { WalMarks } from "../../../../storage/parquet/wal-marks.ts";
import { plainEventsBatch } from "../../../helpers/event-feed.ts";
import { Rng } from "../../../sim/rng.ts";
import { SimFileSystem } from "../../../sim/sim-file-system.ts";

const HOUR = 3_600_000, T0 = Date.UTC(2026, 10, 20, 10);

async function setup(hotWindowMs: number) {
  const fs = new SimFileSystem(new Rng(5));
  const catalog = new Catalog();
  const table = catalog.create(EVENTS_SCHEMA, { segmentRows: 16 });
  const marks = new WalMarks(() => ({ events: table.rowCount }));
  const c = await Compactor.open(fs, "/p", "/w", catalog, marks, { hotWindowMs, hotBytesMax: Infinity, minRows: 1 });
  // 64 events over two hours: each compaction run writes one file per hour.
  table.appendBatch(decodeBatch(plainEventsBatch(Array.from({ length: 64 }, (_, i) => ({ event_id: `q${i}`, type: "t", ts: T0 + (i % 2) * HOUR + i })))), null);
  table.seal();
  await c.run(T0 + 10 * HOUR, true);
  return { fs, table, c };
}

async function ids(fs: SimFileSystem, c: Compactor): Promise<string[]> {
  const out: string[] = [];
  for (const f of c.history("events").files) {
    const rows = await parquetReadObjects({ file: (await fs.readFile(f.path)).slice().buffer, compressors, columns: ["event_id"] });
    out.push(...rows.map((r) => r.event_id as string));
  }
  return out.sort();
}

test("rows still in memory: the damaged file is rewritten at once and nothing is lost", async () => {
  const { fs, c } = await setup(Infinity);
  const before = await ids(fs, c);
  const victim = c.history("events").files[0]!;
  const q = await c.quarantine(victim.path, "damaged");
  expect({ recorded: q?.rowCount, stillQuarantined: c.quarantined.length, ids: await ids(fs, c), moved: await fs.exists(`/p/${q!.path}.damaged`) })
    .toEqual({ recorded: victim.rowCount, stillQuarantined: 0, ids: before, moved: true });
});

test("rows evicted: the file stays out of the history until they are back in memory", async () => {
  const { fs, table, c } = await setup(0);
  expect(table.rowBase).toBe(64);
  const victim = c.history("events").files[0]!;
  await c.quarantine(victim.path, "damaged");
  const left = await ids(fs, c);
  expect({ quarantined: c.quarantined.map((x) => x.path), listed: c.history("events").files.length, rows: left.length, restored: await c.restoreQuarantined() })
    .toEqual({ quarantined: [victim.path.slice(3)], listed: 1, rows: 64 - victim.rowCount, restored: 0 });
  expect(await c.quarantine("/p/not/a/file.parquet", "x")).toBeNull();
});
