// The value of one SQL expression for one row while the native engine evaluates it: see
// sql-types.ts for which JS value each type takes. Values are never JS objects per row, except
// intervals, which only occur as constants (INTERVAL literals) folded before execution.

import { decline } from "../decline.ts";

/** DuckDB's interval: months and days apart (calendar units), the rest in milliseconds here. */
export interface Interval {
  readonly months: number;
  readonly days: number;
  readonly ms: number;
}

export type Val = null | boolean | number | string | Interval;

/** A compiled expression: its value at row (or group) `i` of whatever the evaluation runs over. */
export type Fn = (i: number) => Val;

/** Checks an integer result against its type's range: DuckDB errors on INTEGER overflow. */
export function checkInt(v: number, min: number, max: number): number {
  if (!(v >= min && v <= max)) decline(`integer result ${v} outside ${min}..${max}`);
  return v;
}

/** DOUBLE results stay finite: DuckDB yields inf/nan where we would have to match its printing. */
export function checkFinite(v: number): number {
  if (!Number.isFinite(v)) decline(`non-finite DOUBLE result ${v}`);
  return v;
}

/** f applied to a's value; NULL stays NULL (the rule for most SQL functions). */
export function strict1<A extends Val>(a: Fn, f: (x: A) => Val): Fn {
  return (i) => {
    const x = a(i);
    return x === null ? null : f(x as A);
  };
}

export function strict2<A extends Val, B extends Val>(a: Fn, b: Fn, f: (x: A, y: B) => Val): Fn {
  return (i) => {
    const x = a(i);
    if (x === null) return null;
    const y = b(i);
    return y === null ? null : f(x as A, y as B);
  };
}

export function strict3<A extends Val, B extends Val, C extends Val>(a: Fn, b: Fn, c: Fn, f: (x: A, y: B, z: C) => Val): Fn {
  return (i) => {
    const x = a(i);
    if (x === null) return null;
    const y = b(i);
    if (y === null) return null;
    const z = c(i);
    return z === null ? null : f(x as A, y as B, z as C);
  };
}
