// Binds one expression: names resolved through a Scope, every node typed as DuckDB's binder would
// type it, implicit casts made explicit where they change a value, and subtrees that read nothing
// folded to constants (INTERVAL literals arrive as to_hours(CAST(trunc(CAST(1 AS DOUBLE)) AS
// BIGINT))). Anything whose typing we cannot reproduce declines.

import type { Ast, CompareOp, FuncAst } from "./ast.ts";
import { isRowIndependent, visit, type BExpr } from "./bound.ts";
import { evaluateConstant } from "./compile.ts";
import { decline } from "./decline.ts";
import { castFn, castTarget } from "./functions/cast.ts";
import { canonicalFunction, scalarDef } from "./functions/catalog.ts";
import { expandClickHouse } from "./functions/clickhouse-fns.ts";
import { TSTZ, commonType, isNumeric, isTimestamp, type SqlType } from "./sql-types.ts";

export interface Scope {
  /** A table column by (possibly qualified) name, registered for the scan; undefined if none. */
  column(names: readonly string[]): BExpr | undefined;
  /** What an unqualified name means when it is not a column (a select alias), if anything. */
  alias(name: string): BExpr | undefined;
  /** An aggregate call; declines where aggregates are not allowed. */
  aggregate(ast: FuncAst): BExpr;
}

const AGGREGATES = new Set(["count_star", "count", "sum", "avg", "mean", "min", "max", "approx_count_distinct", "count_if", "countif"]);
const NOW = new Set(["now", "current_timestamp", "get_current_timestamp", "transaction_timestamp"]);

export function bindExpr(ast: Ast, scope: Scope, hint?: SqlType): BExpr {
  return fold(bindNode(ast, scope, hint));
}

/** Folds a node that reads no row and depends on nothing per query (no parameter, no now()). */
function fold(e: BExpr): BExpr {
  if (e.kind === "const" || !isRowIndependent(e)) return e;
  let dynamic = false;
  visit(e, (n) => { if (n.kind === "param" || n.kind === "now") dynamic = true; });
  if (dynamic) return e;
  return { kind: "const", type: e.type, value: evaluateConstant(e, { params: [], nowMs: 0 }) };
}

const BOOL = "BOOLEAN" as const;

function bindNode(ast: Ast, scope: Scope, hint?: SqlType): BExpr {
  switch (ast.kind) {
    case "const": return { kind: "const", type: constType(ast.type), value: ast.value };
    case "column": return bindColumn(ast.names, scope);
    case "param": return hint !== undefined && hint !== "NULL" ? { kind: "param", type: hint, index: ast.index } : decline("parameter whose type the context does not fix");
    case "func": return bindFunc(ast, scope);
    case "cast": {
      const arg = bindExpr(ast.arg, scope), to = castTarget(ast.to);
      castFn(arg.type, to, ast.try);
      return arg.type === to ? arg : { kind: "cast", type: to, arg };
    }
    case "compare": return bindCompare(ast.op, ast.left, ast.right, scope);
    case "and": case "or": return { kind: ast.kind, type: BOOL, args: ast.args.map((a) => boolean(bindExpr(a, scope))) };
    case "not": return { kind: "not", type: BOOL, arg: boolean(bindExpr(ast.arg, scope)) };
    case "is_null": return { kind: "is_null", type: BOOL, arg: bindExpr(ast.arg, scope), negated: ast.negated };
    case "in": {
      const arg = bindExpr(ast.arg, scope);
      const list = ast.list.map((x) => comparable(arg, bindExpr(x, scope, arg.type))[1]);
      return { kind: "in", type: BOOL, arg, list, negated: ast.negated };
    }
    case "between": {
      const lo = bindCompare(">=", ast.arg, ast.lo, scope), hi = bindCompare("<=", ast.arg, ast.hi, scope);
      return { kind: "and", type: BOOL, args: [lo, hi] };
    }
    case "case": {
      const whens = ast.whens.map((w) => ({ when: boolean(bindExpr(w.when, scope)), then: bindExpr(w.then, scope) }));
      const other = ast.else ? bindExpr(ast.else, scope) : { kind: "const" as const, type: "NULL" as SqlType, value: null };
      const type = [...whens.map((w) => w.then.type), other.type].reduce(commonType, "NULL");
      if (type === "NULL" || type === "JSON" || type === "INTERVAL") return decline(`CASE of type ${type}`);
      return { kind: "case", type, whens, else: other };
    }
    case "star": return decline("* outside the select list");
  }
}

function constType(t: string): SqlType {
  switch (t) {
    case "INTEGER": case "BIGINT": case "DOUBLE": case "DECIMAL": case "VARCHAR": case "BOOLEAN": case "NULL": return t;
    default: return decline(`literal of type ${t}`);
  }
}

function boolean(e: BExpr): BExpr {
  return e.type === BOOL || e.type === "NULL" ? e : decline(`${e.type} where a BOOLEAN is expected`);
}

function bindColumn(names: readonly string[], scope: Scope): BExpr {
  const col = scope.column(names);
  if (col !== undefined) return col;
  if (names.length === 1) {
    const alias = scope.alias(names[0]!);
    if (alias !== undefined) return alias;
    if (names[0] === "current_timestamp") return { kind: "now", type: TSTZ };
  }
  return decline(`unknown column ${names.join(".")}`);
}

function bindFunc(call: FuncAst, scope: Scope): BExpr {
  const ast = expandClickHouse(call);
  if (AGGREGATES.has(ast.name)) return scope.aggregate(ast);
  if (ast.distinct || ast.filter) return decline(`DISTINCT or FILTER on scalar function ${ast.name}`);
  if (NOW.has(ast.name) && ast.args.length === 0) return { kind: "now", type: TSTZ };
  const fn = canonicalFunction(ast.name);
  if (fn === undefined) return decline(`function ${ast.name}`);
  const def = scalarDef(fn);
  const args = ast.args.map((a, i) => bindExpr(a, scope, a.kind === "param" ? def.paramType?.(i) : undefined));
  return { kind: "call", type: def.bind(args), fn, args };
}

/** Both sides of a comparison in one domain: numbers, instants, strings or booleans. */
function comparable(a: BExpr, b: BExpr): [BExpr, BExpr] {
  const ta = a.type, tb = b.type;
  if (ta === "NULL" || tb === "NULL") return [a, b];
  if (isNumeric(ta) && isNumeric(tb)) return [a, b];
  const instant = (t: SqlType) => isTimestamp(t) || t === "DATE";
  if (instant(ta) && instant(tb)) {
    // DATE meets a timestamp as its midnight, which is the value we hold: no conversion.
    return [a, b];
  }
  if (instant(ta) && tb === "VARCHAR" && b.kind === "const") return [a, castConst(b, ta === "DATE" ? "DATE" : "TIMESTAMP")];
  if (instant(tb) && ta === "VARCHAR" && a.kind === "const") return [castConst(a, tb === "DATE" ? "DATE" : "TIMESTAMP"), b];
  if (ta === tb && (ta === "VARCHAR" || ta === BOOL)) return [a, b];
  return decline(`comparison of ${ta} with ${tb}`);
}

function castConst(e: BExpr, to: SqlType): BExpr {
  return fold({ kind: "cast", type: to, arg: e });
}

function bindCompare(op: CompareOp, left: Ast, right: Ast, scope: Scope): BExpr {
  // A parameter takes the type of the other side, so bind that side first.
  const lp = left.kind === "param", rp = right.kind === "param";
  if (lp && rp) return decline("comparison of two parameters");
  let l: BExpr, r: BExpr;
  if (lp) { r = bindExpr(right, scope); l = bindExpr(left, scope, r.type); }
  else { l = bindExpr(left, scope); r = bindExpr(right, scope, l.type); }
  const [a, b] = comparable(l, r);
  if (a.type === "JSON" || b.type === "JSON") return decline("comparison of JSON");
  return { kind: "compare", type: BOOL, op, left: a, right: b };
}
