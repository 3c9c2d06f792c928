// Binds a SelectAst against one table: resolves names the way DuckDB does (a table column before a
// select alias in WHERE, GROUP BY and HAVING; ordinals and aliases in GROUP BY and ORDER BY), collects
// aggregates, and rewrites what runs after grouping to read group keys and aggregate results. The
// output types must equal those DuckDB's binder reported, else the query declines: that check
// catches any place where our typing drifted from DuckDB's.

import type { Ast, FuncAst, SelectAst } from "./ast.ts";
import type { SqlColumn } from "./result.ts";
import type { TableSchema } from "../core/types.ts";
import { bindAggregate } from "./bind-aggregate.ts";
import { bindExpr, type Scope } from "./bind-expr.ts";
import { exprKey, isRowIndependent, visit, type AggSpec, type BExpr } from "./bound.ts";
import { decline } from "./decline.ts";
import { isInteger, typeOfColumn } from "./sql-types.ts";

export interface OrderSpec {
  readonly expr: BExpr;
  /** Index of the output column this term sorts by, or -1 for an expression not selected. */
  readonly output: number;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

export interface BoundSelect {
  readonly scan: readonly string[];
  readonly where: BExpr | null;
  readonly aggregate: { readonly keys: readonly BExpr[]; readonly aggs: readonly AggSpec[]; readonly having: BExpr | null } | null;
  readonly outputs: readonly BExpr[];
  readonly order: readonly OrderSpec[];
  readonly limit: BExpr | null;
  readonly offset: BExpr | null;
}

interface State {
  readonly scan: string[];
  readonly aggs: AggSpec[];
  readonly aggIndex: Map<string, number>;
}

const hasAgg = (e: BExpr) => { let f = false; visit(e, (n) => { if (n.kind === "agg") f = true; }); return f; };

function makeScope(ast: SelectAst, schema: TableSchema, st: State, aggregates: boolean, aliases: Map<string, BExpr> | null): Scope {
  const qualifier = ast.tableAlias ?? ast.table.toLowerCase();
  const scope: Scope = {
    column(names) {
      if (names.length > 2 || (names.length === 2 && names[0] !== qualifier)) return undefined;
      const name = names[names.length - 1]!;
      const def = schema.columns.find((c) => c.name.toLowerCase() === name);
      if (def === undefined) return undefined;
      let idx = st.scan.indexOf(def.name);
      if (idx < 0) idx = st.scan.push(def.name) - 1;
      return { kind: "column", type: typeOfColumn(def.type), column: idx, name: def.name };
    },
    alias: (name) => aliases?.get(name),
    aggregate(f: FuncAst) {
      if (!aggregates) return decline("aggregate where aggregates are not allowed");
      const s = bindAggregate(f, makeScope(ast, schema, st, false, null));
      const key = exprKey(s);
      let index = st.aggIndex.get(key);
      if (index === undefined) { index = st.aggs.push(s) - 1; st.aggIndex.set(key, index); }
      return { kind: "agg", type: s.type, index };
    },
  };
  return scope;
}

/** The row expression with grouped subtrees replaced by key reads (aggregates are already leaves). */
function lift(e: BExpr, keys: Map<string, number>): BExpr {
  const k = keys.get(exprKey(e));
  if (k !== undefined) return { kind: "key", type: e.type, index: k };
  switch (e.kind) {
    case "column": return decline(`column ${e.name} neither grouped nor aggregated`);
    case "call": return { ...e, args: e.args.map((a) => lift(a, keys)) };
    case "and": case "or": return { ...e, args: e.args.map((a) => lift(a, keys)) };
    case "cast": case "not": case "is_null": return { ...e, arg: lift(e.arg, keys) };
    case "compare": return { ...e, left: lift(e.left, keys), right: lift(e.right, keys) };
    case "in": return { ...e, arg: lift(e.arg, keys), list: e.list.map((a) => lift(a, keys)) };
    case "case": return { ...e, whens: e.whens.map((w) => ({ when: lift(w.when, keys), then: lift(w.then, keys) })), else: lift(e.else, keys) };
    default: return e;
  }
}

const ordinal = (a: Ast): number | null => (a.kind === "const" && a.type === "INTEGER" ? (a.value as number) : null);
const bareName = (a: Ast): string | null => (a.kind === "column" && a.names.length === 1 ? a.names[0]! : null);

export function bindSelect(ast: SelectAst, schema: TableSchema, columns: readonly SqlColumn[]): BoundSelect {
  const st: State = { scan: [], aggs: [], aggIndex: new Map() };
  const rowScope = makeScope(ast, schema, st, false, null);
  const aggScope = makeScope(ast, schema, st, true, null);
  const items: BExpr[] = [];
  const aliases = new Map<string, BExpr>();
  for (const item of ast.items) {
    if (item.expr.kind === "star") {
      for (const c of schema.columns) items.push(rowScope.column([c.name.toLowerCase()])!);
      continue;
    }
    const e = bindExpr(item.expr, aggScope);
    if (item.alias !== null) {
      const a = item.alias.toLowerCase();
      if (aliases.has(a)) return decline(`alias ${a} used twice`);
      aliases.set(a, e);
    }
    items.push(e);
  }
  if (items.length !== columns.length) return decline(`${items.length} output columns, DuckDB binds ${columns.length}`);
  const aliasNoAgg = new Map([...aliases].filter(([, e]) => !hasAgg(e)));
  const whereScope = makeScope(ast, schema, st, false, aliasNoAgg);
  const where = ast.where ? bindExpr(ast.where, whereScope) : null;
  if (where !== null && where.type !== "BOOLEAN" && where.type !== "NULL") return decline("WHERE that is not BOOLEAN");

  const keys = (ast.groupBy ?? []).map((g) => bindGroupKey(g, items, rowScope, aliasNoAgg));
  const isAggregate = ast.groupBy !== null || st.aggs.length > 0 || ast.having !== null;
  let outputs: BExpr[], aggregate: BoundSelect["aggregate"] = null, having: BExpr | null = null;
  let keyIndex = new Map<string, number>();
  if (isAggregate) {
    if (ast.distinct) return decline("DISTINCT over an aggregate query");
    keyIndex = new Map(keys.map((k, i) => [exprKey(k), i] as const));
    if (ast.having) {
      having = lift(bindExpr(ast.having, makeScope(ast, schema, st, true, aliases)), keyIndex);
      if (having.type !== "BOOLEAN" && having.type !== "NULL") return decline("HAVING that is not BOOLEAN");
    }
    outputs = items.map((e) => lift(e, keyIndex));
  } else if (ast.distinct) {
    keyIndex = new Map(items.map((k, i) => [exprKey(k), i] as const));
    outputs = items.map((e, i) => ({ kind: "key", type: e.type, index: i }));
  } else outputs = items;
  const post = (e: BExpr) => (isAggregate || ast.distinct ? lift(e, keyIndex) : e);
  const order = ast.orderBy.map((o) => {
    const scope = isAggregate ? aggScope : rowScope;
    const { expr, output } = bindOrderTerm(o.expr, items, outputs, aliases, scope, post);
    if (ast.distinct && output < 0) return decline("DISTINCT with ORDER BY on an expression not selected");
    return { expr, output, desc: o.desc, nullsFirst: o.nullsFirst ?? false };
  });
  if (isAggregate) {
    // ORDER BY may have added aggregates; the key list is complete.
    aggregate = { keys, aggs: st.aggs, having };
  } else if (ast.distinct) aggregate = { keys: items, aggs: [], having: null };
  outputs.forEach((e, i) => checkType(e, columns[i]!));
  return {
    scan: st.scan, where, aggregate, outputs, order,
    limit: bindLimit(ast.limit, rowScope), offset: bindLimit(ast.offset, rowScope),
  };
}

function bindGroupKey(g: Ast, items: readonly BExpr[], rowScope: Scope, aliases: Map<string, BExpr>): BExpr {
  const k = ordinal(g);
  if (k !== null) {
    const e = items[k - 1];
    if (e === undefined || hasAgg(e)) return decline(`GROUP BY ${k}`);
    return e;
  }
  if (g.kind === "const") return decline("GROUP BY a constant");
  const name = bareName(g);
  if (name !== null && rowScope.column([name]) === undefined && aliases.has(name)) return aliases.get(name)!;
  return bindExpr(g, rowScope);
}

function bindOrderTerm(
  a: Ast, items: readonly BExpr[], outputs: readonly BExpr[], aliases: Map<string, BExpr>,
  scope: Scope, post: (e: BExpr) => BExpr,
): { expr: BExpr; output: number } {
  const k = ordinal(a);
  if (k !== null) {
    if (k < 1 || k > outputs.length) return decline(`ORDER BY ${k}`);
    return { expr: outputs[k - 1]!, output: k - 1 };
  }
  if (a.kind === "const") return decline("ORDER BY a constant");
  const name = bareName(a);
  // A bare name that is an output alias means that output, even when a column has the name too
  // (DuckDB: SELECT sum(revenue) AS revenue ... ORDER BY revenue sorts by the sum).
  if (name !== null && aliases.has(name)) {
    const i = items.indexOf(aliases.get(name)!);
    return { expr: outputs[i]!, output: i };
  }
  const e = post(bindExpr(a, scope));
  const key = exprKey(e);
  const i = outputs.findIndex((o) => exprKey(o) === key);
  return { expr: e, output: i };
}

function bindLimit(a: Ast | null, scope: Scope): BExpr | null {
  if (a === null) return null;
  const e = bindExpr(a, scope, "BIGINT");
  if (!isRowIndependent(e) || !(isInteger(e.type) || e.type === "NULL")) return decline("LIMIT/OFFSET that is not a constant integer");
  return e;
}

function checkType(e: BExpr, col: SqlColumn): void {
  if (e.type === col.type) return;
  // A JSON column is VARCHAR or JSON in DuckDB depending on how the table was declared there.
  if (e.type === "JSON" && (e.kind === "column" || e.kind === "key") && (col.type === "VARCHAR" || col.type === "JSON")) return;
  decline(`output ${col.name}: our type ${e.type}, DuckDB's ${col.type}`);
}
