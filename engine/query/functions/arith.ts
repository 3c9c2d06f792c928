// Arithmetic operators and numeric functions. Integer results are checked against their type's
// range (DuckDB errors on INTEGER overflow; BIGINT/HUGEINT beyond 2^53 cannot be exact here): a
// result outside declines at run time. DOUBLE results must stay finite. Division, integer division
// and integer modulo by zero give NULL, as in DuckDB; DOUBLE `//` is plain division (DuckDB's too).

import { decline } from "../decline.ts";
import { integerMax, integerMin, isInteger, isNumeric, isTimestamp, numericResult, type SqlType } from "../sql-types.ts";
import type { ScalarDef } from "./scalar-def.ts";
import { addInterval } from "./time-parts.ts";
import { checkFinite, checkInt, strict1, strict2, type Fn, type Interval } from "./value.ts";

type Num2 = (x: number, y: number) => number | null;

function numeric2(op: string, type: SqlType, intOp: Num2, dblOp: Num2): (a: Fn, b: Fn) => Fn {
  if (isInteger(type)) {
    const lo = integerMin(type), hi = integerMax(type);
    return (a, b) => strict2<number, number>(a, b, (x, y) => { const r = intOp(x, y); return r === null ? null : checkInt(r === 0 ? 0 : r, lo, hi); });
  }
  if (type !== "DOUBLE") return decline(`${op} on ${type}`);
  return (a, b) => strict2<number, number>(a, b, (x, y) => { const r = dblOp(x, y); return r === null ? null : checkFinite(r); });
}

const isTime = (t: SqlType) => isTimestamp(t);

function plusMinus(sign: 1 | -1): ScalarDef {
  const op = sign === 1 ? "+" : "-";
  return {
    bind(args) {
      const [a, b] = args.map((x) => x.type);
      if (b === undefined) return isNumeric(a!) || a === "INTERVAL" ? a! : decline(`unary ${op} on ${a}`);
      if (isTime(a!) && b === "INTERVAL") return a!;
      if (sign === 1 && a === "INTERVAL" && isTime(b)) return b;
      if (a === "INTERVAL" && b === "INTERVAL") return "INTERVAL";
      return numericResult(a!, b);
    },
    make(args, _c, node) {
      const [a, b] = node.args;
      if (b === undefined) {
        if (sign === 1) return args[0]!;
        if (a!.type === "INTERVAL") return strict1<Interval>(args[0]!, (v) => ({ months: -v.months, days: -v.days, ms: -v.ms }));
        const lo = integerMin(node.type), hi = integerMax(node.type), int = isInteger(node.type);
        return strict1<number>(args[0]!, (x) => (int ? checkInt(x === 0 ? 0 : -x, lo, hi) : -x));
      }
      if (a!.type === "INTERVAL" && b.type === "INTERVAL") {
        return strict2<Interval, Interval>(args[0]!, args[1]!, (x, y) => ({ months: x.months + sign * y.months, days: x.days + sign * y.days, ms: x.ms + sign * y.ms }));
      }
      if (isTime(a!.type)) return strict2<number, Interval>(args[0]!, args[1]!, (t, iv) => checkFinite(addInterval(t, iv, sign)));
      if (isTime(b.type)) return strict2<Interval, number>(args[0]!, args[1]!, (iv, t) => checkFinite(addInterval(t, iv, 1)));
      const f = sign === 1 ? (x: number, y: number) => x + y : (x: number, y: number) => x - y;
      return numeric2(op, node.type, f, f)(args[0]!, args[1]!);
    },
  };
}

function binary(op: string, typeOf: (a: SqlType, b: SqlType) => SqlType, intOp: Num2, dblOp: Num2): ScalarDef {
  return {
    bind: (args) => (args.length === 2 ? typeOf(args[0]!.type, args[1]!.type) : decline(`${op} with ${args.length} operands`)),
    make: (args, _c, node) => numeric2(op, node.type, intOp, dblOp)(args[0]!, args[1]!),
  };
}

/** std::round: halves away from zero (Math.round rounds -2.5 to -2). */
export function roundHalfAway(x: number): number {
  const t = Math.trunc(x), f = x - t;
  return f >= 0.5 ? t + 1 : f <= -0.5 ? t - 1 : t;
}

function doubleOnly(name: string, f: (x: number) => number): ScalarDef {
  return {
    bind: (args) => (args.length === 1 && args[0]!.type === "DOUBLE" ? "DOUBLE" : decline(`${name} of ${args.map((a) => a.type)}`)),
    make: (args) => strict1<number>(args[0]!, f),
  };
}

export const ARITH_FUNCTIONS: Record<string, ScalarDef> = {
  "+": plusMinus(1),
  "-": plusMinus(-1),
  "*": binary("*", numericResult, (x, y) => x * y, (x, y) => x * y),
  // DuckDB follows IEEE 754 for DOUBLE (ieee_floating_point_ops): x / 0 is ±inf or NaN, which
  // declines; `//` by zero is NULL for every type, integer `%` by zero NULL, DOUBLE `%` NaN (declines).
  "/": binary("/", (a, b) => (numericResult(a, b), "DOUBLE"), (x, y) => x / y, (x, y) => x / y),
  "//": binary("//", numericResult, (x, y) => (y === 0 ? null : Math.trunc(x / y)), (x, y) => (y === 0 ? null : x / y)),
  "%": binary("%", numericResult, (x, y) => (y === 0 ? null : x % y), (x, y) => x % y),
  abs: {
    bind: (args) => (args.length === 1 && (args[0]!.type === "DOUBLE" || isInteger(args[0]!.type)) ? args[0]!.type : decline("abs overload")),
    make(args, _c, node) {
      const lo = integerMin(node.type), hi = integerMax(node.type), int = isInteger(node.type);
      return strict1<number>(args[0]!, (x) => (int ? checkInt(Math.abs(x), lo, hi) : Math.abs(x)));
    },
  },
  floor: doubleOnly("floor", Math.floor),
  trunc: doubleOnly("trunc", Math.trunc),
  ceil: doubleOnly("ceil", Math.ceil),
  round: {
    bind(args) {
      if (args[0]?.type !== "DOUBLE" || args.length > 2) return decline("round overload");
      if (args.length === 2 && !(args[1]!.kind === "const" && isInteger(args[1]!.type))) return decline("round with a non-constant precision");
      return "DOUBLE";
    },
    make(args, consts) {
      const digits = args.length === 2 ? (consts[1] as number | null) : 0;
      if (digits === null) return () => null;
      if (digits < 0 || digits > 15) return decline(`round to ${digits} digits`);
      if (digits === 0) return strict1<number>(args[0]!, roundHalfAway);
      const p = 10 ** digits;
      return strict1<number>(args[0]!, (x) => { const r = roundHalfAway(x * p) / p; return Number.isFinite(r) ? r : x; });
    },
  },
};
