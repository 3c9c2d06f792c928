// The sink of an aggregate query (GROUP BY, aggregates without GROUP BY, DISTINCT): rows go to
// groups (group-table.ts) and into aggregate states (aggregates.ts) batch by batch. At the end each
// group becomes one row: key values and aggregate results are materialized per group, then HAVING,
// the outputs and hidden ORDER BY terms are evaluated over groups with closures reading them.

import { exprKey, type AggSpec, type BExpr } from "../bound.ts";
import { compile, type CompileEnv } from "../compile.ts";
import type { Val } from "../functions/value.ts";
import type { RowEnv } from "../row-env.ts";
import { aggOp } from "./aggregates.ts";
import { compileFilter, type Refine } from "./filter.ts";
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

/**
 * The rows of a batch where one FILTER is TRUE, with their groups: computed once per batch for all
 * aggregates sharing the filter, by the same refiners as WHERE (codes compared, not strings).
 */
interface FilterView {
  readonly refiners: readonly Refine[];
  readonly sel: Int32Array;
  readonly gids: Int32Array;
  n: number;
  batch: number;
}

function applyFilter(f: FilterView, sel: Int32Array, gids: Int32Array, n: number, oneGroup: boolean): void {
  f.sel.set(n === sel.length ? sel : sel.subarray(0, n));
  let m = n;
  for (const r of f.refiners) { if (m === 0) break; m = r(f.sel, m); }
  // Both selections ascend: walk them together to carry each kept row's group along.
  if (oneGroup) f.gids.fill(0, 0, m);
  else for (let k = 0, j = 0; j < m; k++) if (sel[k] === f.sel[j]) f.gids[j++] = gids[k]!;
  f.n = m;
}

export function groupBySink(o: GroupByOptions, env: RowEnv): Sink {
  const table = createGroupTable(o.keys.map((k) => keyCol(k, env)), o.batchRows);
  const ops = o.aggs.map((a) => aggOp(a, env, o.keys.length === 0));
  const views = new Map<string, FilterView>();
  const viewOf = o.aggs.map((a) => {
    if (a.filter === null) return null;
    const key = exprKey(a.filter);
    let v = views.get(key);
    if (v === undefined) {
      v = { refiners: compileFilter(a.filter, env), sel: new Int32Array(o.batchRows), gids: new Int32Array(o.batchRows), n: 0, batch: -1 };
      views.set(key, v);
    }
    return v;
  });
  const gids = new Int32Array(o.batchRows);
  for (const op of ops) op.grow(table.count());
  let batch = 0;
  return {
    consume(sel, n) {
      table.assign(sel, n, gids);
      const g = table.count();
      if (g > o.maxGroups) tooLarge(o.maxRows);
      batch++;
      for (let a = 0; a < ops.length; a++) {
        const op = ops[a]!, v = viewOf[a]!;
        op.grow(g);
        if (v === null) { op.update(sel, gids, n); continue; }
        if (v.batch !== batch) { applyFilter(v, sel, gids, n, o.keys.length === 0); v.batch = batch; }
        op.update(v.sel, v.gids, v.n);
      }
      return true;
    },
    finish() {
      const groups = table.count();
      const keyVals: Val[][] = table.keys.map((k, j) => {
        const out = new Array<Val>(groups);
        for (let g = 0; g < groups; g++) out[g] = k.value(table.keyId(g, j));
        return out;
      });
      const aggVals: Val[][] = ops.map((op) => {
        const out = new Array<Val>(groups);
        for (let g = 0; g < groups; g++) out[g] = op.result(g);
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
        if (having !== null && having(g) !== true) continue;
        rows.push(fns.map((f) => f(g)));
      }
      return rows;
    },
  };
}
