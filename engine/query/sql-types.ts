// The SQL types the native engine reasons about, spelled as DuckDB prints them (so the type of an
// output column compares directly with the binder's), and DuckDB's rules for combining them.
//
// Runtime representation (functions/value.ts): BOOLEAN a JS boolean; every integer type, DOUBLE and
// DECIMAL a number (integers are exact only within 2^53; results beyond decline); TIMESTAMP,
// TIMESTAMP WITH TIME ZONE and DATE epoch milliseconds (DuckDB runs with TimeZone=UTC, so the
// zoned and plain forms hold the same instant); VARCHAR and JSON a string; INTERVAL an Interval.

import { ColumnType } from "../core/types.ts";
import { decline } from "./decline.ts";

export const TSTZ = "TIMESTAMP WITH TIME ZONE";

export type SqlType =
  | "BOOLEAN" | "INTEGER" | "BIGINT" | "HUGEINT" | "DOUBLE" | "DECIMAL" | "VARCHAR" | "JSON"
  | "TIMESTAMP" | typeof TSTZ | "DATE" | "INTERVAL" | "NULL";

const INTEGER_RANK: Partial<Record<SqlType, number>> = { INTEGER: 1, BIGINT: 2, HUGEINT: 3 };

export function isInteger(t: SqlType): boolean {
  return INTEGER_RANK[t] !== undefined;
}

export function isNumeric(t: SqlType): boolean {
  return isInteger(t) || t === "DOUBLE" || t === "DECIMAL";
}

export function isTimestamp(t: SqlType): boolean {
  return t === "TIMESTAMP" || t === TSTZ;
}

export function isString(t: SqlType): boolean {
  return t === "VARCHAR" || t === "JSON";
}

/** The type of a store column as DuckDB sees the table (test/helpers/duck-reference.ts loads it so). */
export function typeOfColumn(t: ColumnType): SqlType {
  switch (t) {
    case ColumnType.BOOL: return "BOOLEAN";
    case ColumnType.INT32: return "INTEGER";
    case ColumnType.FLOAT64: return "DOUBLE";
    case ColumnType.TIMESTAMP: return "TIMESTAMP";
    case ColumnType.STRING: return "VARCHAR";
    case ColumnType.JSON: return "JSON";
  }
}

/**
 * Range a value of an integer type may hold here. INTEGER is DuckDB's int32, whose overflow DuckDB
 * reports as an error; BIGINT and HUGEINT are bounded by what a float64 holds exactly, and a value
 * past that declines (DuckDB would still answer, but we cannot match it).
 */
export function integerMax(t: SqlType): number {
  return t === "INTEGER" ? 2147483647 : Number.MAX_SAFE_INTEGER;
}

export function integerMin(t: SqlType): number {
  return t === "INTEGER" ? -2147483648 : -Number.MAX_SAFE_INTEGER;
}

/**
 * Result type of + - * // % over two numeric operands, as DuckDB picks it: the wider integer type,
 * DOUBLE when either side is DOUBLE. DECIMAL arithmetic is exact in DuckDB, so it is only accepted
 * next to a DOUBLE (DuckDB casts the decimal to DOUBLE first).
 */
export function numericResult(a: SqlType, b: SqlType): SqlType {
  if (a === "DOUBLE" || b === "DOUBLE") return "DOUBLE";
  if (a === "DECIMAL" || b === "DECIMAL") return decline("DECIMAL arithmetic");
  const ra = INTEGER_RANK[a], rb = INTEGER_RANK[b];
  if (ra === undefined || rb === undefined) return decline(`arithmetic on ${a} and ${b}`);
  return ra >= rb ? a : b;
}

/**
 * Common type of values that must share one type (CASE branches, COALESCE, IN lists, both sides of
 * a comparison). NULL adopts the other type; numbers widen; the two timestamp types meet in the zoned
 * one; DATE meets a timestamp as the timestamp. Anything else mixed declines.
 */
export function commonType(a: SqlType, b: SqlType): SqlType {
  if (a === b) return a;
  if (a === "NULL") return b;
  if (b === "NULL") return a;
  if (isNumeric(a) && isNumeric(b)) {
    if (a === "DOUBLE" || b === "DOUBLE") return "DOUBLE";
    return numericResult(a, b);
  }
  if ((isTimestamp(a) || a === "DATE") && (isTimestamp(b) || b === "DATE")) {
    if (a === TSTZ || b === TSTZ) return TSTZ;
    return "TIMESTAMP";
  }
  return decline(`no common type for ${a} and ${b}`);
}
