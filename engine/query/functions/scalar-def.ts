// The contract of one scalar function or operator: a record of functions (STYLE.md), one for
// binding (types, as DuckDB's binder would choose them) and one for building the evaluator once per
// query. A def declines in bind() for any overload it does not implement exactly.

import type { BExpr } from "../bound.ts";
import type { SqlType } from "../sql-types.ts";
import type { Fn, Val } from "./value.ts";

export type CallNode = Extract<BExpr, { kind: "call" }>;

export interface ScalarDef {
  /** Result type for these (bound, typed) arguments; may name the implementation to use. */
  bind(args: readonly BExpr[]): SqlType;
  /** Type a query parameter takes as argument i, or undefined when a parameter is not allowed there. */
  paramType?(i: number): SqlType | undefined;
  /**
   * The evaluator. consts[k] is argument k's value when it does not depend on the row (constants,
   * parameters, now()), computed once per query; undefined otherwise.
   */
  make(args: readonly Fn[], consts: readonly (Val | undefined)[], node: CallNode): Fn;
}
