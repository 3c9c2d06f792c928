// kill -9 the real process during sustained ingest, restart, and check that every acknowledged event
// is stored exactly once. Producers behave like real retrying clients: a batch without an answer is
// re-sent (same event_ids) to the restarted server, so at the end every event must be there once.
import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { ndjson, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";

const CYCLES = Number(process.env.CRASH_CYCLES ?? 3);
const PRODUCERS = 4;
const BATCH = 200;

/** Every stored event_id, from memory (the rows endpoint) or, with compaction, memory and Parquet (SQL). */
type StoredIds = (url: string) => Promise<string[]>;

const memoryIds: StoredIds = async (url) => {
  const res = await fetch(`${url}/v1/tables/events/rows?columns=event_id`);
  return (await res.text()).split("\n").filter((l) => l).map((l) => JSON.parse(l).event_id);
};

const sqlIds: StoredIds = async (url) => {
  const res = await fetch(`${url}/v1/sql`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ sql: "SELECT event_id FROM events", format: "ndjson", engine: "duckdb" }),
  });
  if (res.status !== 200) throw new Error(`sql ${res.status}: ${await res.text()}`);
  return (await res.text()).split("\n").filter((l) => l).map((l) => JSON.parse(l).event_id);
};

/** Compaction every 100 ms of 512-row segments, evicted at once, 64 KiB WAL segments: kills land mid-compaction. */
const COMPACTING = {
  CARACAL_STORAGE_SEGMENT_ROWS: "512", CARACAL_STORAGE_COMPACTION_INTERVAL_MS: "100", CARACAL_STORAGE_COMPACTION_MIN_ROWS: "1",
  CARACAL_STORAGE_HOT_WINDOW_MS: "0", CARACAL_WAL_SEGMENT_BYTES: "65536",
  // The long variant (bench/faults.bench.ts) reads back hundreds of thousands of ids in one answer.
  CARACAL_SQL_MAX_ROWS: "10000000",
};

test(`kill -9 under load, ${CYCLES} cycles: acknowledged events survive exactly once`, () => crashCycles({}, memoryIds), 120_000);

test(`kill -9 under load with compaction to Parquet, ${CYCLES} cycles: acknowledged events survive exactly once`, async () => {
  const stats = await crashCycles(COMPACTING, sqlIds);
  expect(stats.rowsInParquet).toBeGreaterThan(0);
}, 120_000);

async function crashCycles(env: Record<string, string>, storedIds: StoredIds): Promise<{ rowsInParquet: number }> {
  const dataDir = tempDataDir();
  const acked = new Set<string>();
  const unanswered: string[][] = [];   // batches sent without an answer: retried after the restart
  let nextBatch = 0;
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const srv: CaracalProcess = await startCaracalProcess({ dataDir, env });
      let stop = false;
      let ackedThisCycle = 0;
      const killAfter = 20 + cycle * 7;  // batches acknowledged before the crash: varies the moment
      const send = async (ids: string[]) => {
        const body = ndjson(ids.map((id, i) => ({ event_id: id, type: "page_view", user_id: `u${i % 17}` })));
        try {
          const res = await fetch(`${srv.url}/v1/events`, { method: "POST", body, headers: { "content-type": "application/x-ndjson" } });
          const r = (await res.json()) as any;
          if (res.status !== 200 || r.accepted + r.duplicates !== ids.length) throw new Error(`status ${res.status}`);
          for (const id of ids) acked.add(id);
          ackedThisCycle++;
        } catch {
          unanswered.push(ids);
        }
      };
      const producer = async () => {
        while (!stop) {
          const retry = unanswered.shift();
          const b = nextBatch++;
          await send(retry ?? Array.from({ length: BATCH }, (_, i) => `b${b}-${i}`));
          if (ackedThisCycle >= killAfter && !stop) {
            stop = true;
            // With compaction every 100 ms, a varying pause lands the kill before, during or after a pass.
            if (env.CARACAL_STORAGE_SEGMENT_ROWS) await Bun.sleep(40 + cycle * 90);
            await srv.kill9();
          }
        }
      };
      await Promise.all(Array.from({ length: PRODUCERS }, producer));
      if (srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.kill9();
    }
    // Final restart: deliver what is still unanswered, then check the whole history.
    await using last = await startCaracalProcess({ dataDir, env });
    const before = await storedIds(last.url);
    for (const ids of unanswered.splice(0)) {
      const res = await fetch(`${last.url}/v1/events`, { method: "POST", body: ndjson(ids.map((id) => ({ event_id: id, type: "page_view" }))), headers: { "content-type": "application/x-ndjson" } });
      expect(res.status).toBe(200);
      for (const id of ids) acked.add(id);
    }
    const ids = await storedIds(last.url);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const missing = [...acked].filter((id) => !counts.has(id));
    const doubled = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    const unknown = ids.filter((id) => !acked.has(id));
    console.log(`crash test${env.CARACAL_STORAGE_SEGMENT_ROWS ? " (compacting)" : ""}: ${CYCLES} kill -9 cycles, ${acked.size} events acknowledged, ${before.length} recovered before the final retries`);
    expect({ missing, doubled, unknown, total: ids.length }).toEqual({ missing: [], doubled: [], unknown: [], total: acked.size });
    // With compaction on, the history is in Parquet by now or within a few passes.
    let rowsInParquet = 0;
    for (let i = 0; i < 100 && (rowsInParquet === 0 && env.CARACAL_STORAGE_SEGMENT_ROWS); i++) {
      const stats = (await (await fetch(`${last.url}/v1/stats`)).json()) as { tables: { events: { rows_in_parquet: number } } };
      rowsInParquet = stats.tables.events.rows_in_parquet;
      if (rowsInParquet === 0) await Bun.sleep(50);
    }
    return { rowsInParquet };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
