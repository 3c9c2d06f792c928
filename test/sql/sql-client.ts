// HTTP helpers the SQL tests share: POST /v1/sql, ingest in batches, and waiting until a query
// sees every ingested row (the answer to POST /v1/events says the batch is durable, not that every
// engine reads it yet).

import { ndjson } from "../helpers/caracal-process.ts";
import type { SqlAnswer } from "./compare.ts";

export type Engine = "auto" | "native" | "duckdb";

export interface SqlOk extends SqlAnswer {
  readonly stats: { readonly elapsed_ms: number; readonly rows_scanned: number; readonly engine: string };
}

export interface SqlError {
  readonly code: string;
  readonly message: string;
  readonly position?: number;
}

export type SqlResponse = { readonly status: number; readonly ok: SqlOk; readonly error?: undefined }
  | { readonly status: number; readonly ok?: undefined; readonly error: SqlError };

export async function postSql(url: string, sql: string, opts: { engine?: Engine; params?: readonly unknown[] } = {}): Promise<SqlResponse> {
  const body: Record<string, unknown> = { sql, format: "json", engine: opts.engine ?? "auto" };
  if (opts.params !== undefined) body.params = opts.params;
  const res = await fetch(`${url}/v1/sql`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: res.status, error: { code: "(not json)", message: text.slice(0, 500) } };
  }
  if (res.status === 200 && Array.isArray(json?.columns)) return { status: res.status, ok: json as SqlOk };
  const e = json?.error ?? {};
  const error: SqlError = { code: String(e.code ?? "(no code)"), message: String(e.message ?? text.slice(0, 500)) };
  return { status: res.status, error: e.position === undefined ? error : { ...error, position: e.position } };
}

/** Posts events as NDJSON in batches; throws unless every event is accepted or a known duplicate. */
export async function ingestEvents(url: string, events: readonly unknown[], batch = 5000): Promise<{ accepted: number; rejected: number; duplicates: number }> {
  const total = { accepted: 0, rejected: 0, duplicates: 0 };
  for (let i = 0; i < events.length; i += batch) {
    const res = await fetch(`${url}/v1/events`, {
      method: "POST", body: ndjson(events.slice(i, i + batch) as unknown[]), headers: { "content-type": "application/x-ndjson" },
    });
    const r = (await res.json()) as Record<string, any>;
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(r).slice(0, 500)}`);
    total.accepted += r.accepted; total.rejected += r.rejected; total.duplicates += r.duplicates;
  }
  return total;
}

/**
 * Polls `SELECT count(*) FROM events` on the given engines until each answers `rows` (bounded by
 * `timeoutMs`): a wait for a condition, never a fixed sleep.
 */
export async function waitForRows(url: string, rows: number, engines: readonly Engine[] = ["native", "duckdb", "auto"], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const engine of engines) {
    for (;;) {
      const r = await postSql(url, "SELECT count(*) AS n FROM events", { engine });
      const n = r.ok ? Number(r.ok.rows[0]?.[0]) : NaN;
      if (n === rows) break;
      if (r.error && r.error.code === "bad_argument") break;  // this engine declines even a count: nothing to wait for
      if (Date.now() > deadline) throw new Error(`engine ${engine} sees ${r.ok ? n : JSON.stringify(r.error)} rows, expected ${rows}`);
      await Bun.sleep(20);
    }
  }
}
