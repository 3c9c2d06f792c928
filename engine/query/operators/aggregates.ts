// Aggregate states, one typed array per field indexed by group id (never an object per group), and
// batch updates over a selection: update(sel, gids, n) adds rows sel[k] to groups gids[k].
//
// - count(*) / count(x): Float64Array counts.
// - sum/avg of DOUBLE: Neumaier-compensated sums (DuckDB compensates as well; results agree to far
//   better than 1e-9 relative). A plain column argument is read from the store as its non-null
//   values only (RowEnv.dense): a sparse column (revenue) costs its values, not its rows. Integer
//   sums are exact while |sum| <= 2^53; beyond, the query declines (DuckDB would answer with a
//   HUGEINT we cannot hold exactly).
// - min/max: numbers in a Float64Array; strings in code-point order (utf8.ts), as DuckDB orders them.
// - count(DISTINCT x): distinct.ts (codes, or a Set of values per group). approx_count_distinct is
//   computed exactly the same way: DuckDB's HyperLogLog estimate cannot be reproduced bit for bit,
//   so the differential tests compare it with a 2% relative tolerance (HLL proper comes later).
// An aggregate over no rows is NULL, except counts (0).

import type { AggSpec } from "../bound.ts";
import { compile } from "../compile.ts";
import { decline } from "../decline.ts";
import { compareUtf8 } from "../functions/utf8.ts";
import type { Fn, Val } from "../functions/value.ts";
import { ColumnType } from "../../core/types.ts";
import { POPCOUNT8 } from "../../column/validity.ts";
import { isNullAt, type ColumnSlot, type RowEnv } from "../row-env.ts";
import { distinctOp } from "./distinct.ts";
import { isString } from "../sql-types.ts";

export interface AggOp {
  /** False when update reads its argument from the store itself (RowEnv.dense, markCodes): no slot load. */
  readonly readsSlots: boolean;
  grow(groups: number): void;
  update(sel: Int32Array, gids: Int32Array, n: number): void;
  result(g: number): Val;
}

function growF64(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** A numeric input read per row: NaN never occurs in our data, so it marks NULL here. */
type NumIn = (i: number) => number;

/** The slot of a plain FLOAT64/TIMESTAMP column argument, read directly by the kernels. */
function f64Column(spec: AggSpec, env: RowEnv): ColumnSlot | null {
  const a = spec.arg;
  if (a === null || a.kind !== "column") return null;
  const s = env.slots[a.column]!;
  return s.type === ColumnType.FLOAT64 || s.type === ColumnType.TIMESTAMP ? s : null;
}

function numericInput(spec: AggSpec, env: RowEnv): NumIn {
  const a = spec.arg!;
  if (a.kind === "column") {
    const s = env.slots[a.column]!;
    if (s.dict === null && s.strings === undefined && (a.type === "DOUBLE" || a.type === "TIMESTAMP")) {
      return (i) => (isNullAt(s.validity, i) ? NaN : s.f64![i]!);
    }
  }
  const f = compile(a, env.compileEnv);
  return (i) => { const v = f(i); return v === null ? NaN : typeof v === "boolean" ? (v ? 1 : 0) : (v as number); };
}

/**
 * count(*): without GROUP BY, n per batch; with groups, four interleaved histograms summed at the
 * end. Rows of one group often follow each other (a few event types, countries), and one histogram
 * then makes each increment wait for the previous one to be stored; four break that chain.
 */
function countStarOp(singleGroup: boolean): AggOp {
  let c0 = new Float64Array(16), c1 = new Float64Array(16), c2 = new Float64Array(16), c3 = new Float64Array(16);
  return {
    readsSlots: false,
    grow(n) { c0 = growF64(c0, n); c1 = growF64(c1, n); c2 = growF64(c2, n); c3 = growF64(c3, n); },
    update(_sel, gids, n) {
      if (singleGroup) { c0[0]! += n; return; }
      const a = c0, b = c1, c = c2, d = c3, end = n & ~3;
      let k = 0;
      for (; k < end; k += 4) { a[gids[k]!]!++; b[gids[k + 1]!]!++; c[gids[k + 2]!]!++; d[gids[k + 3]!]!++; }
      for (; k < n; k++) a[gids[k]!]!++;
    },
    result: (g) => c0[g]! + c1[g]! + c2[g]! + c3[g]!,
  };
}

function countOp(spec: AggSpec, env: RowEnv): AggOp {
  let counts = new Float64Array(16);
  const col = spec.arg !== null && spec.arg.kind === "column" ? env.slots[spec.arg.column]! : null;
  const f: Fn | null = spec.arg === null || col !== null ? null : compile(spec.arg, env.compileEnv);
  return {
    readsSlots: true,
    grow(n) { counts = growF64(counts, n); },
    update(sel, gids, n) {
      const c = counts;
      if (col !== null) {
        const v = col.validity;
        if (v === null) for (let k = 0; k < n; k++) c[gids[k]!]!++;
        else for (let k = 0; k < n; k++) { const i = sel[k]!; if ((v[i >> 3]! & (1 << (i & 7))) !== 0) c[gids[k]!]!++; }
      } else if (f === null) for (let k = 0; k < n; k++) c[gids[k]!]!++;
      else for (let k = 0; k < n; k++) if (f(sel[k]!) !== null) c[gids[k]!]!++;
    },
    result: (g) => counts[g]!,
  };
}

function sumOp(spec: AggSpec, env: RowEnv, avg: boolean): AggOp {
  const col = f64Column(spec, env), x = col === null ? numericInput(spec, env) : null;
  const column = spec.arg !== null && spec.arg.kind === "column" ? spec.arg.column : -1;
  const exact = spec.arg!.type !== "DOUBLE";
  let sums = new Float64Array(16), comps = new Float64Array(16), counts = new Float64Array(16);
  const add = (g: number, v: number) => {
    const s = sums[g]!, t = s + v;
    // Neumaier: keep the low-order bits the addition loses.
    comps[g]! += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
    sums[g] = t;
    counts[g]!++;
  };
  return {
    readsSlots: col === null,
    grow(n) { sums = growF64(sums, n); comps = growF64(comps, n); counts = growF64(counts, n); },
    update(sel, gids, n) {
      if (col !== null) {
        const all = n === env.rowCount(), d = env.dense(column, all ? null : sel, n);
        if (d.perRow) sumRows(d.values, d.validity, sel, gids, n, sums, comps, counts);
        else if (all) sumDenseAll(d.values, d.validity!, n, gids, sums, comps, counts);
        else sumDenseSel(d.values, d.validity!, sel, gids, n, sums, comps, counts);
        return;
      }
      for (let k = 0; k < n; k++) {
        const v = x!(sel[k]!);
        if (v !== v) continue;
        const g = gids[k]!;
        add(g, v);
        if (exact && !(Math.abs(sums[g]!) <= Number.MAX_SAFE_INTEGER)) decline("integer sum beyond 2^53");
      }
    },
    result(g) {
      if (counts[g] === 0) return null;
      const s = sums[g]! + comps[g]!;
      return avg ? s / counts[g]! : s;
    },
  };
}

// Neumaier-compensated sums into groups gids[k], from the three layouts of a DenseView (read-dense.ts).

/** Values by row: row sel[k] goes to group gids[k] where valid. */
function sumRows(a: Float64Array, valid: Uint8Array | null, sel: Int32Array, gids: Int32Array, n: number, su: Float64Array, co: Float64Array, cn: Float64Array): void {
  for (let k = 0; k < n; k++) {
    const i = sel[k]!;
    if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) continue;
    const g = gids[k]!, v = a[i]!, s = su[g]!, t = s + v;
    co[g]! += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
    su[g] = t;
    cn[g]!++;
  }
}

/** Dense values, every row selected: walk the set validity bits (bytes of zeros cost one test). */
function sumDenseAll(dense: Float64Array, valid: Uint8Array, n: number, gids: Int32Array, su: Float64Array, co: Float64Array, cn: Float64Array): void {
  let d = 0;
  const bytes = n >> 3;
  for (let b = 0; b <= bytes; b++) {
    let bits = b < bytes ? valid[b]! : (n & 7) === 0 ? 0 : valid[b]! & ((1 << (n & 7)) - 1);
    while (bits !== 0) {
      const low = bits & -bits, i = (b << 3) | (31 - Math.clz32(low));
      bits ^= low;
      const g = gids[i]!, v = dense[d++]!, s = su[g]!, t = s + v;
      co[g]! += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
      su[g] = t;
      cn[g]!++;
    }
  }
}

/** Dense values, selected rows (ascending): a row's dense index is the set bits before it. */
function sumDenseSel(dense: Float64Array, valid: Uint8Array, sel: Int32Array, gids: Int32Array, n: number, su: Float64Array, co: Float64Array, cn: Float64Array): void {
  let byte = 0, d = 0;
  for (let k = 0; k < n; k++) {
    const i = sel[k]!, rb = i >> 3, bit = i & 7;
    while (byte < rb) d += POPCOUNT8[valid[byte++]!]!;
    const bits = valid[rb]!;
    if (((bits >> bit) & 1) === 0) continue;
    const g = gids[k]!, v = dense[d + POPCOUNT8[bits & ((1 << bit) - 1)]!]!, s = su[g]!, t = s + v;
    co[g]! += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
    su[g] = t;
    cn[g]!++;
  }
}

function countIfOp(spec: AggSpec, env: RowEnv): AggOp {
  const f = compile(spec.arg!, env.compileEnv);
  let trues = new Float64Array(16), seen = new Float64Array(16);
  return {
    readsSlots: true,
    grow(n) { trues = growF64(trues, n); seen = growF64(seen, n); },
    update(sel, gids, n) {
      for (let k = 0; k < n; k++) {
        const v = f(sel[k]!);
        if (v === null) continue;
        seen[gids[k]!]!++;
        if (v === true) trues[gids[k]!]!++;
      }
    },
    result: (g) => (seen[g] === 0 ? null : trues[g]!),
  };
}

function minMaxOp(spec: AggSpec, env: RowEnv, max: boolean): AggOp {
  if (isString(spec.type)) {
    const f = compile(spec.arg!, env.compileEnv), best: (string | null)[] = [];
    return {
      readsSlots: true,
      grow(n) { while (best.length < n) best.push(null); },
      update(sel, gids, n) {
        for (let k = 0; k < n; k++) {
          const v = f(sel[k]!) as string | null;
          if (v === null) continue;
          const g = gids[k]!, b = best[g]!;
          if (b === null || (max ? compareUtf8(v, b) > 0 : compareUtf8(v, b) < 0)) best[g] = v;
        }
      },
      result: (g) => best[g]!,
    };
  }
  const x = numericInput(spec, env), bool = spec.type === "BOOLEAN";
  let vals = new Float64Array(16).fill(NaN);
  return {
    readsSlots: true,
    grow(n) { const old = vals.length; vals = growF64(vals, n); if (vals.length > old) vals.fill(NaN, old); },
    update(sel, gids, n) {
      for (let k = 0; k < n; k++) {
        const v = x(sel[k]!);
        if (v !== v) continue;
        const g = gids[k]!, b = vals[g]!;
        if (b !== b || (max ? v > b : v < b)) vals[g] = v;
      }
    },
    result(g) { const v = vals[g]!; return v !== v ? null : bool ? v === 1 : v; },
  };
}

/** The state of one aggregate, without its FILTER (group-by.ts applies filters, shared by key). */
export function aggOp(spec: AggSpec, env: RowEnv, singleGroup: boolean): AggOp {
  switch (spec.fn) {
    case "count_star": return countStarOp(singleGroup);
    case "count": return countOp(spec, env);
    case "sum": return sumOp(spec, env, false);
    case "avg": return sumOp(spec, env, true);
    case "count_if": return countIfOp(spec, env);
    case "min": case "max": return minMaxOp(spec, env, spec.fn === "max");
    case "count_distinct": return distinctOp(spec, env, singleGroup);
  }
}
