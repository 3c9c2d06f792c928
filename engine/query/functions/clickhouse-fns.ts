// The ClickHouse spellings analysts know: uniq, uniqExact, sumIf, toStartOfMinute/Hour/Day and
// toStartOfInterval (countIf is DuckDB's own alias of count_if). DuckDB binds them as the temporary
// macros of storage/duckdb.ts (clickHouseMacros); json_serialize_sql shows a call before the macro
// is expanded, so the native engine expands it here into the same built-ins. The two definitions
// must agree: test/unit/engine/query/differential-clickhouse.test.ts runs every spelling in both.
//
// toStartOfInterval buckets as ClickHouse does, where DuckDB's interval can tell the units apart (it
// cannot tell INTERVAL 7 DAY from 1 WEEK, nor 12 MONTH from 1 YEAR, nor 120 MINUTE from 2 HOUR):
//   whole years          from year 0               (ClickHouse YEAR)
//   other month widths   from 1900-01              (ClickHouse MONTH, QUARTER)
//   whole hours, no days from midnight of the day  (ClickHouse HOUR: 5 HOUR starts at 00, 05, ..., 20)
//   whole weeks          from Monday 1970-01-05    (ClickHouse WEEK)
//   anything else        from 1970-01-01 00:00     (ClickHouse DAY, MINUTE, SECOND, MILLISECOND)

import type { Ast, FuncAst } from "../ast.ts";
import { decline } from "../decline.ts";
import { MS_PER_DAY, dayOf } from "./calendar.ts";
import type { ScalarDef } from "./scalar-def.ts";
import { bucketFn, type BucketOrigin } from "./time-parts.ts";
import { strict1, type Interval } from "./value.ts";

const MS_PER_HOUR = 3_600_000;

function call(name: string, args: readonly Ast[], distinct = false, filter: Ast | null = null): FuncAst {
  const node: FuncAst = { kind: "func", name, args, distinct, filter };
  return Object.freeze(node);
}

function trunc(part: string): (args: readonly Ast[]) => FuncAst {
  const unit: Ast = Object.freeze({ kind: "const", type: "VARCHAR", value: part });
  return (args) => call("date_trunc", [unit, args[0]!]);
}

/** Name (lower case, as the parse tree has it) -> argument count and the built-in call it stands for. */
const EXPANSIONS: Record<string, { readonly arity: number; readonly expand: (args: readonly Ast[]) => FuncAst }> = {
  uniq: { arity: 1, expand: (args) => call("approx_count_distinct", args) },
  uniqexact: { arity: 1, expand: (args) => call("count", args, true) },
  sumif: { arity: 2, expand: ([x, cond]) => call("sum", [x!], false, cond!) },
  tostartofminute: { arity: 1, expand: trunc("minute") },
  tostartofhour: { arity: 1, expand: trunc("hour") },
  tostartofday: { arity: 1, expand: trunc("day") },
};

/** The built-in call a ClickHouse spelling stands for, or `ast` itself when it is none. */
export function expandClickHouse(ast: FuncAst): FuncAst {
  if (!Object.hasOwn(EXPANSIONS, ast.name)) return ast;
  const { arity, expand } = EXPANSIONS[ast.name]!;
  // DuckDB rejects DISTINCT and FILTER on a macro, so neither reaches us from a statement it bound.
  if (ast.args.length !== arity || ast.distinct || ast.filter !== null) return decline(`${ast.name} overload`);
  return expand(ast.args);
}

const YEAR_ZERO: BucketOrigin = { ms: 0, months: 0 };
const YEAR_1900: BucketOrigin = { ms: 0, months: 1900 * 12 };
const MONDAY_1970: BucketOrigin = { ms: 4 * MS_PER_DAY, months: 0 };
const EPOCH: BucketOrigin = { ms: 0, months: 0 };

/** toStartOfInterval's bucketing for a constant width (the table in the header). */
export function clickHouseBucketFn(w: Interval): (ms: number) => number {
  if (w.months !== 0) return bucketFn(w, w.months % 12 === 0 ? YEAR_ZERO : YEAR_1900);
  if (w.days === 0 && w.ms % MS_PER_HOUR === 0) {
    const inDay = bucketFn(w, EPOCH);
    return (ms) => {
      const midnight = dayOf(ms) * MS_PER_DAY;
      return midnight + inDay(ms - midnight);
    };
  }
  return bucketFn(w, w.ms === 0 && w.days % 7 === 0 ? MONDAY_1970 : EPOCH);
}

const toStartOfInterval: ScalarDef = {
  bind(args) {
    if (args.length !== 2 || args[0]!.type !== "TIMESTAMP" || args[1]!.kind !== "const" || args[1]!.type !== "INTERVAL") {
      return decline("toStartOfInterval overload (a TIMESTAMP and a constant interval)");
    }
    return "TIMESTAMP";
  },
  make: (args, consts) => strict1<number>(args[0]!, clickHouseBucketFn(consts[1] as Interval)),
};

export const CLICKHOUSE_FUNCTIONS: Record<string, ScalarDef> = {
  tostartofinterval: toStartOfInterval,
};
