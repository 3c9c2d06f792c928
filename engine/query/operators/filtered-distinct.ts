// Without GROUP BY: count(DISTINCT x) FILTER (WHERE <test of dictionary column y>) for two or more
// filters over the same x and y (a funnel: distinct anonymous_id per event type) in one pass per
// batch (ScanBatch.markBy, store/read-marks.ts) instead of a selection per filter and a marking
// pass per aggregate. Each filter must be decided for every code up front (y = constant, y IN
// (constants)): the store reads a mask by code and cannot call back into the query.

import { exprKey, type AggSpec } from "../bound.ts";
import { newViewMarks, type ViewMarks } from "../../store/table.ts";
import type { RowEnv } from "../row-env.ts";
import type { AggOp } from "./aggregates.ts";
import { codeTerm, conjuncts } from "./filter.ts";

const MAX_VIEWS = 8;

export interface FilteredDistincts {
  /** Aggregate index -> its op (result only: update does nothing, the batch pass is `update` below). */
  readonly ops: ReadonlyMap<number, AggOp>;
  update(sel: Int32Array, n: number): void;
  /** Folds marks the store held back; call once after the scan, before reading results. */
  finish(): void;
}

interface Candidate { readonly index: number; readonly x: number; readonly y: number; readonly filter: string; readonly state: Uint8Array }

function candidate(a: AggSpec, index: number, env: RowEnv): Candidate | null {
  if (a.fn !== "count_distinct" || a.filter === null || a.arg === null || a.arg.kind !== "column") return null;
  const x = a.arg.column;
  if (env.slots[x]!.dict === null) return null;
  const terms = conjuncts(a.filter);
  const term = terms.length === 1 ? codeTerm(terms[0]!, env) : null;
  if (term === null || term.p.kept === null) return null;
  return { index, x, y: term.column, filter: exprKey(a.filter), state: term.p.state };
}

export function filteredDistincts(aggs: readonly AggSpec[], env: RowEnv, oneGroup: boolean): FilteredDistincts | null {
  if (!oneGroup) return null;
  const cands = aggs.map((a, i) => candidate(a, i, env)).filter((c) => c !== null);
  const first = cands[0];
  if (first === undefined) return null;
  const same = cands.filter((c) => c.x === first.x && c.y === first.y);
  const filters = [...new Set(same.map((c) => c.filter))];
  if (same.length < 2 || filters.length > MAX_VIEWS || first.x === first.y) return null;
  const ySize = env.slots[first.y]!.dict!.size;
  const viewMask = new Uint8Array(ySize + 1);
  const views = new Map<string, number>();
  for (const c of same) {
    if (views.has(c.filter)) continue;
    const f = views.size;
    views.set(c.filter, f);
    // Fully decided predicates (kept !== null) hold KEEP (1) or DROP (2) for every code and NULL.
    for (let code = 0; code <= ySize; code++) if (c.state[code] === 1) viewMask[code] = viewMask[code]! | (1 << f);
  }
  const vm: ViewMarks = newViewMarks(views.size, env.slots[first.x]!.dict!.size);
  const ops = new Map<number, AggOp>();
  for (const c of same) {
    const f = views.get(c.filter)!;
    ops.set(c.index, { readsSlots: false, grow() {}, update() {}, result: () => vm.added[f]! });
  }
  return {
    ops,
    update(sel, n) {
      if (n > 0) env.markBy(first.x, first.y, n === env.rowCount() ? null : sel, n, viewMask, vm);
    },
    finish() { env.flushMarks(first.x, vm); },
  };
}
