// Time functions over TIMESTAMP and TIMESTAMP WITH TIME ZONE (the same instant under UTC): the part
// or interval argument must be a constant, so each call compiles to one arithmetic function
// (time-parts.ts). DATE arguments decline: DuckDB types several of these differently for DATE.
// INTERVAL n UNIT reaches us as to_<unit>(n), folded to a constant at bind time.

import { decline } from "../decline.ts";
import { isInteger, isTimestamp, type SqlType } from "../sql-types.ts";
import type { ScalarDef } from "./scalar-def.ts";
import { bucketFn, canonicalPart, partFn, truncFn } from "./time-parts.ts";
import { intervalOf } from "./time-text.ts";
import { checkInt, strict1, type Interval } from "./value.ts";

function constString(v: unknown, what: string): string {
  return typeof v === "string" ? v : decline(`${what} not a constant string`);
}

const dateTrunc: ScalarDef = {
  bind(args) {
    if (args.length !== 2 || args[0]!.kind !== "const" || args[0]!.type !== "VARCHAR" || !isTimestamp(args[1]!.type)) {
      return decline("date_trunc overload");
    }
    canonicalPart(args[0]!.value as string);
    return args[1]!.type;
  },
  make: (args, consts) => strict1<number>(args[1]!, truncFn(constString(consts[0], "date_trunc part"))),
};

const timeBucket: ScalarDef = {
  bind(args) {
    if (args.length !== 2 || args[0]!.kind !== "const" || args[0]!.type !== "INTERVAL" || !isTimestamp(args[1]!.type)) {
      return decline("time_bucket overload (width must be a constant interval, no origin or offset)");
    }
    if (args[1]!.type !== "TIMESTAMP") return decline("time_bucket on TIMESTAMP WITH TIME ZONE");
    return "TIMESTAMP";
  },
  make: (args, consts) => strict1<number>(args[1]!, bucketFn(consts[0] as Interval)),
};

const datePart: ScalarDef = {
  bind(args) {
    if (args.length !== 2 || args[0]!.kind !== "const" || args[0]!.type !== "VARCHAR" || !isTimestamp(args[1]!.type)) {
      return decline("date_part overload");
    }
    return canonicalPart(args[0]!.value as string) === "epoch" ? "DOUBLE" : "BIGINT";
  },
  make: (args, consts) => strict1<number>(args[1]!, partFn(constString(consts[0], "date_part part"))),
};

/** year(ts), hour(ts), dayofweek(ts)...: date_part with the part in the name. */
function partOf(part: string, type: SqlType = "BIGINT"): ScalarDef {
  return {
    bind: (args) => (args.length === 1 && isTimestamp(args[0]!.type) ? type : decline(`${part}() overload`)),
    make: (args) => strict1<number>(args[0]!, partFn(part)),
  };
}

function toInterval(unit: string, argType: "integer" | "double"): ScalarDef {
  return {
    bind(args) {
      const t = args[0]?.type;
      const ok = args.length === 1 && t !== undefined && (isInteger(t) || (argType === "double" && t === "DOUBLE"));
      return ok ? "INTERVAL" : decline(`to_${unit}s overload`);
    },
    make: (args) => strict1<number>(args[0]!, (n) => intervalOf(unit, n)),
  };
}

export const TIME_FUNCTIONS: Record<string, ScalarDef> = {
  date_trunc: dateTrunc,
  time_bucket: timeBucket,
  date_part: datePart,
  year: partOf("year"), month: partOf("month"), day: partOf("day"), dayofmonth: partOf("day"),
  hour: partOf("hour"), minute: partOf("minute"), second: partOf("second"),
  millisecond: partOf("millisecond"), microsecond: partOf("microsecond"),
  dayofweek: partOf("dow"), isodow: partOf("isodow"), dayofyear: partOf("doy"),
  week: partOf("week"), weekofyear: partOf("week"), quarter: partOf("quarter"),
  isoyear: partOf("isoyear"), yearweek: partOf("yearweek"),
  epoch: partOf("epoch", "DOUBLE"),
  epoch_ms: {
    bind: (args) => (args.length === 1 && isTimestamp(args[0]!.type) ? "BIGINT" : decline("epoch_ms overload")),
    make: (args) => args[0]!,
  },
  epoch_us: {
    bind: (args) => (args.length === 1 && isTimestamp(args[0]!.type) ? "BIGINT" : decline("epoch_us overload")),
    make: (args) => strict1<number>(args[0]!, (ms) => checkInt(ms * 1000, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
  },
  to_microseconds: toInterval("microsecond", "integer"),
  to_milliseconds: toInterval("millisecond", "double"),
  to_seconds: toInterval("second", "double"),
  to_minutes: toInterval("minute", "integer"),
  to_hours: toInterval("hour", "integer"),
  to_days: toInterval("day", "integer"),
  to_weeks: toInterval("week", "integer"),
  to_months: toInterval("month", "integer"),
  to_quarters: toInterval("quarter", "integer"),
  to_years: toInterval("year", "integer"),
};
