// Bound expressions -> closures, once per query: the tree is walked here and never again per row.
// A closure maps a row (or group) index to its value with SQL's NULL rules: three-valued AND/OR/NOT,
// comparisons and most functions NULL when an input is NULL. Subtrees that read no row are evaluated
// once (constants, parameters, now()). The environment supplies the leaves (scan columns, or group
// keys and aggregate results) and may take over whole subtrees (row-env.ts evaluates expressions of
// one dictionary column once per distinct value).

import type { SqlValue } from "./result.ts";
import { isRowIndependent, type BExpr } from "./bound.ts";
import { castFn } from "./functions/cast.ts";
import { scalarDef } from "./functions/catalog.ts";
import { compareUtf8 } from "./functions/utf8.ts";
import type { Fn, Val } from "./functions/value.ts";
import { paramValue } from "./params.ts";
import { isString } from "./sql-types.ts";

export interface CompileEnv {
  readonly params: readonly SqlValue[];
  readonly nowMs: number;
  /** Closure of a `column`, `key` or `agg` leaf. */
  leaf(e: BExpr): Fn;
  /** A closure for the whole subtree, or null to compile it here. */
  takeOver?(e: BExpr, env: CompileEnv): Fn | null;
}

export function compile(e: BExpr, env: CompileEnv): Fn {
  if (e.kind !== "const" && isRowIndependent(e)) {
    const v = build(e, env)(0);
    return () => v;
  }
  const taken = env.takeOver?.(e, env);
  return taken ?? build(e, env);
}

/** The value of a row-independent expression. */
export function evaluateConstant(e: BExpr, env: Pick<CompileEnv, "params" | "nowMs">): Val {
  return build(e, { ...env, leaf: () => { throw new Error("assertion failed: constant reads a row"); } })(0);
}

function build(e: BExpr, env: CompileEnv): Fn {
  switch (e.kind) {
    case "const": { const v = e.value; return () => v; }
    case "param": { const v = paramValue(env.params, e.index, e.type); return () => v; }
    case "now": { const v = env.nowMs; return () => v; }
    case "column": case "key": case "agg": return env.leaf(e);
    case "call": {
      const args = e.args.map((a) => compile(a, env));
      const consts = e.args.map((a) => (isRowIndependent(a) ? evaluateConstant(a, env) : undefined));
      return scalarDef(e.fn).make(args, consts, e);
    }
    case "cast": {
      const a = compile(e.arg, env), f = castFn(e.arg.type, e.type, false);
      return (i) => { const v = a(i); return v === null ? null : f(v); };
    }
    case "compare": return compileCompare(e.op, isString(e.left.type), compile(e.left, env), compile(e.right, env));
    case "and": case "or": return compileLogic(e.kind === "and", e.args.map((a) => compile(a, env)));
    case "not": { const a = compile(e.arg, env); return (i) => { const v = a(i); return v === null ? null : !v; }; }
    case "is_null": {
      const a = compile(e.arg, env), neg = e.negated;
      return (i) => (a(i) === null) !== neg;
    }
    case "in": return compileIn(e, env);
    case "case": {
      const whens = e.whens.map((w) => compile(w.when, env)), thens = e.whens.map((w) => compile(w.then, env));
      const other = compile(e.else, env), n = whens.length;
      return (i) => {
        for (let k = 0; k < n; k++) if (whens[k]!(i) === true) return thens[k]!(i);
        return other(i);
      };
    }
  }
}

type Cmp = (x: Val, y: Val) => boolean;

function comparator(op: string, strings: boolean): Cmp {
  if (strings) {
    switch (op) {
      case "=": return (x, y) => x === y;
      case "<>": return (x, y) => x !== y;
      case "<": return (x, y) => compareUtf8(x as string, y as string) < 0;
      case "<=": return (x, y) => compareUtf8(x as string, y as string) <= 0;
      case ">": return (x, y) => compareUtf8(x as string, y as string) > 0;
      default: return (x, y) => compareUtf8(x as string, y as string) >= 0;
    }
  }
  switch (op) {
    case "=": return (x, y) => x === y;
    case "<>": return (x, y) => x !== y;
    case "<": return (x, y) => (x as number) < (y as number);
    case "<=": return (x, y) => (x as number) <= (y as number);
    case ">": return (x, y) => (x as number) > (y as number);
    default: return (x, y) => (x as number) >= (y as number);
  }
}

function compileCompare(op: string, strings: boolean, a: Fn, b: Fn): Fn {
  if (op === "distinct" || op === "not_distinct") {
    const want = op === "not_distinct";
    return (i) => (a(i) === b(i)) === want;
  }
  const cmp = comparator(op, strings);
  return (i) => {
    const x = a(i);
    if (x === null) return null;
    const y = b(i);
    return y === null ? null : cmp(x, y);
  };
}

function compileLogic(and: boolean, args: Fn[]): Fn {
  const stop = !and; // AND stops at false, OR at true
  return (i) => {
    let sawNull = false;
    for (const a of args) {
      const v = a(i);
      if (v === stop) return stop;
      if (v === null) sawNull = true;
    }
    return sawNull ? null : !stop;
  };
}

function compileIn(e: Extract<BExpr, { kind: "in" }>, env: CompileEnv): Fn {
  const a = compile(e.arg, env), neg = e.negated;
  if (e.list.every(isRowIndependent)) {
    const values = e.list.map((x) => evaluateConstant(x, env));
    const set = new Set(values.filter((v) => v !== null));
    const hasNull = values.includes(null);
    return (i) => {
      const x = a(i);
      if (x === null) return null;
      if (set.has(x)) return !neg;
      return hasNull ? null : neg;
    };
  }
  const list = e.list.map((x) => compile(x, env));
  return (i) => {
    const x = a(i);
    if (x === null) return null;
    let sawNull = false;
    for (const f of list) {
      const y = f(i);
      if (y === x) return !neg;
      if (y === null) sawNull = true;
    }
    return sawNull ? null : neg;
  };
}
