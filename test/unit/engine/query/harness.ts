// Differential test harness: one seeded table in our store and in DuckDB, and check(sql), which
// plans and runs the query natively and in DuckDB and compares the answers (compare-results.ts).
// now() is pinned: the native run gets nowMs, the DuckDB run the same instant as a literal.

import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import type { TableSchema } from "../../../../engine/core/types.ts";
import { executeNative, isUnsupported, planNative, type NativePlan, type NativeTables, type Unsupported } from "../../../../engine/query/native.ts";
import type { SqlResult, SqlValue } from "../../../../engine/query/result.ts";
import { newScanStats, type ScanStats, type Table } from "../../../../engine/store/table.ts";
import { DuckReference, EVENTS_START_MS, eventRows, loadTable, type Cell } from "../../../helpers/duck-reference.ts";
import { diffResults, type CompareOptions } from "./compare-results.ts";

/** now() in tests: two days after the first generated event. */
export const NOW_MS = EVENTS_START_MS + 2 * 86_400_000;

export interface HarnessOptions {
  readonly seed: number;
  readonly rows: number;
  readonly segmentRows?: number;
  readonly seal?: boolean;
  readonly schema?: TableSchema;
  readonly data?: readonly Cell[][];
}

export interface RunOptions {
  readonly params?: readonly SqlValue[];
  readonly maxRows?: number;
  readonly deadline?: number;
  readonly stats?: ScanStats;
  readonly historyOverlaps?: (lo: number, hi: number) => boolean;
}

export interface Harness {
  readonly table: Table;
  readonly duck: DuckReference;
  plan(sql: string): Promise<NativePlan | Unsupported>;
  native(sql: string, o?: RunOptions): Promise<SqlResult | Unsupported>;
  /** Throws with a description when the native answer differs from DuckDB's or the query declines. */
  check(sql: string, o?: CompareOptions & RunOptions): Promise<SqlResult>;
  close(): void;
}

export function pinNow(sql: string): string {
  const lit = `TIMESTAMPTZ '${new Date(NOW_MS).toISOString().replace("T", " ").replace("Z", "")}'`;
  return sql.replace(/\bnow\(\)/gi, lit).replace(/\bcurrent_timestamp\b/gi, lit);
}

export async function openHarness(o: HarnessOptions): Promise<Harness> {
  const schema = o.schema ?? EVENTS_SCHEMA;
  const data = o.data ?? eventRows(o.seed, o.rows);
  const table = loadTable(schema, data, o.segmentRows ?? 1000, o.seal ?? false);
  const duck = await DuckReference.open(schema, data);
  let overlaps: (lo: number, hi: number) => boolean = () => false;
  const tables: NativeTables = { get: (name) => (name === schema.name ? { table, historyOverlaps: (lo, hi) => overlaps(lo, hi) } : undefined) };
  const plan = async (sql: string) => planNative(await duck.parse(sql), await duck.describe(sql), tables);
  const native = async (sql: string, r: RunOptions = {}) => {
    const p = await plan(sql);
    if (isUnsupported(p)) return p;
    overlaps = r.historyOverlaps ?? (() => false);
    return executeNative(p, {
      params: r.params ?? [], tables, nowMs: NOW_MS, maxRows: r.maxRows ?? 1_000_000,
      deadline: r.deadline ?? performance.now() + 60_000, stats: r.stats ?? newScanStats(),
    });
  };
  return {
    table, duck, plan, native,
    async check(sql, c = {}) {
      const ours = await native(sql, c);
      if (isUnsupported(ours)) throw new Error(`declined: ${ours.unsupported}\n  ${sql}`);
      const expected = await duck.run(pinNow(sql), c.params ?? []);
      const diff = diffResults(ours.rows, expected, c);
      if (diff !== null) throw new Error(`${sql}\n${diff}`);
      return ours;
    },
    close: () => duck.close(),
  };
}
