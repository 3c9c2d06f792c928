// Freshness: how long from an ingest acknowledgement until a SQL query sees the event, against the
// real server. Each round posts one event with a new user id, and on its acknowledgement queries
// `count(*) WHERE user_id = $1` until the answer is 1; the time from ack to that answer is the
// freshness of that event. Run for both engines (the native store, and DuckDB through its mirror).
// Floor: the same query's round trip for an event already visible. Target: p99 < 10 ms.
//
//   bun bench/freshness.bench.ts [rounds=500]

import { rmSync } from "node:fs";
import { startCaracalProcess, tempDataDir } from "../test/helpers/caracal-process.ts";

const ROUNDS = Number(process.argv[2] ?? 500);
const dataDir = tempDataDir("caracal-freshness-");
const server = await startCaracalProcess({ dataDir });
try {
  const sql = async (engine: string, user: string): Promise<number> => {
    const r = await fetch(`${server.url}/v1/sql`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ sql: "SELECT count(*) AS n FROM events WHERE user_id = $1", params: [user], engine }),
    });
    if (!r.ok) throw new Error(`sql ${r.status}: ${await r.text()}`);
    return Number(((await r.json()) as { rows: number[][] }).rows[0]![0]);
  };
  const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  for (const engine of ["native", "duckdb"]) {
    const fresh: number[] = [], floor: number[] = [];
    let retries = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const user = `fresh-${engine}-${i}`;
      const ack = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: JSON.stringify({ type: "page_view", user_id: user }) });
      if (!ack.ok) throw new Error(`ingest ${ack.status}`);
      await ack.arrayBuffer();
      const t0 = performance.now();
      while ((await sql(engine, user)) !== 1) retries++;
      fresh.push(performance.now() - t0);
      const t1 = performance.now();
      await sql(engine, user);
      floor.push(performance.now() - t1);
    }
    console.log(`freshness ${engine}: ack -> visible p50 ${pct(fresh, 0.5).toFixed(2)} ms, p99 ${pct(fresh, 0.99).toFixed(2)} ms ` +
      `(target p99 < 10 ms); floor (same query, already visible) p50 ${pct(floor, 0.5).toFixed(2)} ms; ${retries} queries saw it missing`);
  }
} finally {
  await server.terminate();
  rmSync(dataDir, { recursive: true, force: true });
}
