// Dashboard queries, native engine vs DuckDB, on the same seeded events in memory (bench/data.ts).
// DuckDB gets the data the way a user would load it: our compaction writes the rows as Parquet and
// DuckDB copies them into one of its own tables (CREATE TABLE AS SELECT * FROM read_parquet), so it
// runs on its native storage, with both cores. Each query runs warm: the median of RUNS runs.
// Answers are compared (floats to 1e-9 relative) and hashed, so a fast wrong answer cannot pass.
//
//   bun bench/query.bench.ts [events=1000000] [seed=42]      (npm run bench -- --full: 10M)

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { executeNative, planNative, type NativeTables } from "../engine/query/native.ts";
import type { SqlValue } from "../engine/query/result.ts";
import { newScanStats, Table } from "../engine/store/table.ts";
import { DuckDb } from "../storage/duckdb.ts";
import { rowsToParquet } from "../storage/parquet/rows-to-parquet.ts";
import { eventStream } from "./data.ts";
import { appendEvents } from "./events-batch.ts";

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const SEED = Number(process.argv[3] ?? 42);
const RUNS = 7;

const table = new Table(EVENTS_SCHEMA);
appendEvents(table, eventStream(SEED, EVENTS), 10_000);
table.seal();
let tsMax = 0, aUser = "";
for (const b of table.scan({ columns: ["ts", "user_id"] })) {
  const ts = b.vectors[0]!.f64!, u = b.vectors[1]!;
  for (let i = 0; i < b.rowCount; i++) if (ts[i]! > tsMax) tsMax = ts[i]!;
  if (aUser === "" && u.codes) aUser = u.dict!.get(u.codes[b.rowCount >> 1]!);
}
const end = `TIMESTAMP '${new Date(tsMax).toISOString().replace("T", " ").replace("Z", "")}'`;

const dir = mkdtempSync(join(tmpdir(), "caracal-query-bench-"));
const t0 = performance.now();
rowsToParquet(table, table.rowBase, table.rowCount).forEach((p, i) => writeFileSync(join(dir, `part-${i}.parquet`), p.bytes));
const duck = await DuckDb.open({ allowedDirectories: [dir], threads: 2, memoryLimit: "8GB" });
await duck.exclusive((s) => s.run(`CREATE TABLE events AS SELECT * FROM read_parquet('${dir}/*.parquet')`));
console.log(`query bench: ${EVENTS} events, seed ${SEED}; Parquet + DuckDB load ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const QUERIES: [string, string][] = [
  ["pv/uv per minute, last hour", `SELECT date_trunc('minute', ts) AS minute, count(*) FILTER (WHERE type = 'page_view') AS pv, count(DISTINCT anonymous_id) AS uv FROM events WHERE ts >= ${end} - INTERVAL 1 HOUR GROUP BY 1 ORDER BY 1`],
  ["top campaigns by revenue", `SELECT campaign, sum(revenue) AS revenue, count(DISTINCT user_id) AS buyers FROM events WHERE type = 'purchase' GROUP BY campaign ORDER BY revenue DESC, campaign LIMIT 10`],
  ["revenue by country, device", `SELECT country, device, sum(revenue) AS revenue, count(*) AS n FROM events GROUP BY country, device ORDER BY country, device`],
  ["funnel", `SELECT count(DISTINCT anonymous_id) FILTER (WHERE type = 'page_view') AS viewed, count(DISTINCT anonymous_id) FILTER (WHERE type = 'add_to_cart') AS carted, count(DISTINCT anonymous_id) FILTER (WHERE type = 'purchase') AS bought FROM events`],
  ["one user", `SELECT count(*) AS n, sum(revenue) AS revenue, max(ts) AS last_seen FROM events WHERE user_id = '${aUser}'`],
  ["count by type", `SELECT type, count(*) AS n FROM events GROUP BY type ORDER BY n DESC, type`],
  ["filtered sums", `SELECT sum(revenue) AS revenue, sum(cost) AS cost, avg(price) AS avg_price FROM events WHERE channel = 'paid_search' AND country IN ('US', 'DE', 'GB') AND device <> 'tablet'`],
];

const tables: NativeTables = { get: (n) => (n === "events" ? { table, historyOverlaps: () => false } : undefined) };
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
const norm = (v: SqlValue): string => typeof v === "number" ? v.toPrecision(9) : v instanceof Date ? v.toISOString() : String(v);
let hash = 0;
const logRatios: number[] = [];
console.log("query                            native ms   duckdb ms   duckdb/native   rows");
for (const [name, sql] of QUERIES) {
  const statements = (await duck.parse(sql))!;
  const d = await duck.describe(sql);
  const plan = planNative(statements, d.columns, tables);
  if ("unsupported" in plan) { console.log(`${name.padEnd(32)} native declines: ${plan.unsupported}`); continue; }
  const native = () => executeNative(plan, { params: [], tables, nowMs: Date.now(), maxRows: 1e6, deadline: Infinity, stats: newScanStats() });
  const nativeMs: number[] = [], duckMs: number[] = [];
  let nRes = native(), dRes = await duck.exclusive((s) => s.query(sql, [], 1e6));
  for (let r = 0; r < RUNS; r++) {
    let s = performance.now(); nRes = native(); nativeMs.push(performance.now() - s);
    s = performance.now(); dRes = await duck.exclusive((x) => x.query(sql, [], 1e6)); duckMs.push(performance.now() - s);
  }
  if ("unsupported" in nRes) throw new Error(`${name}: native declined at run time: ${nRes.unsupported}`);
  const a = nRes.rows.map((r) => r.map(norm).join("|")), b = dRes.rows.map((r) => r.map(norm).join("|"));
  if (a.join("\n") !== b.join("\n")) throw new Error(`${name}: answers differ\nnative: ${a.slice(0, 5).join(" / ")}\nduckdb: ${b.slice(0, 5).join(" / ")}`);
  for (const line of a) hash = (Math.imul(hash, 31) + Number(BigInt(Bun.hash(line)) % 1_000_003n)) >>> 0;
  const nm = median(nativeMs), dm = median(duckMs);
  logRatios.push(Math.log(dm / nm));
  console.log(`${name.padEnd(32)} ${nm.toFixed(2).padStart(9)} ${dm.toFixed(2).padStart(11)} ${(dm / nm).toFixed(2).padStart(12)}x ${String(a.length).padStart(6)}`);
}
const geo = Math.exp(logRatios.reduce((s, x) => s + x, 0) / Math.max(1, logRatios.length));
console.log(`geometric mean: native ${geo.toFixed(2)}x faster than DuckDB (target >= 3x) over ${logRatios.length} queries; result hash ${hash.toString(16)}`);
await duck.close();
rmSync(dir, { recursive: true, force: true });
