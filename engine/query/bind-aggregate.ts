// Aggregate calls -> AggSpec, typed as DuckDB types them: count -> BIGINT, sum of integers (and
// booleans) -> HUGEINT, sum of DOUBLE -> DOUBLE, avg -> DOUBLE, min/max keep their argument's type,
// count_if -> HUGEINT. approx_count_distinct is computed exactly (aggregates.ts says why). The
// ClickHouse spellings arrive expanded (functions/clickhouse-fns.ts): uniq as approx_count_distinct,
// uniqExact as count(DISTINCT), sumIf(x, cond) as sum(x) FILTER (WHERE cond); countIf is count_if.

import type { FuncAst } from "./ast.ts";
import type { AggFn, AggSpec, BExpr } from "./bound.ts";
import { bindExpr, type Scope } from "./bind-expr.ts";
import { decline } from "./decline.ts";
import { TSTZ, isInteger, type SqlType } from "./sql-types.ts";

const MIN_MAX_TYPES = new Set<SqlType>(["BOOLEAN", "INTEGER", "BIGINT", "HUGEINT", "DOUBLE", "VARCHAR", "TIMESTAMP", TSTZ, "DATE"]);

function spec(fn: AggFn, arg: BExpr | null, filter: BExpr | null, type: SqlType, approx = false): AggSpec {
  return { fn, arg, filter, type, approx };
}

/** `rowScope` binds the arguments and FILTER: columns only, no aggregates inside aggregates. */
export function bindAggregate(ast: FuncAst, rowScope: Scope): AggSpec {
  let filter: BExpr | null = null;
  if (ast.filter) {
    filter = bindExpr(ast.filter, rowScope);
    if (filter.type !== "BOOLEAN" && filter.type !== "NULL") return decline("FILTER that is not BOOLEAN");
  }
  if (ast.name === "count_star") {
    if (ast.args.length !== 0) return decline("count_star with arguments");
    return spec("count_star", null, filter, "BIGINT");
  }
  if (ast.args.length !== 1) return decline(`${ast.name} with ${ast.args.length} arguments`);
  const arg = bindExpr(ast.args[0]!, rowScope);
  const t = arg.type;
  if (t === "NULL" || t === "INTERVAL") return decline(`${ast.name} of ${t}`);
  switch (ast.name) {
    case "count":
      return spec(ast.distinct ? "count_distinct" : "count", arg, filter, "BIGINT");
    case "approx_count_distinct":
      return spec("count_distinct", arg, filter, "BIGINT", true);
    case "sum":
      if (ast.distinct) return decline("sum(DISTINCT)");
      if (isInteger(t) && t !== "HUGEINT") return spec("sum", arg, filter, "HUGEINT");
      if (t === "BOOLEAN") return spec("sum", arg, filter, "HUGEINT");
      if (t === "DOUBLE") return spec("sum", arg, filter, "DOUBLE");
      return decline(`sum of ${t}`);
    case "avg": case "mean":
      if (ast.distinct) return decline("avg(DISTINCT)");
      if ((isInteger(t) && t !== "HUGEINT") || t === "DOUBLE") return spec("avg", arg, filter, "DOUBLE");
      return decline(`avg of ${t}`);
    case "min": case "max":
      // DISTINCT changes nothing for min and max.
      if (!MIN_MAX_TYPES.has(t)) return decline(`${ast.name} of ${t}`);
      return spec(ast.name, arg, filter, t);
    case "count_if": case "countif":
      if (ast.distinct || t !== "BOOLEAN") return decline("count_if overload");
      return spec("count_if", arg, filter, "HUGEINT");
    default:
      return decline(`aggregate ${ast.name}`);
  }
}
