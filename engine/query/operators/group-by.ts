// The sink of an aggregate query (GROUP BY, aggregates without GROUP BY, DISTINCT): rows go to
// groups (group-table.ts) and into aggregate states (aggregates.ts) batch by batch. At the end each
// group becomes one row: key values and aggregate results are materialized per group, then HAVING,
// the outputs and hidden ORDER BY terms are evaluated over groups with closures reading them.

import { columnsOf, type AggSpec, type BExpr } from "../bound.ts";
import { compile, type CompileEnv } from "../compile.ts";
import type { Val } from "../functions/value.ts";
import type { RowEnv } from "../row-env.ts";
import { aggOp } from "./aggregates.ts";
import { createFilterViews } from "./filter-views.ts";
import { filteredDistincts } from "./filtered-distinct.ts";
import { keyCol } from "./group-keys.ts";
import { createGroupTable } from "./group-table.ts";
import type { Row } from "./order-by.ts";
import { tooLarge, type Sink } from "./sink.ts";

export interface GroupByOptions {
  readonly keys: readonly BExpr[];
  readonly aggs: readonly AggSpec[];
  readonly having: BExpr | null;
  /** Evaluated per group: outputs, then hidden ORDER BY terms. */
  readonly rowExprs: readonly BExpr[];
  readonly batchRows: number;
  /** More groups than this is result_too_large (no HAVING or LIMIT could cut them). */
  readonly maxGroups: number;
  readonly maxRows: number;
}

export function groupBySink(o: GroupByOptions, env: RowEnv): Sink {
  const oneGroup = o.keys.length === 0;
  const fused = filteredDistincts(o.aggs, env, oneGroup);
  const ops = o.aggs.map((a, i) => fused?.ops.get(i) ?? aggOp(a, env, oneGroup));
  const star = o.aggs.findIndex((a) => a.fn === "count_star" && a.filter === null);
  const counted = star < 0 ? null : { rows: (g: number) => ops[star]!.result(g) as number, maxGroups: o.maxGroups };
  const table = createGroupTable(o.keys.map((k) => keyCol(k, env)), o.batchRows, env, counted);
  // Columns to load before consume: what the group table and the aggregates read from slots (the
  // others read the store themselves; FILTER refiners load their own).
  const reads = new Set<number>();
  if (table.readsSlots) for (const k of o.keys) for (const c of columnsOf(k)) reads.add(c);
  o.aggs.forEach((a, i) => { if (a.arg !== null && ops[i]!.readsSlots) for (const c of columnsOf(a.arg)) reads.add(c); });
  // Aggregates computed by `fused` take no FILTER view: their filters are applied inside its pass.
  const viewAggs = o.aggs.map((a, i) => (fused?.ops.has(i) ? { ...a, filter: null } : a));
  const { viewOf, compute } = createFilterViews(viewAggs, env, o.batchRows, oneGroup);
  const gids = new Int32Array(o.batchRows);
  for (const op of ops) op.grow(table.idLimit());
  let batch = 0;
  return {
    readColumns: [...reads].sort((a, b) => a - b),
    consume(sel, n) {
      table.assign(sel, n, gids);
      if (table.idLimit() > o.maxGroups && table.count() > o.maxGroups) tooLarge(o.maxRows);
      const g = table.idLimit();
      batch++;
      fused?.update(sel, n);
      for (let a = 0; a < ops.length; a++) {
        const op = ops[a]!, v = viewOf[a]!;
        op.grow(g);
        if (v === null) { op.update(sel, gids, n); continue; }
        compute(v, sel, gids, n, batch);
        op.update(v.sel, v.gids, v.n);
      }
      return true;
    },
    finish() {
      fused?.finish();
      const groups = table.idLimit();
      const keyVals: Val[][] = table.keys.map((k, j) => {
        const out = new Array<Val>(groups);
        for (let g = 0; g < groups; g++) out[g] = table.present(g) ? k.value(table.keyId(g, j)) : null;
        return out;
      });
      const aggVals: Val[][] = ops.map((op) => {
        const out = new Array<Val>(groups);
        for (let g = 0; g < groups; g++) out[g] = table.present(g) ? op.result(g) : null;
        return out;
      });
      const post: CompileEnv = {
        params: env.compileEnv.params, nowMs: env.compileEnv.nowMs,
        leaf(e) {
          const vals = e.kind === "key" ? keyVals[e.index]! : aggVals[(e as { index: number }).index]!;
          return (g) => vals[g]!;
        },
      };
      const having = o.having === null ? null : compile(o.having, post);
      const fns = o.rowExprs.map((e) => compile(e, post));
      const rows: Row[] = [];
      for (let g = 0; g < groups; g++) {
        if (!table.present(g) || (having !== null && having(g) !== true)) continue;
        rows.push(fns.map((f) => f(g)));
      }
      return rows;
    },
  };
}
