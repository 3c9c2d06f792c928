// Query parameters ($1, ?) arrive as result.ts values; the binder typed each from its context (the
// other side of a comparison, a function's argument). A value that does not fit its type exactly
// (a fractional number for an integer, a number for a timestamp) declines: how DuckDB would cast it
// depends on how the caller bound it, which we cannot see.

import type { SqlValue } from "./result.ts";
import { decline } from "./decline.ts";
import { TSTZ, integerMax, integerMin, isInteger, type SqlType } from "./sql-types.ts";
import { parseTimestamp } from "./functions/time-text.ts";
import type { Val } from "./functions/value.ts";

export function paramValue(params: readonly SqlValue[], index: number, type: SqlType): Val {
  if (index >= params.length) return decline(`parameter $${index + 1} not given`);
  const v = params[index]!;
  if (v === null) return null;
  if (isInteger(type)) {
    const n = typeof v === "bigint" ? Number(v) : v;
    if (typeof n === "number" && Number.isSafeInteger(n) && n >= integerMin(type) && n <= integerMax(type)) return n + 0;
  } else if (type === "DOUBLE") {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "bigint" && Number.isSafeInteger(Number(v))) return Number(v);
  } else if (type === "VARCHAR") {
    if (typeof v === "string") return v;
  } else if (type === "BOOLEAN") {
    if (typeof v === "boolean") return v;
  } else if (type === "TIMESTAMP" || type === TSTZ) {
    if (v instanceof Date && Number.isFinite(v.getTime())) return v.getTime();
    if (typeof v === "string") return parseTimestamp(v);
  }
  return decline(`parameter $${index + 1} (${typeof v}) for a ${type} position`);
}
