// DuckDB's serialized expressions (json_serialize_sql) -> our Ast (ast.ts). A purely syntactic
// translation: every node class and type we do not know declines, so a construct added to DuckDB
// later can never be misread as one we handle.

import type { Ast, CompareOp } from "./ast.ts";
import { decline } from "./decline.ts";

// The JSON is DuckDB's output, not user input: read loosely, decline what does not look as expected.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

const COMPARE_OPS: Record<string, CompareOp> = {
  COMPARE_EQUAL: "=", COMPARE_NOTEQUAL: "<>", COMPARE_LESSTHAN: "<", COMPARE_LESSTHANOREQUALTO: "<=",
  COMPARE_GREATERTHAN: ">", COMPARE_GREATERTHANOREQUALTO: ">=", COMPARE_DISTINCT_FROM: "distinct",
  COMPARE_NOT_DISTINCT_FROM: "not_distinct",
};

export function parseExpr(e: Json): Ast {
  if (e === null || typeof e !== "object") return decline("malformed expression");
  switch (e.class) {
    case "CONSTANT": return parseConstant(e.value);
    case "COLUMN_REF": return { kind: "column", names: (e.column_names as string[]).map((n) => n.toLowerCase()) };
    case "PARAMETER": return parseParam(e.identifier);
    case "FUNCTION": return parseFunction(e);
    case "CAST": return parseCast(e);
    case "COMPARISON": {
      const op = COMPARE_OPS[e.type];
      if (op === undefined) return decline(`comparison ${e.type}`);
      return { kind: "compare", op, left: parseExpr(e.left), right: parseExpr(e.right) };
    }
    case "CONJUNCTION":
      if (e.type !== "CONJUNCTION_AND" && e.type !== "CONJUNCTION_OR") return decline(`conjunction ${e.type}`);
      return { kind: e.type === "CONJUNCTION_AND" ? "and" : "or", args: (e.children as Json[]).map(parseExpr) };
    case "OPERATOR": return parseOperator(e);
    case "BETWEEN": return { kind: "between", arg: parseExpr(e.input), lo: parseExpr(e.lower), hi: parseExpr(e.upper) };
    case "CASE": return {
      kind: "case",
      whens: (e.case_checks as Json[]).map((c) => ({ when: parseExpr(c.when_expr), then: parseExpr(c.then_expr) })),
      else: e.else_expr ? parseExpr(e.else_expr) : null,
    };
    case "WINDOW": return decline("window function");
    case "SUBQUERY": return decline("subquery");
    default: return decline(`expression ${e.class}`);
  }
}

function parseConstant(v: Json): Ast {
  const id = String(v?.type?.id);
  if (v.is_null) return { kind: "const", type: "NULL", value: null };
  switch (id) {
    case "INTEGER": case "BIGINT": case "DOUBLE": {
      const n = v.value;
      if (typeof n !== "number" || (id !== "DOUBLE" && !Number.isSafeInteger(n))) return decline(`${id} literal ${n}`);
      return { kind: "const", type: id, value: n };
    }
    case "DECIMAL": {
      const scale = v.type.type_info?.scale, n = v.value;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || !Number.isInteger(scale) || scale < 0 || scale > 18) {
        return decline(`DECIMAL literal ${n}`);
      }
      // DuckDB casts a decimal to DOUBLE as its integer divided by 10^scale: one correctly rounded
      // division of exact operands (10^18 and below are exact doubles), which this reproduces.
      return { kind: "const", type: "DECIMAL", value: n / 10 ** scale };
    }
    case "VARCHAR": return { kind: "const", type: "VARCHAR", value: String(v.value) };
    case "BOOLEAN": return { kind: "const", type: "BOOLEAN", value: Boolean(v.value) };
    default: return decline(`literal of type ${id}`);
  }
}

function parseParam(identifier: unknown): Ast {
  const n = Number(identifier);
  if (!Number.isInteger(n) || n < 1) return decline(`named parameter $${identifier}`);
  return { kind: "param", index: n - 1 };
}

function parseFunction(e: Json): Ast {
  if ((e.order_bys?.orders ?? []).length > 0) return decline("ORDER BY inside a function call");
  if (e.export_state) return decline("EXPORT_STATE");
  const name = String(e.function_name).toLowerCase();
  return {
    kind: "func", name, args: (e.children as Json[]).map(parseExpr), distinct: !!e.distinct,
    filter: e.filter ? parseExpr(e.filter) : null,
  };
}

function parseCast(e: Json): Ast {
  const t = e.cast_type;
  if (t?.type_info) return decline(`cast to a parameterized type ${t.id}`);
  return { kind: "cast", arg: parseExpr(e.child), to: String(t?.id), try: !!e.try_cast };
}

function parseOperator(e: Json): Ast {
  const kids = e.children as Json[];
  switch (e.type) {
    case "OPERATOR_NOT": return { kind: "not", arg: parseExpr(kids[0]) };
    case "OPERATOR_IS_NULL": return { kind: "is_null", arg: parseExpr(kids[0]), negated: false };
    case "OPERATOR_IS_NOT_NULL": return { kind: "is_null", arg: parseExpr(kids[0]), negated: true };
    case "OPERATOR_COALESCE": return { kind: "func", name: "coalesce", args: kids.map(parseExpr), distinct: false, filter: null };
    case "COMPARE_IN": case "COMPARE_NOT_IN":
      return { kind: "in", arg: parseExpr(kids[0]), list: kids.slice(1).map(parseExpr), negated: e.type === "COMPARE_NOT_IN" };
    default: return decline(`operator ${e.type}`);
  }
}
