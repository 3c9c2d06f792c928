// Zone-map pruning: the bounds a query puts on the table's time column, found among the top-level
// AND terms of WHERE that compare the time column with something that reads no row (a literal, a
// parameter, now() - INTERVAL ...). The plan keeps the bound expressions; execution evaluates them
// (parameters and now() are only known then) into one [lo, hi) range for table.scan and for
// NativeTable.historyOverlaps. Terms under OR or NOT never bound the range.

import type { CompareOp } from "./ast.ts";
import { isRowIndependent, type BExpr } from "./bound.ts";
import { evaluateConstant } from "./compile.ts";
import type { SqlValue } from "./result.ts";
import { isTimestamp } from "./sql-types.ts";

export interface TimeBound {
  /** How the time column compares with `value`: column `op` value. */
  readonly op: "<" | "<=" | ">" | ">=" | "=";
  readonly value: BExpr;
}

const FLIP: Partial<Record<CompareOp, TimeBound["op"]>> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=" };

function conjuncts(e: BExpr | null, out: BExpr[] = []): BExpr[] {
  if (e === null) return out;
  if (e.kind === "and") for (const a of e.args) conjuncts(a, out);
  else out.push(e);
  return out;
}

export function timeBounds(where: BExpr | null, scan: readonly string[], timeColumn: string): TimeBound[] {
  const out: TimeBound[] = [];
  const isTime = (e: BExpr) => e.kind === "column" && scan[e.column] === timeColumn;
  const bound = (e: BExpr) => isRowIndependent(e) && (isTimestamp(e.type) || e.type === "DATE");
  for (const c of conjuncts(where)) {
    if (c.kind !== "compare" || FLIP[c.op] === undefined) continue;
    if (isTime(c.left) && bound(c.right)) out.push({ op: c.op as TimeBound["op"], value: c.right });
    else if (isTime(c.right) && bound(c.left)) out.push({ op: FLIP[c.op]!, value: c.left });
  }
  return out;
}

/** [lo, hi) in epoch ms; rows outside cannot satisfy WHERE. Time values are whole milliseconds. */
export function evaluateRange(bounds: readonly TimeBound[], params: readonly SqlValue[], nowMs: number): { lo: number; hi: number } {
  let lo = -Infinity, hi = Infinity;
  for (const b of bounds) {
    const v = evaluateConstant(b.value, { params, nowMs });
    if (typeof v !== "number") continue; // NULL: WHERE is never true, the filter returns nothing
    if (b.op === ">" || b.op === ">=" || b.op === "=") lo = Math.max(lo, v);
    if (b.op === "<") hi = Math.min(hi, v);
    if (b.op === "<=" || b.op === "=") hi = Math.min(hi, Math.floor(v) + 1);
  }
  return { lo, hi };
}
