// The native engine's entry points. planNative turns DuckDB's parse tree of one SELECT into a plan
// (pure: no row is read) or says why it declines; executeNative runs a plan over the in-memory
// table. Contract: the native engine never answers differently from DuckDB over the same rows.
// Whatever it cannot match exactly it declines ({ unsupported }), and the caller runs the query in
// DuckDB instead. Operating errors (query_timeout, result_too_large) are thrown as EngineErrors.

import type { SqlColumn, SqlResult, SqlValue } from "./result.ts";
import type { Table, ScanStats } from "../store/table.ts";
import { Decline } from "./decline.ts";
import { execute } from "./execute.ts";
import { parseSelect } from "./parse.ts";
import { buildPlan, type NativePlan } from "./plan.ts";

export type { NativePlan } from "./plan.ts";

export interface NativeTable {
  readonly table: Table;
  /** True when rows not in memory (evicted to Parquet history) may have time-column values in [lo, hi). */
  historyOverlaps(lo: number, hi: number): boolean;
}

export interface NativeTables { get(name: string): NativeTable | undefined }

/** Why the native engine declines (shown in logs/stats). */
export interface Unsupported { readonly unsupported: string }

export interface ExecOptions {
  /** Values for $1.. / ? placeholders. */
  readonly params: readonly SqlValue[];
  readonly tables: NativeTables;
  /** now()/current_timestamp for this query, epoch ms. */
  readonly nowMs: number;
  /** More result rows than this -> EngineError("result_too_large"). */
  readonly maxRows: number;
  /** performance.now() value, checked between batches -> EngineError("query_timeout"). */
  readonly deadline: number;
  /** Rows scanned and segments read or skipped are added here. */
  readonly stats: ScanStats;
}

export function isUnsupported(x: unknown): x is Unsupported {
  return typeof x === "object" && x !== null && "unsupported" in x;
}

function lookup(tables: NativeTables, name: string): NativeTable | undefined {
  return tables.get(name) ?? tables.get(name.toLowerCase());
}

function declined<T>(f: () => T): T | Unsupported {
  try {
    return f();
  } catch (e) {
    if (e instanceof Decline) return { unsupported: e.reason };
    throw e;
  }
}

/**
 * Pure: no data read. `columns` are the output names and DuckDB types from DuckDB's binder (a
 * prepared statement's columnName/columnType), so names and types always match DuckDB's.
 */
export function planNative(statements: readonly unknown[], columns: readonly SqlColumn[], tables: NativeTables): NativePlan | Unsupported {
  return declined(() => {
    const ast = parseSelect(statements);
    const t = lookup(tables, ast.table);
    if (t === undefined) return { unsupported: `table ${ast.table} is not in memory` };
    return buildPlan(ast, t.table.schema, columns);
  });
}

/** Unsupported e.g. when rows evicted from memory may match the query's time range. */
export function executeNative(plan: NativePlan, opts: ExecOptions): SqlResult | Unsupported {
  const t = lookup(opts.tables, plan.table);
  if (t === undefined) return { unsupported: `table ${plan.table} is not in memory` };
  return declined(() => execute(plan, t, opts));
}
