// The hot mirror holds exactly the store's rows: after each round of appends DuckDB's view returns
// every row with every value the store holds, across several segments, a partial tail, rows that
// arrive while a sync runs, and a history change (rows moved to Parquet and evicted from memory).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { eventsBatch } from "../../../../bench/events-batch.ts";
import { generateEvents } from "../../../../bench/data.ts";
import { decodeBatch } from "../../../../engine/core/batch-codec.ts";
import { DEAD_LETTER_SCHEMA, EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { Catalog } from "../../../../engine/store/catalog.ts";
import type { Table } from "../../../../engine/store/table.ts";
import { DuckDb } from "../../../../storage/duckdb.ts";
import { rowsToParquet } from "../../../../storage/parquet/rows-to-parquet.ts";
import { EMPTY_HISTORY, type HistorySource, type TableHistory } from "../../../../storage/parquet/table-history.ts";
import { HotMirror } from "../../../../server/sql/hot-mirror.ts";
import { ColumnType } from "../../../../engine/core/types.ts";
import { batchOf, readAll, type Value } from "../../engine/store/table-helpers.ts";
import { tempDir } from "../../storage/wal/temp-dir.ts";

const SEED = 7;
const COLUMNS = ["event_id", "ts", "received_at", "type", "campaign", "country", "revenue", "quantity", "props", "text"];
const events = generateEvents(SEED, 12000);

let dir: Awaited<ReturnType<typeof tempDir>>;
let duck: DuckDb;
let catalog: Catalog;
let table: Table;
let history: TableHistory = EMPTY_HISTORY;
const source: HistorySource = { history: (name) => (name === "events" ? history : EMPTY_HISTORY) };
let mirror: HotMirror;

beforeAll(async () => {
  console.log(`hot-mirror: seed ${SEED}`);
  dir = await tempDir("mirror");
  duck = await DuckDb.open({ allowedDirectories: [`${dir.path}/`] });
  catalog = new Catalog();
  table = catalog.create(EVENTS_SCHEMA, { segmentRows: 1024 });
  catalog.create(DEAD_LETTER_SCHEMA);
  mirror = new HotMirror(catalog, source);
  await duck.exclusive((s) => mirror.create(s));
});
afterAll(async () => {
  await duck.close();
  await dir[Symbol.asyncDispose]();
});

function append(from: number, to: number): void {
  table.appendBatch(decodeBatch(eventsBatch(events.slice(from, to))), null);
}

/** Store rows as the mirror must show them: timestamps as Dates, in event_id order. */
function storeRows(): Value[][] {
  const rows = readAll(table, { columns: COLUMNS }).rows;
  return rows.map((r) => r.map((v, i) => (v !== null && (COLUMNS[i] === "ts" || COLUMNS[i] === "received_at") ? new Date(v as number).toISOString() : v)))
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

/** The view's rows (`hotOnly`: those of rows still in memory, whose copies are in the hot table). */
async function duckRows(hotOnly = false): Promise<Value[][]> {
  const where = hotOnly ? "WHERE event_id IN (SELECT event_id FROM caracal_internal.main.__hot_events)" : "";
  const sql = `SELECT ${COLUMNS.join(", ")} FROM events ${where} ORDER BY event_id COLLATE "C"`;
  const out = await duck.exclusive((s) => s.query(sql, [], 1e6));
  return out.rows.map((r) => r.map((v) => (v instanceof Date ? v.toISOString() : (v as Value))));
}

async function sync(): Promise<number> {
  return (await duck.exclusive((s) => mirror.sync(s))).rows;
}

test("rows appended in rounds are mirrored once each, with every value", async () => {
  append(0, 2500);
  const first = await sync();
  const afterFirst = await duckRows();
  append(2500, 3100);  // a partial segment: the tail is still being written
  append(3100, 3200);
  const second = await sync();
  const nothing = await sync();
  const totals = await duck.exclusive((s) => s.query("SELECT count(*), count(DISTINCT event_id), sum(revenue) FROM events", [], 1));
  const expectedRevenue = events.slice(0, 3200).reduce((sum, e) => sum + (e.revenue ?? 0), 0);
  expect({ first, second, nothing, firstRows: afterFirst.length, rows: await duckRows() })
    .toEqual({ first: 2500, second: 700, nothing: 0, firstRows: 2500, rows: storeRows() });
  expect(totals.rows[0]!.slice(0, 2)).toEqual([3200n, 3200n]);
  expect(totals.rows[0]![2] as number).toBeCloseTo(expectedRevenue, 6);
});

test("a sync copies the rows present when it started; later ones wait for the next sync", async () => {
  append(3200, 5300);  // a few scan batches: the sync yields between them
  let done = false, landedDuringSync = false;
  const running = sync().finally(() => { done = true; });
  // Microtasks run first: the sync has read rowCount before these rows land (while it waits on DuckDB).
  setImmediate(() => { append(5300, 5400); landedDuringSync = !done; });
  const first = await running;
  const count1 = (await duck.exclusive((s) => s.query("SELECT count(*) FROM events", [], 1))).rows[0]![0];
  const second = await sync();
  expect({ landedDuringSync, first, count1, second, rows: await duckRows() })
    .toEqual({ landedDuringSync: true, first: 2100, count1: 5300n, second: 100, rows: storeRows() });
});

test("a history change moves rows to the Parquet side of the view: none lost, none twice", async () => {
  append(5400, 8000);
  await sync();
  const before = storeRows();
  // Compaction of rows [0, 4096): Parquet files (one per hour partition), then eviction from memory.
  table.seal();
  const parts = rowsToParquet(table, 0, 4096);
  const files = await Promise.all(parts.map(async (p, i) => {
    const path = join(dir.path, `part-${i}.parquet`);
    await Bun.write(path, p.bytes);
    return { path, firstRow: 0, rowCount: p.rowCount, timeMin: p.timeMin, timeMax: p.timeMax };
  }));
  history = { version: 1, compactedRows: 4096, files };
  const evicted = table.evictBefore(4096, () => true);
  const moved = await sync();
  await duck.exclusive((s) => mirror.checkpoint(s));   // compressed row groups read back the same
  const hot = await duck.exclusive((s) => s.read("SELECT count(*), min(__row) FROM caracal_internal.main.__hot_events"));
  expect({ evicted, moved, rowBase: table.rowBase, hot: hot[0], rows: await duckRows() })
    .toEqual({ evicted: 4096, moved: 0, rowBase: 4096, hot: [3904n, 4096n], rows: before });
});

test("a sync cut short by the deadline keeps what it copied; the next one finishes, each row once", async () => {
  append(8000, 12000);
  const cut = await duck.exclusive((s) => mirror.sync(s), { deadline: performance.now() + 2, timeoutMs: 2 }).then(() => "finished", (e) => e.code);
  const rest = await sync();
  const counts = await duck.exclusive((s) => s.read("SELECT count(*), count(DISTINCT event_id) FROM events"));
  expect({ cut, restAtMost: rest <= 4000, counts, rows: await duckRows(true) })
    .toEqual({ cut: "query_timeout", restAtMost: true, counts: [[12000n, 12000n]], rows: storeRows() });
});

test("the view has the store's columns and DuckDB types; the hot table is not listed by SHOW TABLES", async () => {
  const described = await duck.exclusive((s) => s.query("DESCRIBE events", [], 100));
  const shown = await duck.exclusive((s) => s.query("SHOW TABLES", [], 100));
  expect(described.rows.map((r) => `${r[0]} ${r[1]}`).filter((c) => ["ts", "revenue", "props", "event_id"].some((n) => c.startsWith(`${n} `))))
    .toEqual(["event_id VARCHAR", "ts TIMESTAMP", "revenue DOUBLE", "props VARCHAR"]);
  expect(shown.rows.map((r) => r[0])).toEqual(["_dead_letters", "events"]);
});

test("every column type, nulls anywhere, syncs starting mid-batch (unaligned validity), times before 1970", async () => {
  const cols = [
    { name: "ts", type: ColumnType.TIMESTAMP }, { name: "ok", type: ColumnType.BOOL }, { name: "n", type: ColumnType.INT32 },
    { name: "x", type: ColumnType.FLOAT64 }, { name: "s", type: ColumnType.STRING }, { name: "j", type: ColumnType.JSON },
  ];
  const schema = { name: "typed", timeColumn: "ts", columns: cols };
  const own = new Catalog();
  const t = own.create(schema, { segmentRows: 64 });
  const db = await DuckDb.open();
  try {
    const m = new HotMirror(own, { history: () => EMPTY_HISTORY });
    await db.exclusive((s) => m.create(s));
    const row = (i: number): Value[] => [
      i % 11 === 0 ? null : -86_400_000 + i * 1001, i % 3 === 0 ? null : i % 2 === 0, i % 5 === 0 ? null : i - 100,
      i % 7 === 0 ? null : i / 3, i % 4 === 0 ? null : `s${i % 9}é`, i % 6 === 0 ? null : JSON.stringify({ i }),
    ];
    const expected: Value[][] = [];
    for (const [from, to] of [[0, 13], [13, 14], [14, 150], [150, 157], [157, 300]] as const) {
      const rows = Array.from({ length: to - from }, (_, k) => row(from + k));
      t.appendBatch(batchOf("typed", cols, rows), null);
      expected.push(...rows);
      await db.exclusive((s) => m.sync(s));
    }
    const got = await db.exclusive((s) => s.query("SELECT ts, ok, n, x, s, j FROM typed ORDER BY n NULLS FIRST, x NULLS FIRST, ts NULLS FIRST, s NULLS FIRST", [], 1000));
    const asText = (r: readonly unknown[]) => JSON.stringify(r.map((v) => (v instanceof Date ? v.getTime() : v)));
    const sorted = (rows: readonly (readonly unknown[])[]) => rows.map(asText).sort();
    expect(sorted(got.rows)).toEqual(sorted(expected));
  } finally {
    await db.close();
  }
});
