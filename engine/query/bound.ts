// Bound expressions: the AST after bind.ts resolved names and typed every node. Plain frozen data,
// tagged by `kind`, so a plan can be printed, compared and tested as data. Every node carries its
// SQL type; operands of a comparison share one comparison domain (numbers, strings, booleans).
//
// Row expressions read scan columns (`column`); after GROUP BY, expressions read group keys (`key`)
// and aggregate results (`agg`) instead, one value per group.

import type { CompareOp } from "./ast.ts";
import type { SqlType } from "./sql-types.ts";
import type { Val } from "./functions/value.ts";

export type BExpr =
  | { readonly kind: "const"; readonly type: SqlType; readonly value: Val }
  | { readonly kind: "column"; readonly type: SqlType; readonly column: number; readonly name: string }
  | { readonly kind: "param"; readonly type: SqlType; readonly index: number }
  | { readonly kind: "now"; readonly type: SqlType }
  | { readonly kind: "call"; readonly type: SqlType; readonly fn: string; readonly args: readonly BExpr[] }
  | { readonly kind: "cast"; readonly type: SqlType; readonly arg: BExpr }
  | { readonly kind: "compare"; readonly type: SqlType; readonly op: CompareOp; readonly left: BExpr; readonly right: BExpr }
  | { readonly kind: "and" | "or"; readonly type: SqlType; readonly args: readonly BExpr[] }
  | { readonly kind: "not"; readonly type: SqlType; readonly arg: BExpr }
  | { readonly kind: "is_null"; readonly type: SqlType; readonly arg: BExpr; readonly negated: boolean }
  | { readonly kind: "in"; readonly type: SqlType; readonly arg: BExpr; readonly list: readonly BExpr[]; readonly negated: boolean }
  | { readonly kind: "case"; readonly type: SqlType; readonly whens: readonly { readonly when: BExpr; readonly then: BExpr }[]; readonly else: BExpr }
  | { readonly kind: "key"; readonly type: SqlType; readonly index: number }
  | { readonly kind: "agg"; readonly type: SqlType; readonly index: number };

export type AggFn = "count_star" | "count" | "count_distinct" | "sum" | "avg" | "min" | "max" | "count_if";

export interface AggSpec {
  readonly fn: AggFn;
  /** null for count(*). */
  readonly arg: BExpr | null;
  /** FILTER (WHERE ...): only rows where it is true are aggregated. */
  readonly filter: BExpr | null;
  readonly type: SqlType;
  /** approx_count_distinct: computed exactly here (see aggregates.ts). */
  readonly approx: boolean;
}

/** A structural key: equal keys mean the same computation (GROUP BY matching, deduplication). */
export function exprKey(e: BExpr | AggSpec): string {
  return JSON.stringify(e);
}

/** Calls f on e and every node below it. */
export function visit(e: BExpr, f: (n: BExpr) => void): void {
  f(e);
  switch (e.kind) {
    case "call": case "and": case "or": for (const a of e.args) visit(a, f); break;
    case "cast": case "not": case "is_null": visit(e.arg, f); break;
    case "compare": visit(e.left, f); visit(e.right, f); break;
    case "in": visit(e.arg, f); for (const a of e.list) visit(a, f); break;
    case "case": for (const w of e.whens) { visit(w.when, f); visit(w.then, f); } visit(e.else, f); break;
    default: break;
  }
}

/** True when e reads no column, key or aggregate: one value per query (constants, params, now()). */
export function isRowIndependent(e: BExpr): boolean {
  let free = true;
  visit(e, (n) => { if (n.kind === "column" || n.kind === "key" || n.kind === "agg") free = false; });
  return free;
}

/** The scan columns e reads. */
export function columnsOf(e: BExpr): Set<number> {
  const out = new Set<number>();
  visit(e, (n) => { if (n.kind === "column") out.add(n.column); });
  return out;
}
