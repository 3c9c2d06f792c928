// DuckDB's parse tree of one statement (an element of json_serialize_sql's `statements`) -> our
// SelectAst. Declines everything that is not one SELECT over one base table: joins, subqueries in
// FROM, CTEs, set operations, table functions, sampling, QUALIFY, GROUPING SETS/ROLLUP/CUBE,
// GROUP BY ALL, DISTINCT ON, LIMIT %, star modifiers. Expressions are parse-expr.ts.

import { deepFreeze, type Ast, type OrderItem, type SelectAst, type SelectItem } from "./ast.ts";
import { decline } from "./decline.ts";
import { parseExpr, type Json } from "./parse-expr.ts";

export function parseSelect(statements: readonly unknown[]): SelectAst {
  if (statements.length !== 1) return decline(`${statements.length} statements`);
  const node = (statements[0] as Json)?.node;
  if (node?.type === "SET_OPERATION_NODE") return decline("set operation (UNION/EXCEPT/INTERSECT)");
  if (node?.type !== "SELECT_NODE") return decline(`statement ${node?.type}`);
  if ((node.cte_map?.map ?? []).length > 0) return decline("CTE (WITH)");
  if (node.sample) return decline("USING SAMPLE");
  if (node.qualify) return decline("QUALIFY");
  if (node.aggregate_handling !== "STANDARD_HANDLING") return decline("GROUP BY ALL");
  const from = parseFrom(node.from_table);
  const mods = parseModifiers(node.modifiers ?? []);
  return deepFreeze({
    kind: "select", ...from,
    items: (node.select_list as Json[]).map((e): SelectItem => ({ expr: parseItem(e, from), alias: e.alias ? String(e.alias) : null })),
    distinct: mods.distinct,
    where: node.where_clause ? parseExpr(node.where_clause) : null,
    groupBy: parseGroups(node.group_expressions ?? [], node.group_sets ?? []),
    having: node.having ? parseExpr(node.having) : null,
    orderBy: mods.orderBy, limit: mods.limit, offset: mods.offset,
  });
}

function parseFrom(f: Json): { table: string; tableAlias: string | null } {
  switch (f?.type) {
    case "BASE_TABLE": break;
    case "JOIN": return decline("join");
    case "SUBQUERY": return decline("subquery in FROM");
    case "TABLE_FUNCTION": return decline("table function");
    case "EMPTY": return decline("no FROM clause");
    default: return decline(`FROM ${f?.type}`);
  }
  if (f.schema_name || f.catalog_name) return decline("qualified table name");
  if (f.sample || f.at_clause || (f.column_name_alias ?? []).length > 0) return decline("table modifiers");
  return { table: String(f.table_name), tableAlias: f.alias ? String(f.alias).toLowerCase() : null };
}

function parseItem(e: Json, from: { table: string; tableAlias: string | null }): Ast {
  if (e?.class !== "STAR") return parseExpr(e);
  const plain = (e.exclude_list ?? []).length === 0 && (e.replace_list ?? []).length === 0 && !e.columns && !e.expr
    && (e.qualified_exclude_list ?? []).length === 0 && (e.rename_list ?? []).length === 0;
  if (!plain) return decline("star modifiers (EXCLUDE/REPLACE/COLUMNS)");
  const rel = e.relation_name ? String(e.relation_name).toLowerCase() : "";
  if (rel !== "" && rel !== (from.tableAlias ?? from.table.toLowerCase())) return decline(`star of relation ${rel}`);
  return { kind: "star" };
}

function parseGroups(exprs: Json[], sets: Json[]): Ast[] | null {
  if (sets.length === 0 && exprs.length === 0) return null;
  if (sets.length !== 1) return decline("GROUPING SETS, ROLLUP or CUBE");
  const set = [...(sets[0] as number[])].sort((a, b) => a - b);
  if (set.length !== exprs.length || set.some((v, i) => v !== i)) return decline("GROUPING SETS");
  return exprs.map(parseExpr);
}

interface Modifiers { distinct: boolean; orderBy: OrderItem[]; limit: Ast | null; offset: Ast | null }

function parseModifiers(mods: Json[]): Modifiers {
  const out: Modifiers = { distinct: false, orderBy: [], limit: null, offset: null };
  let stage = 0; // DISTINCT, then ORDER BY, then LIMIT: any other order would change the meaning
  for (const m of mods) {
    switch (m.type) {
      case "DISTINCT_MODIFIER":
        if ((m.distinct_on_targets ?? []).length > 0) return decline("DISTINCT ON");
        if (stage > 0) return decline("DISTINCT after ORDER BY or LIMIT");
        out.distinct = true; stage = 1;
        break;
      case "ORDER_MODIFIER":
        if (stage > 1) return decline("ORDER BY after LIMIT");
        out.orderBy.push(...(m.orders as Json[]).map(parseOrder)); stage = 2;
        break;
      case "LIMIT_MODIFIER":
        if (stage > 2) return decline("two LIMIT clauses");
        out.limit = m.limit ? parseExpr(m.limit) : null;
        out.offset = m.offset ? parseExpr(m.offset) : null;
        stage = 3;
        break;
      case "LIMIT_PERCENT_MODIFIER": return decline("LIMIT with a percentage");
      default: return decline(`modifier ${m.type}`);
    }
  }
  return out;
}

function parseOrder(o: Json): OrderItem {
  if (o.expression?.class === "STAR") return decline("ORDER BY ALL");
  const desc = o.type === "DESCENDING";
  if (!desc && o.type !== "ASCENDING" && o.type !== "ORDER_DEFAULT") return decline(`order ${o.type}`);
  const nulls = o.null_order;
  const nullsFirst = nulls === "NULLS FIRST" ? true : nulls === "NULLS LAST" ? false : nulls === "ORDER_DEFAULT" ? null : decline(`null order ${nulls}`);
  return { expr: parseExpr(o.expression), desc, nullsFirst };
}
