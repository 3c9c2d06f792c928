// Runs a NativePlan over one in-memory table: evaluates the time range and checks that no evicted
// rows could match, compiles the plan's expressions once, scans the batches (scan-loop.ts: deadline
// checked between them) through the WHERE refiners into a sink (project.ts or group-by.ts), then
// sorts or cuts the rows and converts them to the declared output types. Nothing here is per row.

import { LIMITS } from "../core/limits.ts";
import { columnsOf, type BExpr } from "./bound.ts";
import { compile, evaluateConstant } from "./compile.ts";
import { decline } from "./decline.ts";
import type { NativePlan } from "./plan.ts";
import type { NativeTable, ExecOptions } from "./native.ts";
import type { SqlResult } from "./result.ts";
import { isString } from "./sql-types.ts";
import { converter } from "./operators/convert.ts";
import { compileFilter } from "./operators/filter.ts";
import { groupBySink } from "./operators/group-by.ts";
import { rowComparator, type Row } from "./operators/order-by.ts";
import { projectSink } from "./operators/project.ts";
import { tooLarge, type Sink } from "./operators/sink.ts";
import { runScan } from "./operators/scan-loop.ts";
import { createRowEnv } from "./row-env.ts";
import { evaluateRange } from "./time-range.ts";

function limitValue(plan: NativePlan, which: "limit" | "offset", opts: ExecOptions): number | null {
  const e = plan[which];
  if (e === null) return null;
  const v = evaluateConstant(e, opts);
  if (v === null) return null;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) return decline(`${which} ${String(v)}`);
  return v;
}

/** Slots the sink reads for each row it consumes: keys and aggregate arguments, or the row outputs. */
function sinkColumns(plan: NativePlan, rowExprs: readonly BExpr[]): number[] {
  const exprs = plan.aggregate === null ? rowExprs
    : [...plan.aggregate.keys, ...plan.aggregate.aggs.flatMap((a) => (a.arg === null ? [] : [a.arg]))];
  const out = new Set<number>();
  for (const e of exprs) for (const c of columnsOf(e)) out.add(c);
  return [...out].sort((a, b) => a - b);
}

export function execute(plan: NativePlan, nt: NativeTable, opts: ExecOptions): SqlResult {
  const started = performance.now();
  const table = nt.table;
  const { lo, hi } = evaluateRange(plan.timeBounds, opts.params, opts.nowMs);
  if (nt.historyOverlaps(lo, hi)) decline("rows evicted to Parquet may match the time range");
  const limit = limitValue(plan, "limit", opts), offset = limitValue(plan, "offset", opts) ?? 0;
  const env = createRowEnv(table, plan.scan, opts.params, opts.nowMs);
  const refiners = plan.where === null ? [] : compileFilter(plan.where, env);
  const width = plan.outputs.length;
  const hidden = plan.order.filter((o) => o.output < 0).map((o) => o.expr);
  const cmp = plan.order.length === 0 ? null : rowComparator(plan.order.map((o, k) => ({
    at: o.output >= 0 ? o.output : width + plan.order.slice(0, k).filter((p) => p.output < 0).length,
    desc: o.desc, nullsFirst: o.nullsFirst, strings: isString(o.expr.type),
  })));
  const rowExprs = [...plan.outputs, ...hidden];
  const batchRows = LIMITS.SCAN_BATCH_ROWS;
  const sink: Sink = plan.aggregate !== null
    ? groupBySink({
      ...plan.aggregate, rowExprs, batchRows, maxRows: opts.maxRows,
      maxGroups: plan.aggregate.having === null && limit === null ? opts.maxRows + offset : Infinity,
    }, env)
    : projectSink({ fns: rowExprs.map((e) => compile(e, env.compileEnv)), cmp, offset, limit, maxRows: opts.maxRows });
  const scannedBefore = opts.stats.rowsScanned;
  runScan({
    table, columns: plan.scan, sinkColumns: sink.readColumns ?? sinkColumns(plan, rowExprs), lo, hi, env, refiners, sink,
    batchRows, deadline: opts.deadline, stats: opts.stats,
  });
  let rows = sink.finish();
  if (cmp !== null && (plan.aggregate !== null || limit === null)) rows.sort(cmp);
  rows = rows.slice(offset, limit === null ? undefined : offset + limit);
  if (rows.length > opts.maxRows) tooLarge(opts.maxRows);
  const convert = plan.columns.map((c) => converter(c.type));
  const out = rows.map((r: Row) => { const o = new Array(width); for (let c = 0; c < width; c++) o[c] = convert[c]!(r[c]!); return o; });
  return {
    columns: plan.columns,
    rows: out,
    stats: { engine: "native", rowsScanned: opts.stats.rowsScanned - scannedBefore, elapsedMs: performance.now() - started },
  };
}
