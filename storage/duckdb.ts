// The in-process DuckDB instance. With duckdb-*.ts beside it, the only code that imports DuckDB.
//
// Two connections, each used by one operation at a time (duckdb-queue.ts):
//   meta   parses (json_serialize_sql, so the native engine and DuckDB read one dialect) and
//          describes statements (prepare: output columns, parameter count, the read-only check);
//          both cached by SQL text, so dashboards repeating a statement never touch it.
//   main   runs queries and our own maintenance (the hot mirror's appends, views, dimension
//          tables), inside exclusive(): a caller syncs the mirror and queries in one turn, so
//          nothing changes between the two. A query's time limit covers its wait for the
//          connection; at the limit the connection is interrupted.
//
// The sandbox is set before anything else runs and then locked (lock_configuration): file access
// only below allowedDirectories, no extension installs or loads, UTC session time zone, errors as
// JSON (duckdb-errors.ts reads them). Each connection also gets the ClickHouse spellings as
// temporary macros (clickHouseMacros).

import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBPreparedStatement } from "@duckdb/node-api";
import { EngineError } from "../engine/core/errors.ts";
import type { SqlColumn, SqlValue } from "../engine/query/result.ts";
import { openAppender, type ChunkAppender, type AppendType } from "./duckdb-appender.ts";
import { charOffset, toEngineError } from "./duckdb-errors.ts";
import { ConnectionQueue } from "./duckdb-queue.ts";
import { checkReadKeyword, explainedStart, forbidden } from "./duckdb-statement.ts";
import { bindParams, toSqlValue } from "./duckdb-values.ts";

export type { AppendColumn, AppendType, ChunkAppender } from "./duckdb-appender.ts";

/** How often a query past its deadline is interrupted again, until it has stopped. */
const INTERRUPT_REPEAT_MS = 25;
/** Distinct SQL texts whose parse trees, and descriptions, are kept. */
const CACHE_MAX = 1024;
/** Schema (an attached in-memory database) of tables clients do not see in SHOW TABLES. */
export const INTERNAL_DB = "caracal_internal";

const STATEMENT_SELECT = 1;
const STATEMENT_EXPLAIN = 4;
const STATEMENT_NAMES: Record<number, string> = {
  2: "INSERT", 3: "UPDATE", 5: "DELETE", 6: "PREPARE", 7: "CREATE", 8: "EXECUTE", 9: "ALTER", 10: "TRANSACTION",
  11: "COPY", 12: "ANALYZE", 13: "SET VARIABLE", 14: "CREATE FUNCTION", 15: "DROP", 16: "EXPORT", 17: "PRAGMA",
  18: "VACUUM", 19: "CALL", 20: "SET", 21: "LOAD", 23: "EXTENSION", 25: "ATTACH", 26: "DETACH", 28: "COPY DATABASE",
  29: "UPDATE EXTENSIONS", 30: "MERGE",
};

export interface DuckDbOptions {
  /** Directories DuckDB may read and write (the data directory's Parquet trees); nothing else is reachable. */
  readonly allowedDirectories?: readonly string[];
  /** DuckDB's memory_limit, e.g. "2GB". */
  readonly memoryLimit?: string;
  readonly threads?: number;
  /**
   * Where DuckDB spills operators that outgrow memoryLimit (large sorts, joins, aggregates); unset,
   * nothing spills and such a query fails with query_memory. Not readable by queries.
   */
  readonly tempDirectory?: string;
}

export interface Description {
  readonly statementType: "SELECT" | "EXPLAIN";
  /** Output columns; a type DuckDB only knows once parameters are bound is "UNKNOWN". */
  readonly columns: readonly SqlColumn[];
  readonly parameterCount: number;
}

export interface Rows {
  readonly columns: readonly SqlColumn[];
  readonly rows: SqlValue[][];
}

export interface ExclusiveOptions {
  /** performance.now() time at which the wait or the work is given up (query_timeout). */
  readonly deadline?: number;
  /** The limit that deadline stands for, for messages. */
  readonly timeoutMs?: number;
}

/** What a caller may do while it holds the main connection; valid only inside exclusive(). */
export interface DuckSession {
  /** A client statement: checked by describe() (reads only), bound, streamed, at most maxRows rows. */
  query(sql: string, params: readonly unknown[], maxRows: number): Promise<Rows>;
  /** Our own statements (DDL, COPY of uploads, deletes in the mirror). Never client text. */
  run(sql: string): Promise<void>;
  /** Our own reads; rows converted like query results. */
  read(sql: string): Promise<SqlValue[][]>;
  appender(table: string, types: readonly AppendType[]): Promise<ChunkAppender>;
  /** The deadline passed or the instance is closing: long work (a big mirror sync) should stop. */
  expired(): boolean;
}

/**
 * The ClickHouse spellings analysts know, as temporary macros: a connection's own catalog, so they
 * are created on every connection and SHOW TABLES lists nothing new. countIf needs none (DuckDB's
 * alias of count_if). engine/query/functions/clickhouse-fns.ts expands the same calls for the native
 * engine: change both together (test/unit/engine/query/differential-clickhouse.test.ts runs each in
 * both). DuckDB names an output column after the call as written, lower-cased (`uniqexact(user_id)`),
 * and refuses DISTINCT and FILTER on a macro. Against ClickHouse:
 *   uniq(x)         approx_count_distinct, NULLs ignored: an estimate, but not ClickHouse's estimator,
 *                   so the numbers differ (the native engine counts exactly, as for approx_count_distinct).
 *   uniqExact(x)    count(DISTINCT x), NULLs ignored.
 *   sumIf(x, cond)  sum(x) FILTER (WHERE cond), typed as sum is (HUGEINT for integers, where ClickHouse
 *                   wraps in Int64). With no row where cond is true and x is not NULL it is NULL, which
 *                   is ClickHouse's answer for a Nullable x (every column of ours may be NULL; for a
 *                   non-Nullable x ClickHouse says 0). sum(CASE WHEN cond THEN x END) answers the same;
 *                   FILTER skips rows rather than summing NULLs. A non-BOOLEAN cond is cast (non-zero
 *                   is true, as ClickHouse's UInt8); the native engine declines that one.
 *   toStartOfMinute/Hour/Day(ts)  date_trunc, typed as ts (TIMESTAMP in, TIMESTAMP out).
 *   toStartOfInterval(ts, w)      time_bucket(w, ts, origin) with the origin chosen from w's parts
 *                   (months; days; the time part) as ClickHouse chooses it, table in clickhouse-fns.ts:
 *                   DuckDB's default origin would be Monday 2000-01-03 (2000-01 for months). Whole
 *                   hours count from ts's own midnight.
 */
export function clickHouseMacros(): readonly string[] {
  const part = (p: string) => `datepart('${p}', w)`;
  const origin = [
    `CASE WHEN ${part("year")} * 12 + ${part("month")} <> 0`,
    `THEN CASE WHEN ${part("month")} = 0 THEN TIMESTAMP '0000-01-01' ELSE TIMESTAMP '1900-01-01' END`,
    `WHEN ${part("day")} = 0 AND ${part("minute")} = 0 AND ${part("microseconds")} = 0 THEN date_trunc('day', t)`,
    `WHEN ${part("day")} % 7 = 0 AND ${part("hour")} = 0 AND ${part("minute")} = 0 AND ${part("microseconds")} = 0`,
    `THEN TIMESTAMP '1970-01-05' ELSE TIMESTAMP '1970-01-01' END`,
  ].join(" ");
  return [
    "CREATE TEMP MACRO uniq(x) AS approx_count_distinct(x)",
    "CREATE TEMP MACRO uniqExact(x) AS count(DISTINCT x)",
    "CREATE TEMP MACRO sumIf(x, cond) AS sum(x) FILTER (WHERE cond)",
    "CREATE TEMP MACRO toStartOfMinute(t) AS date_trunc('minute', t)",
    "CREATE TEMP MACRO toStartOfHour(t) AS date_trunc('hour', t)",
    "CREATE TEMP MACRO toStartOfDay(t) AS date_trunc('day', t)",
    `CREATE TEMP MACRO toStartOfInterval(t, w) AS time_bucket(w, t, ${origin})`,
  ];
}

function quoteString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

export class DuckDb {
  private readonly parseCache = new Map<string, unknown[] | null>();
  private readonly describeCache = new Map<string, Description>();
  private readonly metaQueue = new ConnectionQueue();
  private readonly mainQueue = new ConnectionQueue();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly main: DuckDBConnection,
    private readonly meta: DuckDBConnection,
    private readonly parser: DuckDBPreparedStatement,
  ) {}

  static async open(opts: DuckDbOptions = {}): Promise<DuckDb> {
    const instance = await DuckDBInstance.create(":memory:");
    const main = await instance.connect();
    const meta = await instance.connect();
    const dirs = (opts.allowedDirectories ?? []).map(quoteString).join(", ");
    // errors_as_json and temporary macros are per connection; everything else here is global.
    for (const c of [main, meta]) {
      await c.run("SET errors_as_json = true");
      for (const ddl of clickHouseMacros()) await c.run(ddl);
    }
    await main.run("SET TimeZone = 'UTC'");
    if (opts.memoryLimit) await main.run(`SET memory_limit = ${quoteString(opts.memoryLimit)}`);
    if (opts.threads) await main.run(`SET threads = ${Math.max(1, Math.floor(opts.threads))}`);
    // DuckDB's default spill directory is ./.tmp, wherever the process was started.
    await main.run(`SET temp_directory = ${quoteString(opts.tempDirectory ?? "")}`);
    // A compressed in-memory database of its own: the hot mirror is not listed by SHOW TABLES.
    await main.run(`ATTACH ':memory:' AS ${INTERNAL_DB} (COMPRESS)`);
    await main.run(`SET allowed_directories = [${dirs}]`);
    await main.run("SET enable_external_access = false");
    await main.run("SET autoinstall_known_extensions = false");
    await main.run("SET autoload_known_extensions = false");
    // After this no statement can change a setting: the sandbox above holds for every query.
    await main.run("SET lock_configuration = true");
    const parser = await meta.prepare("SELECT json_serialize_sql($1::VARCHAR)");
    return new DuckDb(instance, main, meta, parser);
  }

  /**
   * DuckDB's parse tree of `sql` (the `statements` array of json_serialize_sql), from the cache when
   * seen before. A syntax error throws sql_syntax with the 0-based character position when DuckDB
   * gives one. Statements json_serialize_sql cannot serialize (EXPLAIN, COPY...) return null: they
   * never run natively, and describe() decides whether they may run at all.
   */
  async parse(sql: string): Promise<unknown[] | null> {
    const hit = this.parseCache.get(sql);
    if (hit !== undefined) return hit;
    const out = await this.metaQueue.run(async () => {
      this.parser.bindVarchar(1, sql);
      const reader = await this.parser.runAndReadAll();
      const tree = JSON.parse(String(reader.getRows()[0]![0])) as {
        error: boolean; error_type?: string; error_message?: string; position?: string; statements?: unknown[];
      };
      if (!tree.error) return tree.statements ?? [];
      if (tree.error_type === "parser") {
        const position = tree.position === undefined ? undefined : charOffset(sql, Number(tree.position));
        throw new EngineError("sql_syntax", `Parser Error: ${tree.error_message ?? "syntax error"}`, position === undefined ? undefined : { position });
      }
      return null;
    });
    remember(this.parseCache, sql, out);
    return out;
  }

  /**
   * Output columns and parameter count of `sql`, which must be exactly one read statement:
   * several statements are sql_error, anything but a read sql_forbidden naming the statement kind,
   * binder and catalog errors sql_error with DuckDB's message and position.
   */
  async describe(sql: string): Promise<Description> {
    const hit = this.describeCache.get(sql);
    if (hit !== undefined) return hit;
    const out = await this.metaQueue.run(() => this.describeNow(sql));
    remember(this.describeCache, sql, out);
    return out;
  }

  private async describeNow(sql: string): Promise<Description> {
    let prepared: DuckDBPreparedStatement;
    try {
      const extracted = await this.meta.extractStatements(sql).catch((e: unknown) => {
        // IMPORT DATABASE reads files while statements are split: report what was refused, not the file.
        const err = toEngineError(e, sql);
        if (err.code !== "sql_syntax") checkReadKeyword(sql);
        throw err;
      });
      if (extracted.count !== 1) {
        throw new EngineError("sql_error", `one statement per request; got ${extracted.count}`, { statements: extracted.count });
      }
      checkReadKeyword(sql);
      prepared = await extracted.prepare(0);
    } catch (e) {
      throw toEngineError(e, sql);
    }
    try {
      const type = prepared.statementType as number;
      if (type !== STATEMENT_SELECT && type !== STATEMENT_EXPLAIN) throw forbidden(STATEMENT_NAMES[type] ?? `statement type ${type}`);
      if (type === STATEMENT_EXPLAIN) await this.checkExplained(sql);
      const columns: SqlColumn[] = [];
      for (let i = 0; i < prepared.columnCount; i++) {
        const invalid = prepared.columnTypeId(i) === DuckDBTypeId.INVALID;
        columns.push({ name: prepared.columnName(i), type: invalid ? "UNKNOWN" : prepared.columnType(i).toString() });
      }
      return { statementType: type === STATEMENT_SELECT ? "SELECT" : "EXPLAIN", columns, parameterCount: prepared.parameterCount };
    } finally {
      prepared.destroySync();
    }
  }

  /** EXPLAIN ANALYZE runs its statement: that statement must be a read as well. */
  private async checkExplained(sql: string): Promise<void> {
    const start = explainedStart(sql);
    const inner = sql.slice(start);
    checkReadKeyword(inner);
    let prepared: DuckDBPreparedStatement;
    try {
      prepared = await this.meta.prepare(inner);
    } catch (e) {
      throw toEngineError(e, sql, Buffer.byteLength(sql.slice(0, start)));
    }
    const type = prepared.statementType as number;
    prepared.destroySync();
    if (type !== STATEMENT_SELECT) throw forbidden(`EXPLAIN of ${STATEMENT_NAMES[type] ?? `statement type ${type}`}`);
  }

  /** Drops cached descriptions: the catalog changed (a dimension table was replaced or dropped). */
  forgetDescriptions(): void {
    this.describeCache.clear();
  }

  /**
   * Runs `fn` with the main connection to itself. Past `deadline` (waiting included) the connection
   * is interrupted and the call fails with query_timeout.
   */
  exclusive<T>(fn: (session: DuckSession) => Promise<T>, opts: ExclusiveOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new EngineError("shutting_down", "the SQL engine is closed"));
    const deadline = opts.deadline ?? Infinity, limitMs = opts.timeoutMs ?? Infinity;
    return this.mainQueue.run(async () => {
      let timedOut = false;
      let repeat: ReturnType<typeof setInterval> | null = null;
      const timer = deadline === Infinity ? null : setTimeout(() => {
        timedOut = true;
        this.main.interrupt();
        // An interrupt that lands between two statements is lost: keep interrupting until fn returns.
        repeat = setInterval(() => this.main.interrupt(), INTERRUPT_REPEAT_MS);
      }, Math.max(0, deadline - performance.now()));
      try {
        return await fn(this.session(() => timedOut || this.closed));
      } catch (e) {
        if (timedOut) {
          throw new EngineError("query_timeout", `query exceeded its ${limitMs} ms time limit and was interrupted`, { timeout_ms: limitMs });
        }
        throw e;
      } finally {
        if (timer !== null) clearTimeout(timer);
        if (repeat !== null) clearInterval(repeat);
      }
    }, deadline, limitMs);
  }

  private session(expired: () => boolean): DuckSession {
    const conn = this.main;
    return {
      expired,
      query: async (sql, params, maxRows) => {
        if (expired()) throw new EngineError("query_timeout", "the time limit passed before the query started");
        await this.describe(sql);  // the read-only check, cached: nothing unchecked reaches `main`
        return await this.stream(sql, params, maxRows, expired);
      },
      run: async (sql) => {
        await conn.run(sql);
      },
      read: async (sql) => (await conn.runAndReadAll(sql)).convertRows(toSqlValue) as SqlValue[][],
      appender: (table, types) => openAppender(conn, INTERNAL_DB, table, types),
    };
  }

  private async stream(sql: string, params: readonly unknown[], maxRows: number, timedOut: () => boolean): Promise<Rows> {
    let stmt: DuckDBPreparedStatement | null = null;
    try {
      stmt = await this.main.prepare(sql);
      if (params.length !== stmt.parameterCount) {
        throw new EngineError("bad_argument", `the statement has ${stmt.parameterCount} parameter(s), ${params.length} given`);
      }
      bindParams(stmt, params);
      const result = await stmt.stream();
      const names = result.columnNames(), types = result.columnTypes();
      const columns = names.map((name, i) => ({ name, type: types[i]!.toString() }));
      const rows: SqlValue[][] = [];
      for (;;) {
        if (timedOut()) throw new EngineError("query_timeout", "interrupted");
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        if (rows.length + chunk.rowCount > maxRows) {
          throw new EngineError("result_too_large", `query returned more than ${maxRows} rows; add LIMIT or aggregate`, { max_rows: maxRows });
        }
        for (const row of chunk.convertRows(toSqlValue)) rows.push(row as SqlValue[]);
      }
      return { columns, rows };
    } catch (e) {
      throw toEngineError(e, sql);
    } finally {
      stmt?.destroySync();
    }
  }

  /** Interrupts a running query, waits for the operations under way, then closes. Later calls fail with shutting_down. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.main.interrupt();
    await Promise.all([this.mainQueue.run(async () => {}), this.metaQueue.run(async () => {})]);
    this.parser.destroySync();
    this.meta.closeSync();
    this.main.closeSync();
    this.instance.closeSync();
  }
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}
