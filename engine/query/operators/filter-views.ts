// FILTER (WHERE ...) of aggregates: per batch, the rows where each distinct filter is TRUE, with
// their groups, computed once for all aggregates sharing the filter by the same refiners as WHERE
// (codes compared, not strings).
//
// Filters that each test one dictionary column by code (`type = 'page_view'`, `type IN (...)`), two
// or more on one column (a funnel's steps), are computed together: the column's codes are loaded
// once and one pass over the rows sends each row, with its group, to the views whose predicate keeps
// its code, by a mask of views per code (decided on first sight), instead of a copy, a refine pass
// and a pass carrying groups per filter.

import { exprKey, type AggSpec } from "../bound.ts";
import { KEEP, UNKNOWN, type CodePredicate } from "../../store/table.ts";
import type { RowEnv } from "../row-env.ts";
import { codeTerm, compileFilter, conjuncts, type Refine } from "./filter.ts";

/** Views computed together from one dictionary column (at most MASK_VIEWS of them). */
const MASK_VIEWS = 8;
const MASK_UNKNOWN = 0xff;

export interface FilterView {
  readonly refiners: readonly Refine[];
  readonly sel: Int32Array;
  readonly gids: Int32Array;
  n: number;
  batch: number;
  /** Set when this view is computed with others over one column (see above). */
  shared: SharedColumn | null;
}

interface SharedColumn {
  readonly column: number;
  readonly views: FilterView[];
  readonly preds: CodePredicate[];
  /** Bit f set: view f keeps the code; MASK_UNKNOWN until first seen. Entry `size` is NULL. */
  readonly mask: Uint8Array;
  /** Written in place of the selections and groups of views 2 and 3 when there are fewer. */
  readonly spare: Int32Array;
}

export interface FilterViews {
  /** The view of each aggregate, null when it has no FILTER. */
  readonly viewOf: readonly (FilterView | null)[];
  /** Fills view v for batch number `batch` (and the views computed with it) unless done already. */
  compute(v: FilterView, sel: Int32Array, gids: Int32Array, n: number, batch: number): void;
}

export function createFilterViews(aggs: readonly AggSpec[], env: RowEnv, batchRows: number, oneGroup: boolean): FilterViews {
  const views = new Map<string, FilterView>();
  const byColumn = new Map<number, { views: FilterView[]; preds: CodePredicate[] }>();
  const viewOf = aggs.map((a) => {
    if (a.filter === null) return null;
    const key = exprKey(a.filter);
    let v = views.get(key);
    if (v !== undefined) return v;
    v = { refiners: compileFilter(a.filter, env), sel: new Int32Array(batchRows), gids: new Int32Array(batchRows), n: 0, batch: -1, shared: null };
    views.set(key, v);
    const terms = conjuncts(a.filter);
    const term = terms.length === 1 ? codeTerm(terms[0]!, env) : null;
    if (term !== null) {
      let group = byColumn.get(term.column);
      if (group === undefined) byColumn.set(term.column, (group = { views: [], preds: [] }));
      if (group.views.length < MASK_VIEWS) { group.views.push(v); group.preds.push(term.p); }
    }
    return v;
  });
  for (const [column, g] of byColumn) {
    // One filter alone keeps the refiner path: it can skip blocks by zone map and compare packed codes.
    if (g.views.length < 2) continue;
    const size = env.slots[column]!.dict!.size;
    const shared: SharedColumn = { column, views: g.views, preds: g.preds, mask: new Uint8Array(size + 1).fill(MASK_UNKNOWN), spare: new Int32Array(batchRows) };
    for (const v of g.views) v.shared = shared;
  }
  return {
    viewOf,
    compute(v, sel, gids, n, batch) {
      if (v.batch === batch) return;
      if (v.shared !== null) {
        partition(v.shared, env, sel, gids, n);
        for (const w of v.shared.views) w.batch = batch;
      } else {
        applyFilter(v, sel, gids, n, oneGroup);
        v.batch = batch;
      }
    },
  };
}

function applyFilter(f: FilterView, sel: Int32Array, gids: Int32Array, n: number, oneGroup: boolean): void {
  f.sel.set(n === sel.length ? sel : sel.subarray(0, n));
  let m = n;
  for (const r of f.refiners) { if (m === 0) break; m = r(f.sel, m); }
  f.n = m;
  carryGroups(f, sel, gids, n, oneGroup);
}

function maskOf(sh: SharedColumn, c: number): number {
  let m = 0;
  for (let f = 0; f < sh.preds.length; f++) {
    const p = sh.preds[f]!;
    let st = p.state[c]!;
    if (st === UNKNOWN) st = p.resolve(c);
    if (st === KEEP) m |= 1 << f;
  }
  sh.mask[c] = m;
  return m;
}

function partition(sh: SharedColumn, env: RowEnv, sel: Int32Array, gids: Int32Array, n: number): void {
  env.need(sh.column, sel, n);
  const s = env.slots[sh.column]!, codes = s.codes!, valid = s.validity, nullCode = sh.mask.length - 1, mask = sh.mask;
  const views = sh.views, V = views.length, spare = sh.spare;
  // Branch free: every row is written to each view's next slot, which advances only when the view
  // keeps it (the kept fraction is often near 1/4: a branch would mispredict constantly). Views
  // past the first three (rare) take a branch; missing ones write to `spare`.
  const s0 = views[0]!.sel, g0 = views[0]!.gids;
  const s1 = V > 1 ? views[1]!.sel : spare, g1 = V > 1 ? views[1]!.gids : spare;
  const s2 = V > 2 ? views[2]!.sel : spare, g2 = V > 2 ? views[2]!.gids : spare;
  let n0 = 0, n1 = 0, n2 = 0;
  for (let f = 3; f < V; f++) views[f]!.n = 0;
  for (let k = 0; k < n; k++) {
    const i = sel[k]!, g = gids[k]!;
    const c = valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0 ? nullCode : codes[i]!;
    let m = mask[c]!;
    if (m === MASK_UNKNOWN) m = maskOf(sh, c);
    s0[n0] = i; g0[n0] = g; n0 += m & 1;
    s1[n1] = i; g1[n1] = g; n1 += (m >> 1) & 1;
    s2[n2] = i; g2[n2] = g; n2 += (m >> 2) & 1;
    for (let f = 3; f < V && m >> f !== 0; f++) {
      if ((m >> f) & 1) { const w = views[f]!; w.sel[w.n] = i; w.gids[w.n++] = g; }
    }
  }
  views[0]!.n = n0;
  if (V > 1) views[1]!.n = n1;
  if (V > 2) views[2]!.n = n2;
}

/** v.gids[j] = group of row v.sel[j], from the rows sel[k] and their groups gids[k] (both ascending). */
function carryGroups(v: FilterView, sel: Int32Array, gids: Int32Array, n: number, oneGroup: boolean): void {
  const m = v.n, vs = v.sel, vg = v.gids;
  if (oneGroup) { vg.fill(0, 0, m); return; }
  for (let k = 0, j = 0; j < m && k < n; k++) if (sel[k] === vs[j]) vg[j++] = gids[k]!;
}
