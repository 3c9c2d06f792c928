// CAST(x AS type) between the types we hold, only where our conversion is exactly DuckDB's. Each
// returns a function of a non-null value; NULL casts to NULL. Conversions DuckDB might do
// differently (DOUBLE to text, lenient text to number forms, DECIMAL to integer) decline at bind
// time, and text that our strict parsers do not accept declines at run time: DuckDB would either
// accept it differently or raise an error only it should report.

import { decline } from "../decline.ts";
import { TSTZ, integerMax, integerMin, isInteger, isTimestamp, type SqlType } from "../sql-types.ts";
import { MS_PER_DAY } from "./calendar.ts";
import { formatDate, formatTimestamp, parseDate, parseInterval, parseTimestamp } from "./time-text.ts";
import { checkInt, type Val } from "./value.ts";

type Conv = (v: Val) => Val;

/** Round half to even, as DuckDB casts DOUBLE to an integer type (nearbyint). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function toInteger(from: SqlType, to: SqlType): Conv | null {
  const lo = integerMin(to), hi = integerMax(to);
  if (isInteger(from)) return (v) => checkInt(v as number, lo, hi);
  if (from === "DOUBLE") return (v) => checkInt(roundHalfEven(v as number), lo, hi);
  if (from === "BOOLEAN") return (v) => (v ? 1 : 0);
  if (from === "VARCHAR") {
    return (v) => (/^-?\d{1,15}$/.test(v as string) ? checkInt(Number(v) + 0, lo, hi) : decline(`text ${JSON.stringify(v)} to ${to}`));
  }
  return null;
}

function toVarchar(from: SqlType): Conv | null {
  if (isInteger(from)) return (v) => String(v);
  if (from === "BOOLEAN") return (v) => (v ? "true" : "false");
  if (from === "JSON") return (v) => v;
  if (from === "TIMESTAMP") return (v) => formatTimestamp(v as number);
  if (from === "DATE") return (v) => formatDate(v as number);
  return null;
}

function conversion(from: SqlType, to: SqlType): Conv | null {
  if (from === to) return (v) => v;
  if (isInteger(to)) return toInteger(from, to);
  switch (to) {
    case "DOUBLE":
      if (isInteger(from) || from === "DECIMAL") return (v) => v;
      if (from === "VARCHAR") return (v) => (/^-?\d{1,15}(\.\d{1,15})?$/.test(v as string) ? Number(v) : decline(`text ${JSON.stringify(v)} to DOUBLE`));
      return null;
    case "VARCHAR": return toVarchar(from);
    case "BOOLEAN":
      if (isInteger(from)) return (v) => v !== 0;
      if (from === "VARCHAR") return (v) => (v === "true" || v === "t" ? true : v === "false" || v === "f" ? false : decline(`text ${JSON.stringify(v)} to BOOLEAN`));
      return null;
    case "TIMESTAMP": case TSTZ:
      if (isTimestamp(from) || from === "DATE") return (v) => v;
      if (from === "VARCHAR") return (v) => parseTimestamp(v as string);
      return null;
    case "DATE":
      if (from === "TIMESTAMP" || from === TSTZ) return (v) => Math.floor((v as number) / MS_PER_DAY) * MS_PER_DAY;
      if (from === "VARCHAR") return (v) => parseDate(v as string);
      return null;
    case "INTERVAL":
      if (from === "VARCHAR") return (v) => parseInterval(v as string);
      return null;
    default: return null;
  }
}

/** The conversion of CAST(from AS to), or a Decline. TRY_CAST only where the cast cannot fail. */
export function castFn(from: SqlType, to: SqlType, tryCast: boolean): Conv {
  if (from === "NULL") return () => null;
  const c = conversion(from, to);
  if (c === null) return decline(`CAST from ${from} to ${to}`);
  const total = from === to || (to === "DOUBLE" && (isInteger(from) || from === "DECIMAL")) || (isTimestamp(to) && (isTimestamp(from) || from === "DATE"))
    || (to === "VARCHAR" && (isInteger(from) || from === "BOOLEAN"));
  if (tryCast && !total) return decline(`TRY_CAST from ${from} to ${to}`);
  return c;
}

/** DuckDB's names for the types a CAST may name, as ours. */
export function castTarget(id: string): SqlType {
  switch (id) {
    case "BOOLEAN": case "INTEGER": case "BIGINT": case "DOUBLE": case "VARCHAR": case "TIMESTAMP": case "DATE": case "INTERVAL": return id;
    case "TIMESTAMP WITH TIME ZONE": case "TIMESTAMP_TZ": return TSTZ;
    default: return decline(`CAST to ${id}`);
  }
}
