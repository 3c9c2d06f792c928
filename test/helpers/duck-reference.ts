// The reference side of the native engine's differential tests: seeded event rows, loaded both into
// our in-memory Table and into a DuckDB in-memory database (TimeZone=UTC, our types as DuckDB types:
// TIMESTAMP for our ms timestamps, DOUBLE, INTEGER, BOOLEAN, VARCHAR for STRING and JSON), and DuckDB's
// answers, output columns and parse trees for a query, in result.ts's value model. The connection
// has the ClickHouse macros storage/duckdb.ts defines (clickHouseMacros), as the server's do.

import { DuckDBInstance, timestampValue, type DuckDBConnection, type DuckDBPreparedStatement } from "@duckdb/node-api";
import { BatchBuilder, decodeBatch } from "../../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../../engine/core/event-schema.ts";
import { ColumnType, COLUMN_TYPE_NAMES, isStringType, type TableSchema } from "../../engine/core/types.ts";
import type { SqlColumn, SqlValue } from "../../engine/query/result.ts";
import { Table } from "../../engine/store/table.ts";
import { clickHouseMacros } from "../../storage/duckdb.ts";
import { Rng } from "../sim/rng.ts";

export type Cell = string | number | boolean | null;

const TYPES = ["page_view", "page_view", "page_view", "click", "click", "purchase", "add_to_cart", "refund", "signup"];
const CAMPAIGNS = ["spring_sale", "black_friday", "brand", "retargeting", "ünïcödé", "emoji🎉", "Zebra", "zebra"];
const COUNTRIES = ["US", "DE", "FR", "GB", "JP", "BR", "IN"];
const DEVICES = ["mobile", "desktop", "tablet"];
const CITIES = ["München", "São Paulo", "Zürich", "Kraków", "東京", "Paris", "new york", "ÅLESUND"];
const CHANNELS = ["email", "social", "search", "direct", "display"];
const WORDS = ["sale", "shoes", "Summer", "50%_off", "a_b", "100%", "x\ny", "naïve", "ß", "\\path"];

/** Start of generated event times: 2026-01-10 00:00:00 UTC. */
export const EVENTS_START_MS = Date.UTC(2026, 0, 10);

/** `count` events in EVENT_COLUMNS order, times rising from startMs by 0-74 s; NULLs in most columns. */
export function eventRows(seed: number, count: number, startMs = EVENTS_START_MS): Cell[][] {
  const r = new Rng(seed);
  const maybe = <T>(p: number, v: () => T): T | null => (r.bool(p) ? null : v());
  let ts = startMs;
  const rows: Cell[][] = [];
  for (let i = 0; i < count; i++) {
    ts += r.int(0, 74) * 1000 + r.int(0, 999);
    const type = r.pick(TYPES);
    const revenue = type === "purchase" ? r.int(1, 50_000) / 100 : type === "refund" ? -r.int(1, 20_000) / 100 : null;
    const item = r.int(1, 60);
    const byName: Record<string, Cell> = {
      event_id: `e${seed}-${i}`, ts, received_at: ts + r.int(0, 5000), type,
      user_id: maybe(0.1, () => `u${r.int(1, 300)}`), anonymous_id: maybe(0.3, () => `a${r.int(0, 100_000)}`),
      session_id: maybe(0.05, () => `s${Math.floor(i / 7)}`), campaign: maybe(0.3, () => r.pick(CAMPAIGNS)),
      channel: maybe(0.2, () => r.pick(CHANNELS)), source: maybe(0.5, () => r.pick(["google", "facebook", "newsletter"])),
      medium: maybe(0.5, () => r.pick(["cpc", "organic"])), ad_id: maybe(0.7, () => `ad${r.int(1, 40)}`),
      creative_id: maybe(0.8, () => `cr${r.int(1, 9)}`), item_id: maybe(0.4, () => `item${item}`),
      category: maybe(0.4, () => r.pick(["shoes", "bags", "hats"])), quantity: maybe(0.6, () => r.int(1, 5)),
      price: maybe(0.6, () => r.int(99, 99_999) / 100), revenue, cost: maybe(0.7, () => r.float() * 3),
      currency: revenue === null ? null : r.pick(["USD", "EUR"]), country: maybe(0.1, () => r.pick(COUNTRIES)),
      region: maybe(0.5, () => r.pick(["İzmir", "Bayern", "Île-de-France"])), city: maybe(0.3, () => r.pick(CITIES)),
      device: maybe(0.1, () => r.pick(DEVICES)), os: maybe(0.2, () => r.pick(["ios", "android", "windows", "macos"])),
      browser: maybe(0.2, () => r.pick(["chrome", "safari", "firefox"])),
      url: maybe(0.1, () => `https://shop.example.com/${r.pick(["p", "c", "cart"])}/${item}?utm=${r.pick(WORDS)}`),
      referrer: maybe(0.6, () => r.pick(["https://google.com/", "https://t.co/x", ""])),
      platform: maybe(0.3, () => r.pick(["web", "ios", "android"])),
      text: maybe(0.7, () => `${r.pick(WORDS)} ${r.pick(WORDS)}`), props: maybe(0.5, () => `{"k":${r.int(0, 9)}}`),
    };
    rows.push(EVENTS_SCHEMA.columns.map((c) => byName[c.name] ?? null));
  }
  return rows;
}

/** A Table holding `rows` (appended in batches of 700, so batches straddle segments). */
export function loadTable(schema: TableSchema, rows: readonly Cell[][], segmentRows: number, seal: boolean): Table {
  const table = new Table(schema, { segmentRows });
  for (let at = 0; at < rows.length; at += 700) {
    const b = new BatchBuilder(schema.name, schema.columns, 700);
    for (const row of rows.slice(at, at + 700)) {
      const k = b.addRow();
      schema.columns.forEach((c, i) => {
        const v = row[i];
        if (v === null || v === undefined) return;
        if (isStringType(c.type)) b.setString(i, k, v as string);
        else b.setNumber(i, k, typeof v === "boolean" ? (v ? 1 : 0) : (v as number));
      });
    }
    table.appendBatch(decodeBatch(b.finish()), null);
  }
  if (seal) table.seal();
  return table;
}

function duckType(t: ColumnType): string {
  return t === ColumnType.JSON ? "VARCHAR" : COLUMN_TYPE_NAMES[t];
}

export class DuckReference {
  private constructor(private readonly instance: DuckDBInstance, private readonly conn: DuckDBConnection, private readonly parser: DuckDBPreparedStatement) {}

  static async open(schema: TableSchema, rows: readonly Cell[][]): Promise<DuckReference> {
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    for (const ddl of clickHouseMacros()) await conn.run(ddl);
    await conn.run(`CREATE TABLE ${schema.name} (${schema.columns.map((c) => `"${c.name}" ${duckType(c.type)}`).join(", ")})`);
    const app = await conn.createAppender(schema.name);
    for (const row of rows) {
      schema.columns.forEach((c, i) => {
        const v = row[i];
        if (v === null || v === undefined) app.appendNull();
        else if (c.type === ColumnType.TIMESTAMP) app.appendTimestamp(timestampValue(BigInt(v as number) * 1000n));
        else if (c.type === ColumnType.FLOAT64) app.appendDouble(v as number);
        else if (c.type === ColumnType.INT32) app.appendInteger(v as number);
        else if (c.type === ColumnType.BOOL) app.appendBoolean(v as boolean);
        else app.appendVarchar(v as string);
      });
      app.endRow();
    }
    app.closeSync();
    return new DuckReference(instance, conn, await conn.prepare("SELECT json_serialize_sql($1::VARCHAR)"));
  }

  /** The statements array of json_serialize_sql, as storage/duckdb.ts hands it out. */
  async parse(sql: string): Promise<unknown[]> {
    this.parser.bindVarchar(1, sql);
    const tree = JSON.parse(String((await this.parser.runAndReadAll()).getRows()[0]![0]));
    if (tree.error) throw new Error(`parse error: ${tree.error_message}`);
    return tree.statements;
  }

  async describe(sql: string): Promise<SqlColumn[]> {
    const p = await this.conn.prepare(sql);
    return Array.from({ length: p.columnCount }, (_, i) => ({ name: p.columnName(i), type: p.columnType(i).toString() }));
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<SqlValue[][]> {
    const p = await this.conn.prepare(sql);
    params.forEach((v, k) => {
      const i = k + 1;
      if (v === null) p.bindNull(i);
      else if (typeof v === "string") p.bindVarchar(i, v);
      else if (typeof v === "boolean") p.bindBoolean(i, v);
      else if (typeof v === "bigint") p.bindBigInt(i, v);
      else if (typeof v === "number") { if (Number.isInteger(v)) p.bindInteger(i, v); else p.bindDouble(i, v); }
      else if (v instanceof Date) p.bindTimestamp(i, timestampValue(BigInt(v.getTime()) * 1000n));
      else throw new Error(`parameter ${i}: unsupported value`);
    });
    return (await p.runAndReadAll()).getRowsJS() as SqlValue[][];
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
