// Every scalar function and operator the native engine evaluates, by DuckDB's name (lower case).
// A name not here declines the query. Aliases map DuckDB's alternative spellings to one def. The
// ClickHouse spellings (clickhouse-fns.ts) are expanded into built-ins before this lookup, except
// toStartOfInterval, a def of its own.

import { ARITH_FUNCTIONS } from "./arith.ts";
import { CLICKHOUSE_FUNCTIONS } from "./clickhouse-fns.ts";
import { NULL_FUNCTIONS } from "./null-fns.ts";
import type { ScalarDef } from "./scalar-def.ts";
import { STRING_FUNCTIONS } from "./string-fns.ts";
import { TIME_FUNCTIONS } from "./time-fns.ts";

const DEFS: Record<string, ScalarDef> = {
  ...ARITH_FUNCTIONS, ...STRING_FUNCTIONS, ...TIME_FUNCTIONS, ...NULL_FUNCTIONS, ...CLICKHOUSE_FUNCTIONS,
};

const ALIASES: Record<string, string> = {
  lcase: "lower", ucase: "upper", len: "length", char_length: "length", character_length: "length",
  substr: "substring", instr: "strpos", position: "strpos", prefix: "starts_with", suffix: "ends_with",
  datetrunc: "date_trunc", datepart: "date_part", ceiling: "ceil",
  ifnull: "coalesce",
};

/** The canonical name of a function, or undefined when the native engine does not have it. */
export function canonicalFunction(name: string): string | undefined {
  const n = ALIASES[name] ?? name;
  return Object.hasOwn(DEFS, n) ? n : undefined;
}

export function scalarDef(canonical: string): ScalarDef {
  return DEFS[canonical]!;
}
