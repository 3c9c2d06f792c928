// The only file that imports DuckDB. It owns one in-process DuckDB instance: the SQL parser every
// query goes through (json_serialize_sql, so the native engine and DuckDB read one dialect), and,
// later in this file, the connection that runs what the native engine does not.
//
// Parse trees are cached by SQL text: dashboards send the same few statements every second.

import { DuckDBInstance, type DuckDBConnection, type DuckDBPreparedStatement } from "@duckdb/node-api";
import { EngineError } from "../engine/core/errors.ts";

/** Distinct SQL texts whose parse trees are kept. */
const PARSE_CACHE_MAX = 1024;

export interface DuckDbOptions {
  /** Directories DuckDB may read (the data directory's Parquet trees); nothing else is reachable. */
  readonly allowedDirectories?: readonly string[];
  /** DuckDB's memory_limit, e.g. "2GB". */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

export class DuckDb {
  private readonly parseCache = new Map<string, unknown>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly parser: DuckDBPreparedStatement,
  ) {}

  static async open(opts: DuckDbOptions = {}): Promise<DuckDb> {
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    const dirs = (opts.allowedDirectories ?? []).map((d) => `'${d.replaceAll("'", "''")}'`).join(", ");
    if (opts.memoryLimit) await conn.run(`SET memory_limit = '${opts.memoryLimit.replaceAll("'", "")}'`);
    if (opts.threads) await conn.run(`SET threads = ${Math.max(1, Math.floor(opts.threads))}`);
    await conn.run(`SET allowed_directories = [${dirs}]`);
    await conn.run("SET enable_external_access = false");
    await conn.run("SET autoinstall_known_extensions = false");
    await conn.run("SET autoload_known_extensions = false");
    // After this no statement can change a setting: the sandbox above holds for every query.
    await conn.run("SET lock_configuration = true");
    const parser = await conn.prepare("SELECT json_serialize_sql($1::VARCHAR)");
    return new DuckDb(instance, conn, parser);
  }

  /**
   * DuckDB's parse tree of `sql` (the `statements` array of json_serialize_sql), from the cache when
   * seen before. A syntax error throws sql_syntax with the 0-based character position when DuckDB
   * gives one. Statements json_serialize_sql cannot serialize (EXPLAIN, COPY...) return null: they
   * never run natively, and DuckDB decides whether they may run at all.
   */
  async parse(sql: string): Promise<unknown[] | null> {
    const hit = this.parseCache.get(sql);
    if (hit !== undefined) return hit as unknown[] | null;
    this.parser.bindVarchar(1, sql);
    const reader = await this.parser.runAndReadAll();
    const tree = JSON.parse(String(reader.getRows()[0]![0])) as {
      error: boolean; error_type?: string; error_message?: string; position?: string; statements?: unknown[];
    };
    let out: unknown[] | null;
    if (!tree.error) out = tree.statements ?? [];
    else if (tree.error_type === "parser") {
      const position = tree.position === undefined ? undefined : Number(tree.position);
      throw new EngineError("sql_syntax", tree.error_message ?? "syntax error", position === undefined ? undefined : { position });
    } else out = null;
    if (this.parseCache.size >= PARSE_CACHE_MAX) this.parseCache.delete(this.parseCache.keys().next().value!);
    this.parseCache.set(sql, out);
    return out;
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
