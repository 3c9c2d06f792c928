// SQL values (engine/query/result.ts) as JSON, the one rule every text format follows:
//   bigint       a JSON number within +-(2^53 - 1), where every integer is exact in a double; a
//                string beyond (exact: clients parse it with BigInt or a decimal type)
//   number       NaN and +-Infinity are null (JSON has no spelling for them)
//   Date         ISO-8601 UTC with milliseconds (2026-11-25T04:41:11.123Z); YYYY-MM-DD for DATE columns
//   INTERVAL     {"months", "days", "micros"} with micros by the bigint rule
//   LIST, STRUCT arrays and objects of the same
// toJsonValue returns a value JSON.stringify prints by these rules.

import type { SqlValue } from "../../engine/query/result.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function bigintJson(v: bigint): number | string {
  return v <= SAFE && v >= -SAFE ? Number(v) : v.toString();
}

/** DATE and lists of DATE print dates without a time of day. */
export function isDateType(type: string): boolean {
  return /^DATE(\[\d*\])*$/.test(type);
}

export function dateText(d: Date, dateOnly: boolean): string {
  const iso = d.toISOString();
  return dateOnly ? iso.slice(0, iso.indexOf("T")) : iso;
}

export function toJsonValue(v: SqlValue, dateOnly = false): JsonValue {
  if (v === null) return null;
  switch (typeof v) {
    case "number": return Number.isFinite(v) ? v : null;
    case "bigint": return bigintJson(v);
    case "string": case "boolean": return v;
    default:
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : dateText(v, dateOnly);
      if (Array.isArray(v)) return v.map((x) => toJsonValue(x, dateOnly));
      {
        const out: { [key: string]: JsonValue } = {};
        for (const k in v) out[k] = toJsonValue(v[k]!, false);
        return out;
      }
  }
}
