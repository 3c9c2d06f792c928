// Dimension tables over HTTP (PUT as CSV, NDJSON or Parquet; replace; join with events; DELETE;
// errors; restart), and rows compacted to Parquet and evicted from memory still answered exactly.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";

const T0 = 1_760_000_000_000;
const configDir = tempDataDir("caracal-tables-conf-");
const dataDir = tempDataDir();
let srv: CaracalProcess;

/** 200 events over 4 campaigns; purchases carry revenue. */
const events = Array.from({ length: 200 }, (_, i) => ({
  event_id: `dim-${i}`, type: i % 2 === 0 ? "purchase" : "click", campaign: `cmp_${Math.floor(i / 2) % 4}`, ts: T0 + i,
  user_id: `cus_${i % 3}`, ...(i % 2 === 0 ? { revenue: i % 10 } : {}),
}));

function configFile(name: string, config: unknown): string {
  const path = join(configDir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

beforeAll(async () => {
  srv = await startCaracalProcess({ dataDir, args: ["--config", configFile("tables.json", { sql: { upload_bytes_max: 65536 } })] });
  expect((await postEvents(srv.url, ndjson(events))).body.accepted).toBe(200);
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

async function put(name: string, body: string | Uint8Array, type: string) {
  const res = await fetch(`${srv.url}/v1/tables/${name}`, { method: "PUT", body, headers: { "content-type": type } });
  return { status: res.status, body: (await res.json()) as any };
}

async function sql(url: string, text: string, engine = "auto") {
  const res = await fetch(`${url}/v1/sql`, { method: "POST", body: JSON.stringify({ sql: text, engine }), headers: { "content-type": "application/json" } });
  return { status: res.status, body: (await res.json()) as any };
}

const CAMPAIGNS_V1 = "campaign,budget,cost,start_date\ncmp_0,1000.5,200,2025-10-01\ncmp_1,2000,300.25,2025-10-02\ncmp_2,500,50,2025-10-03\n";
const JOIN = `SELECT e.campaign, sum(e.revenue) AS revenue, c.budget, sum(e.revenue) / c.budget AS roi
  FROM events e JOIN campaigns c ON e.campaign = c.campaign GROUP BY e.campaign, c.budget ORDER BY e.campaign`;

function revenueOf(campaign: string): number {
  return events.filter((e) => e.campaign === campaign).reduce((s, e) => s + (e.revenue ?? 0), 0);
}

describe("dimension tables", () => {
  test("a CSV upload becomes a table with detected types, joinable with events in DuckDB", async () => {
    const up = await put("campaigns", CAMPAIGNS_V1, "text/csv");
    const joined = await sql(srv.url, JOIN);
    expect(up).toEqual({ status: 200, body: {
      name: "campaigns", kind: "dimension", rows: 3, version: 1,
      columns: [{ name: "campaign", type: "VARCHAR" }, { name: "budget", type: "DOUBLE" }, { name: "cost", type: "DOUBLE" }, { name: "start_date", type: "DATE" }],
    } });
    expect([joined.status, joined.body.stats.engine, joined.body.rows]).toEqual([200, "duckdb", [
      ["cmp_0", revenueOf("cmp_0"), 1000.5, revenueOf("cmp_0") / 1000.5],
      ["cmp_1", revenueOf("cmp_1"), 2000, revenueOf("cmp_1") / 2000],
      ["cmp_2", revenueOf("cmp_2"), 500, revenueOf("cmp_2") / 500],
    ]]);
  });

  test("a new PUT replaces the table; only the new version stays on disk", async () => {
    const up = await put("campaigns", "campaign,budget\ncmp_3,42\n", "text/csv");
    const r = await sql(srv.url, "SELECT * FROM campaigns");
    expect([up.body.version, r.body.rows, readdirSync(join(dataDir, "tables", "campaigns"))]).toEqual([2, [["cmp_3", 42]], ["v2.parquet"]]);
  });

  test("NDJSON and Parquet uploads", async () => {
    const crm = await put("customers", '{"user_id":"cus_0","tier":"gold","ltv":120.5}\n{"user_id":"cus_1","tier":"silver","ltv":40}\n', "application/x-ndjson");
    const parquet = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "country", data: ["FR", "DE"], type: "STRING" }, { name: "vat", data: [0.2, 0.19], type: "DOUBLE" }] }));
    const vat = await put("vat_rates", parquet, "application/vnd.apache.parquet");
    const q = await sql(srv.url, "SELECT c.tier, count(*) AS n FROM events e JOIN customers c USING (user_id) GROUP BY c.tier ORDER BY c.tier");
    const rates = await sql(srv.url, "SELECT * FROM vat_rates ORDER BY country");
    expect([crm.status, crm.body.columns, vat.status, q.body.rows, rates.body.rows]).toEqual([
      200, [{ name: "user_id", type: "VARCHAR" }, { name: "tier", type: "VARCHAR" }, { name: "ltv", type: "DOUBLE" }],
      200, [["gold", events.filter((e) => e.user_id === "cus_0").length], ["silver", events.filter((e) => e.user_id === "cus_1").length]],
      [["DE", 0.19], ["FR", 0.2]],
    ]);
  });

  test("bad uploads: data errors name the line; names, types and sizes are checked first", async () => {
    const badRow = await put("broken", "a,b\n1,2\n3,4,5\n6,7\n", "text/csv");
    const badJson = await put("broken", '{"a":1}\n{"a":\n', "application/x-ndjson");
    const got = await Promise.all([
      put("Bad-Name", "a\n1\n", "text/csv"), put("events", "a\n1\n", "text/csv"), put("t", "a\n1\n", "application/xml"),
      put("t", "", "text/csv"), put("big", "a\n" + "1\n".repeat(40_000), "text/csv"),
    ]);
    const listed = ((await (await fetch(`${srv.url}/v1/tables`)).json()) as any).tables.map((t: any) => t.name);
    expect([badRow.status, badRow.body.error, badJson.status, badJson.body.error.message]).toEqual([400, {
      code: "malformed_body", line: 3,
      message: 'the uploaded CSV could not be read: line 3: Expected Number of Columns: 2 Found: 3 ("3,4,5"); 1 bad line(s) in all',
    }, 400, "the uploaded table could not be read: Invalid Input: Malformed JSON in the upload, at byte 7 in line 3: unexpected end of data."]);
    expect(got.map((r) => [r.status, r.body.error.code])).toEqual([[400, "bad_argument"], [400, "bad_argument"], [415, "unsupported_media_type"], [400, "malformed_body"], [413, "body_too_large"]]);
    expect(listed.filter((n: string) => ["broken", "t", "big"].includes(n))).toEqual([]);
  });

  test("GET /v1/tables lists dimension tables after the streams", async () => {
    const body = (await (await fetch(`${srv.url}/v1/tables`)).json()) as { tables: any[] };
    expect(body.tables.filter((t) => t.kind === "dimension").map((t) => [t.name, t.rows, t.rows_in_memory, t.rows_in_history, t.columns.length]))
      .toEqual([["campaigns", 1, 0, 1, 2], ["customers", 2, 0, 2, 3], ["vat_rates", 2, 0, 2, 2]]);
  });

  test("DELETE drops a table; unknown ones are 404 and streams cannot be deleted", async () => {
    const del = await fetch(`${srv.url}/v1/tables/vat_rates`, { method: "DELETE" });
    const gone = await sql(srv.url, "SELECT * FROM vat_rates");
    const again = await fetch(`${srv.url}/v1/tables/vat_rates`, { method: "DELETE" });
    const stream = await fetch(`${srv.url}/v1/tables/events`, { method: "DELETE" });
    expect([del.status, await del.json(), gone.status, gone.body.error.code, again.status, stream.status])
      .toEqual([200, { name: "vat_rates", deleted: true }, 400, "sql_error", 404, 400]);
  });

  test("after a restart the dimension tables are back, and deleted ones stay deleted", async () => {
    expect(await srv.terminate()).toBe(0);
    srv = await startCaracalProcess({ dataDir, args: ["--config", configFile("tables.json", { sql: { upload_bytes_max: 65536 } })] });
    const shown = await sql(srv.url, "SHOW TABLES");
    const r = await sql(srv.url, "SELECT * FROM campaigns");
    expect([shown.body.rows.map((x: string[]) => x[0]), r.body.rows]).toEqual([["_alerts", "_dead_letters", "campaigns", "customers", "events", ...["campaign", "channel", "country", "device", "total", "type"].map((d) => `rollup_${d}`)], [["cmp_3", 42]]]);
  });
});

describe("history", () => {
  test("rows compacted to Parquet and evicted from memory are still counted, with new rows on top", async () => {
    const config = configFile("history.json", { storage: { segment_rows: 64, compaction_interval_ms: 100, compaction_min_rows: 1, hot_window_ms: 0 } });
    await using h = await startCaracalProcess({ args: ["--config", config] });
    const old = Array.from({ length: 500 }, (_, i) => ({ event_id: `h-${i}`, type: "click", ts: T0 + i * 60_000, revenue: i }));
    expect((await postEvents(h.url, ndjson(old))).body.accepted).toBe(500);
    // Compaction runs on its own timer: wait (bounded) until it has moved rows out of memory.
    let events: any;
    for (let i = 0; i < 200; i++) {
      events = ((await (await fetch(`${h.url}/v1/tables`)).json()) as any).tables.find((t: any) => t.name === "events");
      if (events.rows_in_memory < events.rows) break;
      await Bun.sleep(50);
    }
    const fresh = Array.from({ length: 30 }, (_, i) => ({ event_id: `n-${i}`, type: "click", ts: T0 + (600 + i) * 60_000, revenue: 1 }));
    expect((await postEvents(h.url, ndjson(fresh))).body.accepted).toBe(30);
    const q = "SELECT count(*) AS n, sum(revenue) AS r, count(DISTINCT event_id) AS d FROM events";
    const [duck, auto] = [await sql(h.url, q, "duckdb"), await sql(h.url, q)];
    const expected = [[530, (499 * 500) / 2 + 30, 530]];
    expect({ evicted: events.rows_in_memory < 500, history: events.rows_in_history > 0, duck: duck.body.rows, auto: auto.body.rows })
      .toEqual({ evicted: true, history: true, duck: expected, auto: expected });
  });
});
