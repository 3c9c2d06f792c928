// Which engine answers a SQL request. Every request is parsed and described by DuckDB (both cached by
// SQL text): that is where syntax errors, unknown columns and refused statements are caught, the same
// way whichever engine then runs it. A single SELECT goes to the native engine first (plans cached by
// SQL text); what it cannot answer (Unsupported: a join, a function it lacks, rows only in Parquet
// history...) runs in DuckDB after the hot mirror has caught up with the store. `engine` forces one.
//
// Both engines see the same rows: the native engine reads the store, DuckDB its mirror synced in the
// same turn as the query, so an event acknowledged before a request is in its answer either way.

import { EngineError } from "../../engine/core/errors.ts";
import { executeNative, planNative, type NativePlan, type NativeTables, type Unsupported } from "../../engine/query/native.ts";
import type { SqlResult } from "../../engine/query/result.ts";
import { newScanStats } from "../../engine/store/table.ts";
import type { Description, DuckDb } from "../../storage/duckdb.ts";
import type { HotMirror } from "./hot-mirror.ts";
import type { DerivedMirror } from "./derived-mirror.ts";
import type { SqlRequest } from "./sql-request.ts";

/** Distinct SQL texts whose native plans (or refusals) are kept. */
const PLAN_CACHE_MAX = 1024;

function isUnsupported(x: unknown): x is Unsupported {
  return typeof (x as Unsupported).unsupported === "string";
}

export class SqlRouter {
  private readonly plans = new Map<string, NativePlan | Unsupported>();

  constructor(
    private readonly duck: DuckDb,
    private readonly mirror: HotMirror,
    private readonly tables: NativeTables,
    private readonly derived: DerivedMirror | null = null,
    /**
     * Given a DuckDB error, moves aside the history file it names as unreadable (if any) and
     * returns a sentence saying so; null when the error names no history file.
     */
    private readonly quarantine: (message: string) => Promise<string | null> = async () => null,
  ) {}

  async run(req: SqlRequest): Promise<SqlResult> {
    const t0 = performance.now();
    const deadline = t0 + req.timeoutMs;
    const statements = await this.duck.parse(req.sql);
    const description = await this.duck.describe(req.sql);
    if (req.params.length !== description.parameterCount) {
      throw new EngineError("bad_argument", `the statement has ${description.parameterCount} parameter(s) ($1...), ${req.params.length} given`);
    }
    if (req.engine !== "duckdb") {
      const native = this.runNative(req, statements, description, deadline);
      if (!isUnsupported(native)) return { ...native, stats: { ...native.stats, engine: "native", elapsedMs: performance.now() - t0 } };
      if (req.engine === "native") throw new EngineError("bad_argument", `the native engine cannot run this statement: ${native.unsupported}`, { reason: native.unsupported });
    }
    const out = await this.duck.exclusive(async (session) => {
      await this.mirror.sync(session);
      await this.derived?.sync(session);
      return await session.query(req.sql, req.params, req.maxRows);
    }, { deadline, timeoutMs: req.timeoutMs }).catch(async (e) => {
      // A Parquet file of the history that cannot be read (damaged on disk) would fail every later
      // query too: it is moved aside, this query fails naming it, the next ones read the rest.
      const moved = e instanceof EngineError && e.code === "sql_error" ? await this.quarantine(e.message) : null;
      if (moved !== null) throw new EngineError("data_corrupt", `${e.message}. ${moved}`);
      throw e;
    }).finally(() => this.checkpointSoon());
    return { columns: out.columns, rows: out.rows, stats: { engine: "duckdb", rowsScanned: 0, elapsedMs: performance.now() - t0 } };
  }

  private runNative(req: SqlRequest, statements: unknown[] | null, d: Description, deadline: number): SqlResult | Unsupported {
    if (statements === null || d.statementType !== "SELECT") return { unsupported: `${d.statementType === "EXPLAIN" ? "EXPLAIN" : "this statement"} runs in DuckDB` };
    let plan = this.plans.get(req.sql);
    if (plan === undefined) {
      plan = planNative(statements, d.columns, this.tables);
      if (this.plans.size >= PLAN_CACHE_MAX) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(req.sql, plan);
    }
    if (isUnsupported(plan)) return plan;
    const stats = newScanStats();
    const result = executeNative(plan, {
      params: req.params, tables: this.tables, nowMs: Date.now(), maxRows: req.maxRows, deadline, stats,
    });
    if (isUnsupported(result)) return result;
    return { ...result, stats: { ...result.stats, rowsScanned: result.stats.rowsScanned || stats.rowsScanned } };
  }

  /** Compresses the mirror's new rows in a turn of its own, after the query that synced them has its answer. */
  checkpointSoon(): void {
    if (this.mirror.needsCheckpoint()) void this.duck.exclusive((s) => this.mirror.checkpoint(s)).catch(() => {});
  }

  /** The catalog changed (a dimension table came or went): cached descriptions and plans may be stale. */
  forget(): void {
    this.plans.clear();
    this.duck.forgetDescriptions();
  }
}
