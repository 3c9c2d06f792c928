// WHERE as a chain of refiners over a selection vector: each top-level AND term keeps, in place,
// the selected rows where it is TRUE (NULL and FALSE drop the row alike) and returns how many are
// left, so later terms only look at survivors. Kernels by shape, most specific first:
//
//   numeric or time column <op> constant       one typed-array loop, no closure per row
//   dictionary column = constant / IN (...)     the constants' codes looked up once; rows compare codes
//   column IS [NOT] NULL                        the validity bitmap
//   any other term over one dictionary column   a state table by code, filled on first sight
//   anything else                               the compiled closure, === true
//
// Each refiner loads the columns it reads for the rows still selected (RowEnv.need), so a column
// read by a later term is decoded only where the earlier terms kept rows. The two dictionary shapes
// load nothing: their state table goes to the store (a CodePredicate), which tests codes where they
// lie, through the map of a MAPPED column, and drops whole segments by zone map.

import { ColumnType } from "../../core/types.ts";
import { DROP, KEEP, UNKNOWN, type CodePredicate } from "../../store/table.ts";
import { columnsOf, isRowIndependent, type BExpr } from "../bound.ts";
import { compile, evaluateConstant } from "../compile.ts";
import { isNullAt, type ColumnSlot, type RowEnv } from "../row-env.ts";

export type Refine = (sel: Int32Array, n: number) => number;

export function conjuncts(e: BExpr, out: BExpr[] = []): BExpr[] {
  if (e.kind === "and") for (const a of e.args) conjuncts(a, out);
  else out.push(e);
  return out;
}

export function compileFilter(where: BExpr, env: RowEnv): Refine[] {
  return conjuncts(where).map((c) => refinerFor(c, env));
}

const NONE: Refine = () => 0;

/** A WHERE term decided once per code of one dictionary column (slot `column`). */
export interface CodeTerm {
  readonly column: number;
  readonly p: CodePredicate;
}

/** The term as a CodePredicate when it reads one dictionary column only (= / IN constants, or any expression of it). */
export function codeTerm(e: BExpr, env: RowEnv): CodeTerm | null {
  if (isRowIndependent(e)) return null;
  const eq = dictEquality(e, env);
  if (eq !== null) return eq;
  const p = env.perValue(e);
  return p === null ? null : perCodePredicate(env, p.column, (v) => p.f(v) === true);
}

function refinerFor(e: BExpr, env: RowEnv): Refine {
  if (isRowIndependent(e)) {
    const v = evaluateConstant(e, env.compileEnv);
    return v === true ? (_sel, n) => n : NONE;
  }
  const term = codeTerm(e, env);
  if (term !== null) {
    const { column, p } = term;
    return (sel, n) => env.refineCodes(column, p, sel, n);
  }
  const load = [...columnsOf(e)];
  const fast = numericCompare(e, env) ?? nullTest(e, env);
  const run: Refine = fast ?? compiledRefiner(e, env);
  if (load.length === 1) { const c = load[0]!; return (sel, n) => { env.need(c, sel, n); return run(sel, n); }; }
  return (sel, n) => {
    for (const c of load) env.need(c, sel, n);
    return run(sel, n);
  };
}

function compiledRefiner(e: BExpr, env: RowEnv): Refine {
  const f = compile(e, env.compileEnv);
  return (sel, n) => {
    let m = 0;
    for (let k = 0; k < n; k++) { const i = sel[k]!; if (f(i) === true) sel[m++] = i; }
    return m;
  };
}

const FLIP: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>" };

function numericCompare(e: BExpr, env: RowEnv): Refine | null {
  if (e.kind !== "compare" || FLIP[e.op] === undefined) return null;
  let col = e.left, other = e.right, op = e.op as string;
  if (col.kind !== "column") { col = e.right; other = e.left; op = FLIP[op]!; }
  if (col.kind !== "column" || !isRowIndependent(other)) return null;
  const s = env.slots[col.column]!;
  if (s.type !== ColumnType.FLOAT64 && s.type !== ColumnType.TIMESTAMP) return null;
  const c = evaluateConstant(other, env.compileEnv);
  if (typeof c !== "number") return NONE; // NULL: never true
  return f64Kernel(s, op, c);
}

function f64Kernel(s: ColumnSlot, op: string, c: number): Refine {
  // One loop per operator: the comparison stays inline in each.
  switch (op) {
    case "<": return (sel, n) => { const v = s.validity, a = s.f64!; let m = 0; for (let k = 0; k < n; k++) { const i = sel[k]!; if (a[i]! < c && !isNullAt(v, i)) sel[m++] = i; } return m; };
    case "<=": return (sel, n) => { const v = s.validity, a = s.f64!; let m = 0; for (let k = 0; k < n; k++) { const i = sel[k]!; if (a[i]! <= c && !isNullAt(v, i)) sel[m++] = i; } return m; };
    case ">": return (sel, n) => { const v = s.validity, a = s.f64!; let m = 0; for (let k = 0; k < n; k++) { const i = sel[k]!; if (a[i]! > c && !isNullAt(v, i)) sel[m++] = i; } return m; };
    case ">=": return (sel, n) => { const v = s.validity, a = s.f64!; let m = 0; for (let k = 0; k < n; k++) { const i = sel[k]!; if (a[i]! >= c && !isNullAt(v, i)) sel[m++] = i; } return m; };
    case "=": return (sel, n) => { const v = s.validity, a = s.f64!; let m = 0; for (let k = 0; k < n; k++) { const i = sel[k]!; if (a[i] === c && !isNullAt(v, i)) sel[m++] = i; } return m; };
    default: return (sel, n) => { const v = s.validity, a = s.f64!; let m = 0; for (let k = 0; k < n; k++) { const i = sel[k]!; if (a[i] !== c && !isNullAt(v, i)) sel[m++] = i; } return m; };
  }
}

/** dictcol = constant, constant = dictcol, dictcol IN (constants): compare codes, never strings. */
function dictEquality(e: BExpr, env: RowEnv): CodeTerm | null {
  let col: BExpr, values: BExpr[];
  if (e.kind === "compare" && e.op === "=") {
    [col, values] = e.left.kind === "column" ? [e.left, [e.right]] : [e.right, [e.left]];
  } else if (e.kind === "in" && !e.negated) {
    [col, values] = [e.arg, [...e.list]];
  } else return null;
  if (col.kind !== "column" || !values.every(isRowIndependent)) return null;
  const s = env.slots[col.column]!;
  if (s.dict === null) return null;
  const codes: number[] = [];
  for (const x of values) {
    const v = evaluateConstant(x, env.compileEnv);
    if (typeof v === "string") { const code = s.dict.find(v); if (code >= 0) codes.push(code); }
  }
  const state = new Uint8Array(s.dict.size + 1).fill(DROP);
  for (const c of codes) state[c] = KEEP;
  const kept = Uint32Array.from(new Set(codes)).sort();
  return { column: col.column, p: { state, kept, resolve: () => DROP } };
}

function nullTest(e: BExpr, env: RowEnv): Refine | null {
  if (e.kind !== "is_null" || e.arg.kind !== "column") return null;
  const s = env.slots[e.arg.column]!, wantNull = !e.negated;
  return (sel, n) => {
    const v = s.validity;
    if (v === null) return wantNull ? 0 : n;
    let m = 0;
    for (let k = 0; k < n; k++) { const i = sel[k]!; if (isNullAt(v, i) === wantNull) sel[m++] = i; }
    return m;
  };
}

/** A CodePredicate deciding each code on first sight; the last entry stands for NULL. */
function perCodePredicate(env: RowEnv, column: number, keep: (v: string | null) => boolean): CodeTerm {
  const dict = env.slots[column]!.dict!, size = dict.size, state = new Uint8Array(size + 1).fill(UNKNOWN);
  const p: CodePredicate = {
    state, kept: null,
    resolve: (code) => (state[code] = keep(code === size ? null : dict.get(code)) ? KEEP : DROP),
  };
  return { column, p };
}
