// Profiling harness for the native SQL engine: builds the seeded events table once (bench/data.ts),
// prints the encodings of the columns the dashboard queries read, and times each named query alone
// (no DuckDB), so a CPU profile shows only its work. Not a benchmark: asserts and compares nothing.
//
//   bun bench/query-profile.ts [events=2000000] [query|all] [runs=30]
//   bun --cpu-prof-md --cpu-prof-dir=DIR --cpu-prof-interval=100 bench/query-profile.ts 2000000 country

import { decodeBatch } from "../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { ENCODING_NAMES } from "../engine/column/column-chunk.ts";
import { executeNative, planNative, type NativeTables } from "../engine/query/native.ts";
import { newScanStats, Table } from "../engine/store/table.ts";
import { DuckDb } from "../storage/duckdb.ts";
import { DUCK_TYPE, quoteIdent } from "../server/sql/duck-types.ts";
import { eventStream, type GeneratedEvent } from "./data.ts";
import { eventsBatch } from "./events-batch.ts";

const N = Number(process.argv[2] ?? 2_000_000);
const which = process.argv[3] ?? "all";
const RUNS = Number(process.argv[4] ?? 30);
const table = new Table(EVENTS_SCHEMA);
let pending: GeneratedEvent[] = [];
for (const e of eventStream(42, N)) { pending.push(e); if (pending.length === 10_000) { table.appendBatch(decodeBatch(eventsBatch(pending)), null); pending = []; } }
if (pending.length) table.appendBatch(decodeBatch(eventsBatch(pending)), null);
table.seal();
let tsMax = 0, aUser = "";
for (const b of table.scan({ columns: ["ts", "user_id"] })) {
  const ts = b.vectors[0]!.f64!, u = b.vectors[1]!;
  for (let i = 0; i < b.rowCount; i++) if (ts[i]! > tsMax) tsMax = ts[i]!;
  if (aUser === "" && u.codes) aUser = u.dict!.get(u.codes[b.rowCount >> 1]!);
}
const end = `TIMESTAMP '${new Date(tsMax).toISOString().replace("T", " ").replace("Z", "")}'`;
const Q: Record<string, string> = {
  pvuv: `SELECT date_trunc('minute', ts) AS minute, count(*) FILTER (WHERE type = 'page_view') AS pv, count(DISTINCT anonymous_id) AS uv FROM events WHERE ts >= ${end} - INTERVAL 1 HOUR GROUP BY 1 ORDER BY 1`,
  top: `SELECT campaign, sum(revenue) AS revenue, count(DISTINCT user_id) AS buyers FROM events WHERE type = 'purchase' GROUP BY campaign ORDER BY revenue DESC, campaign LIMIT 10`,
  country: `SELECT country, device, sum(revenue) AS revenue, count(*) AS n FROM events GROUP BY country, device ORDER BY country, device`,
  funnel: `SELECT count(DISTINCT anonymous_id) FILTER (WHERE type = 'page_view') AS viewed, count(DISTINCT anonymous_id) FILTER (WHERE type = 'add_to_cart') AS carted, count(DISTINCT anonymous_id) FILTER (WHERE type = 'purchase') AS bought FROM events`,
  user: `SELECT count(*) AS n, sum(revenue) AS revenue, max(ts) AS last_seen FROM events WHERE user_id = '${aUser}'`,
  type: `SELECT type, count(*) AS n FROM events GROUP BY type ORDER BY n DESC, type`,
  sums: `SELECT sum(revenue) AS revenue, sum(cost) AS cost, avg(price) AS avg_price FROM events WHERE channel = 'paid_search' AND country IN ('US', 'DE', 'GB') AND device <> 'tablet'`,
};

if (process.env.ENCODINGS) {
  const state = (table as unknown as { t: { segments: { chunks: ({ encoding: number; width: number; nullCount: number; keyColumn: number } | null)[] }[] } }).t;
  for (const name of ["type", "anonymous_id", "user_id", "session_id", "campaign", "channel", "country", "device", "revenue", "cost", "price", "ts"]) {
    const c = table.columnIndex(name), seen = new Map<string, number>();
    for (const s of state.segments) {
      const ch = s.chunks[c];
      const k = !ch ? "raw" : `${ENCODING_NAMES[ch.encoding as 0]}/w${ch.width}${ch.keyColumn >= 0 ? `/key=${EVENTS_SCHEMA.columns[ch.keyColumn]!.name}` : ""}${ch.nullCount ? "/nulls" : ""}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    console.log(name.padEnd(14), [...seen].map(([k, v]) => `${k} x${v}`).join(", "));
  }
}

const duck = await DuckDb.open({ allowedDirectories: ["/tmp"], threads: 1, memoryLimit: "2GB" });
await duck.exclusive((s) => s.run(`CREATE TABLE events (${EVENTS_SCHEMA.columns.map((c) => `${quoteIdent(c.name)} ${DUCK_TYPE[c.type]}`).join(", ")})`));
const tables: NativeTables = { get: (n) => (n === "events" ? { table, historyOverlaps: () => false } : undefined) };
for (const name of which === "all" ? Object.keys(Q) : which.split(",")) {
  const sql = Q[name]!;
  const plan = planNative((await duck.parse(sql))!, (await duck.describe(sql)).columns, tables);
  if ("unsupported" in plan) throw new Error(plan.unsupported);
  // CPU time (user + system) of this process: other processes sharing the cores inflate wall time.
  const times: number[] = [], cpu: number[] = [];
  let rows = "";
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const res = executeNative(plan, { params: [], tables, nowMs: Date.now(), maxRows: 1e6, deadline: Infinity, stats: newScanStats() });
    const c1 = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c1.user + c1.system) / 1000);
    if (process.env.EACH && name === process.env.EACH) console.log(r, (performance.now() - t0).toFixed(2), ((c1.user + c1.system) / 1000).toFixed(2));
    if (r === 0 && "rows" in res) rows = JSON.stringify(res.rows.slice(0, 3), (_k, v) => (typeof v === "bigint" ? String(v) : v));
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(name.padEnd(8), "median ms", times[times.length >> 1]!.toFixed(2), "min", times[0]!.toFixed(2), "cpu median", cpu[cpu.length >> 1]!.toFixed(2), rows.slice(0, 100));
}
await duck.close();
