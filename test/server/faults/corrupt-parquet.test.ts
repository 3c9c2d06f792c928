// A compacted Parquet file damaged on disk: the query that meets it fails with a clear 500
// data_corrupt naming the file, the file is moved aside (recorded in the manifest, reported by
// /healthz), and every later query answers from the rest: other files and memory. Its rows were
// evicted from memory, so they are missing until a restart replays them from the write-ahead log
// (which still holds them here); the restart rewrites the file and the count is whole again.
import { expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ndjson, postEvents, startCaracalProcess, tempDataDir } from "../../helpers/caracal-process.ts";

const HOUR = 3_600_000;

test("a damaged Parquet file is reported, moved aside, and the rest stays readable", async () => {
  const dataDir = tempDataDir();
  const conf = join(tempDataDir("caracal-conf-"), "c.json");
  writeFileSync(conf, JSON.stringify({ storage: { segment_rows: 64, compaction_min_rows: 64, compaction_interval_ms: 200, hot_window_ms: 0 } }));
  let srv = await startCaracalProcess({ dataDir, args: ["--config", conf] });
  // Two hours of history, 200 events each: at least two part files.
  const t0 = Date.UTC(2026, 10, 20, 10);
  const events = Array.from({ length: 400 }, (_, i) => ({ event_id: `p${i}`, type: "page_view", ts: t0 + (i < 200 ? 0 : HOUR) + i * 1000, user_id: `u${i % 9}` }));
  expect((await postEvents(srv.url, ndjson(events))).body.accepted).toBe(400);
  const sql = async (q: string) => { const r = await fetch(`${srv.url}/v1/sql?q=${encodeURIComponent(q)}`); return { status: r.status, body: (await r.json()) as any }; };
  let manifest: any = null;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await Bun.sleep(100)) {
    if (!existsSync(join(dataDir, "parquet", "_manifest.json"))) continue;
    manifest = JSON.parse(readFileSync(join(dataDir, "parquet", "_manifest.json"), "utf8"));
    if (manifest.tables.events?.files.length >= 2 && (await sql("SELECT count(*) FROM events")).body.rows?.[0][0] === 400) break;
  }
  const files = manifest.tables.events.files;
  expect(files.length).toBeGreaterThanOrEqual(2);
  const victim = files[0];
  const path = join(dataDir, "parquet", victim.path);
  const bytes = readFileSync(path);
  bytes.fill(0x5a, 100, 400);
  writeFileSync(path, bytes);
  const first = await sql("SELECT count(*) FROM events");
  expect([first.status, first.body.error.code, first.body.error.message.includes(victim.path)]).toEqual([500, "data_corrupt", true]);
  const after = await sql("SELECT count(*) FROM events");
  const health = (await (await fetch(`${srv.url}/healthz`)).json()) as any;
  expect({ status: after.status, rows: after.body.rows[0][0], moved: existsSync(join(dataDir, "parquet", `${victim.path}.damaged`)), warned: health.warnings?.length })
    .toEqual({ status: 200, rows: 400 - victim.rowCount, moved: true, warned: 1 });
  expect(await srv.terminate()).toBe(0);
  srv = await startCaracalProcess({ dataDir, args: ["--config", conf] });
  const restarted = await sql("SELECT count(*) FROM events");
  const healthAfter = (await (await fetch(`${srv.url}/healthz`)).json()) as any;
  const m2 = JSON.parse(readFileSync(join(dataDir, "parquet", "_manifest.json"), "utf8"));
  expect([restarted.status, restarted.body.rows[0][0], healthAfter.warnings, m2.quarantined, m2.tables.events.files.some((f: any) => f.path === victim.path)])
    .toEqual([200, 400, undefined, [], true]);
  await srv[Symbol.asyncDispose]();
});
