// SQL over HTTP against the real server: every answer format from both engines, the request shapes,
// errors with their codes and positions, refused statements and file access, each limit, the
// catalog (SHOW TABLES, DESCRIBE, GET /v1/tables), and freshness (acknowledged = visible).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";

const T0 = 1_760_000_000_000;
const N = 300;
/** Campaign traffic: every 4th event a purchase with an exactly representable revenue. */
const events = Array.from({ length: N }, (_, i) => ({
  event_id: `sql-${i}`, type: i % 4 === 0 ? "purchase" : "page_view", user_id: `u${i % 7}`, campaign: `cmp_${i % 5}`,
  ts: T0 + i * 1000, ...(i % 4 === 0 ? { revenue: (i % 7) * 10 + 0.5 } : {}),
}));

let srv: CaracalProcess;
const configDir = tempDataDir("caracal-sql-conf-");

beforeAll(async () => {
  const config = join(configDir, "caracal.json");
  writeFileSync(config, JSON.stringify({
    sql: { max_rows: 1000, text_bytes_max: 4096, threads: 2, memory_limit: "1GB" },
    tables: { sensors: { columns: { device_id: "string", temperature: "float" } } },
  }));
  srv = await startCaracalProcess({ args: ["--config", config] });
  const r = await postEvents(srv.url, ndjson(events));
  expect(r.body.accepted).toBe(N);
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

interface Answer { status: number; body: any; headers: Headers }

async function sql(body: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`${srv.url}/v1/sql`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON: kept as text */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

const BY_CAMPAIGN = "SELECT campaign, count(*) AS events, sum(revenue) AS revenue, min(ts) AS first_ts FROM events WHERE campaign LIKE 'cmp_%' GROUP BY campaign ORDER BY campaign";

function expectedByCampaign(): [string, number, number, string][] {
  const out = new Map<string, [string, number, number, number]>();
  for (const e of events) {
    const g = out.get(e.campaign) ?? [e.campaign, 0, 0, Infinity];
    g[1]++; g[2] += e.revenue ?? 0; g[3] = Math.min(g[3], e.ts);
    out.set(e.campaign, g);
  }
  return [...out.values()].sort((a, b) => a[0].localeCompare(b[0])).map(([c, n, r, t]) => [c, n, r, new Date(t).toISOString()]);
}

describe("answers", () => {
  test("json from DuckDB and from the native engine: same columns, same rows", async () => {
    const duck = await sql({ sql: BY_CAMPAIGN, engine: "duckdb" });
    const native = await sql({ sql: BY_CAMPAIGN, engine: "native" });
    const columns = [{ name: "campaign", type: "VARCHAR" }, { name: "events", type: "BIGINT" }, { name: "revenue", type: "DOUBLE" }, { name: "first_ts", type: "TIMESTAMP" }];
    expect([duck.status, duck.body.columns, duck.body.rows, duck.body.stats.engine]).toEqual([200, columns, expectedByCampaign(), "duckdb"]);
    expect([native.status, native.body.columns, native.body.rows, native.body.stats.engine]).toEqual([200, columns, expectedByCampaign(), "native"]);
    expect(typeof duck.body.stats.elapsed_ms).toBe("number");
  });

  test("ndjson, csv and parquet carry the same answer", async () => {
    const expected = expectedByCampaign();
    const nd = await sql({ sql: BY_CAMPAIGN, format: "ndjson", engine: "duckdb" });
    const csv = await sql({ sql: BY_CAMPAIGN, format: "csv", engine: "duckdb" });
    const pq = await fetch(`${srv.url}/v1/sql`, { method: "POST", body: JSON.stringify({ sql: BY_CAMPAIGN, format: "parquet", engine: "duckdb" }) });
    const bytes = await pq.arrayBuffer();
    expect({
      ndjsonType: nd.headers.get("content-type"),
      ndjson: (nd.body as string).trimEnd().split("\n").map((l) => JSON.parse(l)),
      csvType: csv.headers.get("content-type"),
      csv: csv.body,
      parquet: [pq.status, pq.headers.get("content-type"), pq.headers.get("content-disposition")],
      rows: await parquetReadObjects({ file: bytes, compressors }),
    }).toEqual({
      ndjsonType: "application/x-ndjson",
      ndjson: expected.map(([campaign, n, revenue, ts]) => ({ campaign, events: n, revenue, first_ts: ts })),
      csvType: "text/csv; charset=utf-8; header=present",
      csv: ["campaign,events,revenue,first_ts", ...expected.map((r) => r.join(","))].join("\r\n") + "\r\n",
      parquet: [200, "application/vnd.apache.parquet", 'attachment; filename="result.parquet"'],
      rows: expected.map(([campaign, n, revenue, ts]) => ({ campaign, events: BigInt(n), revenue, first_ts: new Date(ts) })),
    });
  });

  test("GET ?q= and a text/plain body work like a JSON body; parameters bind to $1 and ?", async () => {
    const q = encodeURIComponent("SELECT count(*) AS n FROM events WHERE campaign = $1 AND ts >= $2");
    const get = await fetch(`${srv.url}/v1/sql?q=${q}&params=${encodeURIComponent(JSON.stringify(["cmp_1", "2025-10-09T08:55:00Z"]))}&engine=duckdb`);
    const text = await fetch(`${srv.url}/v1/sql?format=csv`, { method: "POST", body: "SELECT 1 AS one", headers: { "content-type": "text/plain" } });
    const qmark = await sql({ sql: "SELECT count(*) AS n FROM events WHERE user_id = ? AND revenue > ?", params: ["u0", 20] });
    const expectedGet = events.filter((e) => e.campaign === "cmp_1" && e.ts >= Date.parse("2025-10-09T08:55:00Z")).length;
    const expectedQ = events.filter((e) => e.user_id === "u0" && (e.revenue ?? 0) > 20).length;
    expect([(await get.json() as any).rows, await text.text(), qmark.body.rows]).toEqual([[[expectedGet]], "one\r\n1\r\n", [[expectedQ]]]);
  });

  test("64-bit integers beyond 2^53 are exact strings; timestamps ISO UTC; NaN null", async () => {
    const r = await sql({ sql: "SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, TIMESTAMP '2026-11-25 04:41:11.123' AS t, DATE '2026-11-25' AS d, 'nan'::DOUBLE AS x" });
    expect(r.body.rows).toEqual([["9007199254740993", 42, "2026-11-25T04:41:11.123Z", "2026-11-25", null]]);
  });
});

describe("errors", () => {
  const err = (a: Answer) => [a.status, a.body.error?.code, a.body.error?.position ?? null];

  test("syntax errors and unknown columns carry positions; other statements are refused", async () => {
    const got = await Promise.all([
      sql({ sql: "SELECT count(* FROM events" }),
      sql({ sql: "SELECT nope FROM events" }),
      sql({ sql: "SELECT * FROM nowhere" }),
      sql({ sql: "DELETE FROM events" }),
      sql({ sql: "SELECT * FROM read_csv('/etc/passwd')" }),
      sql({ sql: "SELECT 1; SELECT 2" }),
      sql({ sql: "SELECT $1 + $2", params: [1] }),
    ]);
    expect(got.map(err)).toEqual([
      [400, "sql_syntax", 15], [400, "sql_error", 7], [400, "sql_error", 14], [403, "sql_forbidden", null], [403, "sql_forbidden", 14],
      [400, "sql_error", null], [400, "bad_argument", null],
    ]);
    expect(got[3]!.body.error.message).toBe("only read statements (SELECT, WITH, DESCRIBE, SHOW, EXPLAIN, SUMMARIZE) are allowed; got DELETE");
    expect(got[1]!.body.error.message).toStartWith('Binder Error: Referenced column "nope" not found in FROM clause!');
  });

  test("each forbidden statement is refused with 403, naming it", async () => {
    const statements = ["INSERT INTO events (type) VALUES ('x')", "UPDATE events SET type = 'x'", "CREATE TABLE x (a INT)", "DROP VIEW events",
      "ALTER VIEW events RENAME TO e", "COPY (SELECT 1) TO '/tmp/caracal-x.csv'", "ATTACH '/tmp/x.db'", "DETACH caracal_internal", "INSTALL httpfs",
      "LOAD httpfs", "SET enable_external_access = true", "PRAGMA version", "CALL pragma_version()", "EXPORT DATABASE '/tmp/caracal-exp'",
      "IMPORT DATABASE '/tmp/caracal-exp'"];
    const got = await Promise.all(statements.map((s) => sql({ sql: s })));
    expect(got.map((a) => [a.status, a.body.error.code, a.body.error.message.replace(/.*; got /, "")]))
      .toEqual(["INSERT", "UPDATE", "CREATE", "DROP", "ALTER", "COPY", "ATTACH", "DETACH", "INSTALL", "LOAD", "SET", "PRAGMA", "CALL", "EXPORT", "IMPORT"]
        .map((k) => [403, "sql_forbidden", k]));
  });

  test("reading files outside the data directory is forbidden; its own Parquet tree is readable", async () => {
    const got = await Promise.all(["SELECT * FROM read_parquet('/tmp/x.parquet')", "SELECT * FROM read_text('/etc/hostname')",
      "SELECT * FROM glob('/etc/*')", `SELECT * FROM glob('${srv.dataDir}/wal/*')`].map((s) => sql({ sql: s })));
    const own = await sql({ sql: `SELECT count(*) AS files FROM glob('${srv.dataDir}/parquet/**')` });
    expect([...got.map((a) => [a.status, a.body.error.code]), [own.status, own.body.columns]])
      .toEqual([[403, "sql_forbidden"], [403, "sql_forbidden"], [403, "sql_forbidden"], [403, "sql_forbidden"], [200, [{ name: "files", type: "BIGINT" }]]]);
  });

  test("limits: slow query (504), too many rows (422), SQL text too long (413)", async () => {
    const slow = await sql({ sql: "SELECT count(*) FROM range(1000000000) a, range(1000) b", timeout_ms: 300, engine: "duckdb" });
    const rows = await sql({ sql: "SELECT * FROM range(1001)" });
    const fits = await sql({ sql: "SELECT * FROM range(1000)" });
    const long = await sql({ sql: `SELECT '${"x".repeat(5000)}'` });
    expect([err(slow), slow.body.error.message, err(rows), rows.body.error.message, fits.body.rows.length, err(long), long.body.error.message]).toEqual([
      [504, "query_timeout", null], "query exceeded its 300 ms time limit and was interrupted",
      [422, "result_too_large", null], "query returned more than 1000 rows; add LIMIT or aggregate", 1000,
      [413, "body_too_large", null], "SQL text of 5009 bytes exceeds the limit of 4096",
    ]);
  });

  test("DuckDB runs with the configured threads and memory limit", async () => {
    const r = await sql({ sql: "SELECT current_setting('threads') AS t, current_setting('memory_limit') AS m" });
    expect(r.body.rows).toEqual([[2, "953.6 MiB"]]);
  });

  test("bad request shapes are 400 bad_request", async () => {
    const got = await Promise.all([sql({}), sql({ sql: "SELECT 1", params: "x" }), sql({ sql: "SELECT 1", format: "xml" }), sql({ sql: "SELECT 1", engine: "x" })]);
    expect(got.map(err)).toEqual([[400, "bad_request", null], [400, "bad_request", null], [400, "bad_request", null], [400, "bad_request", null]]);
  });

  test("the native engine forced on a statement it cannot run is a 400 naming why", async () => {
    const r = await sql({ sql: "SHOW TABLES", engine: "native" });
    expect([r.status, r.body.error.code, r.body.error.message.startsWith("the native engine cannot run this statement: ")]).toEqual([400, "bad_argument", true]);
  });
});

describe("catalog", () => {
  test("SHOW TABLES and DESCRIBE events read the views; the hot tables stay hidden", async () => {
    const shown = await sql({ sql: "SHOW TABLES" });
    const described = await sql({ sql: "DESCRIBE events" });
    expect({
      shown: shown.body.rows.map((r: string[]) => r[0]),
      described: described.body.rows.slice(0, 4).map((r: string[]) => [r[0], r[1]]),
      props: described.body.rows.find((r: string[]) => r[0] === "props")?.[1],
    }).toEqual({
      shown: ["_alerts", "_dead_letters", "events", "rollup_campaign", "rollup_channel", "rollup_country", "rollup_device", "rollup_total", "rollup_type", "sensors"],
      described: [["event_id", "VARCHAR"], ["ts", "TIMESTAMP"], ["received_at", "TIMESTAMP"], ["type", "VARCHAR"]],
      props: "VARCHAR",
    });
  });

  test("GET /v1/tables lists every table with columns, types, rows and where they are", async () => {
    const body = (await (await fetch(`${srv.url}/v1/tables`)).json()) as { tables: any[] };
    const sensors = body.tables.find((t) => t.name === "sensors");
    const ev = body.tables.find((t) => t.name === "events");
    expect({
      names: body.tables.map((t) => [t.name, t.kind]),
      sensors: { ...sensors, columns: sensors.columns.slice(-2) },
      events: [ev.rows >= N, ev.rows_in_memory === ev.rows, ev.rows_in_history, ev.columns[1]],
    }).toEqual({
      names: [["events", "stream"], ["sensors", "stream"], ["_dead_letters", "stream"], ["_alerts", "stream"],
        ...["total", "campaign", "channel", "country", "device", "type"].map((d) => [`rollup_${d}`, "derived"])],
      sensors: { name: "sensors", kind: "stream", columns: [{ name: "device_id", type: "VARCHAR" }, { name: "temperature", type: "DOUBLE" }], rows: 0, rows_in_memory: 0, rows_in_history: 0 },
      events: [true, true, 0, { name: "ts", type: "TIMESTAMP" }],
    });
  });
});

describe("freshness", () => {
  test("an acknowledged event is in the very next query, through either engine", async () => {
    const seen: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const engine of ["duckdb", "native"]) {
        const id = `fresh-${engine}-${round}`;
        const ack = await postEvents(srv.url, ndjson([{ event_id: id, type: "fresh", ts: T0 }]));
        const r = await sql({ sql: "SELECT count(*) AS n FROM events WHERE event_id = $1", params: [id], engine });
        seen.push(`${ack.body.accepted}:${r.status}:${JSON.stringify(r.body.rows)}`);
      }
    }
    expect(seen).toEqual(Array.from({ length: 10 }, () => "1:200:[[1]]"));
  });
});
