// Queries over rows that left memory: once compaction has written rows to Parquet and evicted them,
// a query whose time range reaches them runs in DuckDB (over Parquet + the hot rows), one whose range
// does not still runs natively, and both count every event once. The part files read back the same
// with hyparquet as through DuckDB.

import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { event, getStats, ndjson, postEvents, startCaracalProcess } from "../helpers/caracal-process.ts";

const COMPACT_NOW = {
  CARACAL_STORAGE_SEGMENT_ROWS: "64", CARACAL_STORAGE_COMPACTION_INTERVAL_MS: "100", CARACAL_STORAGE_COMPACTION_MIN_ROWS: "1",
  CARACAL_STORAGE_HOT_WINDOW_MS: "0",
};

async function sql(url: string, q: string, engine = "auto") {
  const res = await fetch(`${url}/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql: q, engine }) });
  return { status: res.status, body: (await res.json()) as { rows: unknown[][]; stats: { engine: string } } };
}

function partFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".parquet")).map((f) => join(dir, f));
}

test("evicted rows are answered from Parquet by DuckDB; recent-only ranges stay native; every event once", async () => {
  await using srv = await startCaracalProcess({ env: COMPACT_NOW });
  const N = 1000;
  expect((await postEvents(srv.url, ndjson(Array.from({ length: N }, (_, i) => event(i))))).status).toBe(200);
  let stats = await getStats(srv.url);
  for (let i = 0; i < 100 && !(stats.tables.events.rows_in_parquet >= 960 && stats.tables.events.rows_in_memory < N); i++) {
    await Bun.sleep(50);
    stats = await getStats(srv.url);
  }
  expect(stats.tables.events.rows_in_memory).toBeLessThan(N);

  const all = await sql(srv.url, "SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events");
  expect({ rows: all.body.rows, engine: all.body.stats.engine }).toEqual({ rows: [[N, N]], engine: "duckdb" });
  const forced = await sql(srv.url, "SELECT count(*) FROM events", "native");
  expect(forced.status).toBe(400);
  const future = await sql(srv.url, "SELECT count(*) AS n FROM events WHERE ts >= TIMESTAMP '2030-01-01'");
  expect({ rows: future.body.rows, engine: future.body.stats.engine }).toEqual({ rows: [[0]], engine: "native" });

  const ids: string[] = [];
  for (const f of partFiles(join(srv.dataDir, "parquet", "events"))) {
    const bytes = readFileSync(f);
    for (const r of await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), compressors, columns: ["event_id"] })) ids.push(r.event_id as string);
  }
  const viaDuck = await sql(srv.url, `SELECT event_id FROM read_parquet('${join(srv.dataDir, "parquet", "events")}/**/*.parquet') ORDER BY event_id`, "duckdb");
  expect(viaDuck.status).toBe(200);
  expect(ids.sort()).toEqual(viaDuck.body.rows.map((r) => r[0] as string));
  expect(ids.length).toBe(stats.tables.events.rows_in_parquet);
});
