// The native plan of one query: plain frozen data (bound expressions, aggregate specs, time bounds),
// built without reading any row, so it can be cached, logged and tested as data. Execution
// (execute.ts) turns it into closures and kernels once per run.
//
//   scan(columns, [lo, hi) from timeBounds) -> filter(where) -> group(keys, aggs) -> having
//     -> project(outputs) -> order (sort, or top-k when limited) -> offset/limit

import type { TableSchema } from "../core/types.ts";
import type { SqlColumn } from "./result.ts";
import { deepFreeze, type SelectAst } from "./ast.ts";
import { bindSelect, type BoundSelect } from "./bind.ts";
import { timeBounds, type TimeBound } from "./time-range.ts";

export interface NativePlan extends BoundSelect {
  readonly kind: "native_plan";
  readonly table: string;
  /** Output names and types as DuckDB's binder reported them. */
  readonly columns: readonly SqlColumn[];
  readonly timeColumn: string;
  readonly timeBounds: readonly TimeBound[];
}

export function buildPlan(ast: SelectAst, schema: TableSchema, columns: readonly SqlColumn[]): NativePlan {
  const bound = bindSelect(ast, schema, columns);
  return deepFreeze({
    kind: "native_plan",
    table: ast.table,
    columns: columns.map((c) => ({ name: c.name, type: c.type })),
    timeColumn: schema.timeColumn,
    timeBounds: timeBounds(bound.where, bound.scan, schema.timeColumn),
    ...bound,
  });
}
