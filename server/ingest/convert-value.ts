// One field value as a client sent it -> the value its column stores, by column type. Owns the
// per-type acceptance rules listed in README.md; the validator owns which column gets which rule.
//
// Hot path: these run once per field of every event. They allocate nothing on success beyond the
// string conversions a rule asks for (a number sent to a STRING column). On failure they return
// BAD and leave the reason in `failure`, so no error object is built until an event is rejected.

import type { RejectCode } from "../../engine/core/errors.ts";
import { LIMITS } from "../../engine/core/limits.ts";
import { isNumericString, parseTimestamp } from "./parse-timestamp.ts";

/** Returned instead of a value when the value is rejected; see `failure`. */
export const BAD: unique symbol = Symbol("bad value");
export type Converted = string | number | null | typeof BAD;
type ConvertedNumber = number | null | typeof BAD;

/** Why the last BAD was returned. Module state: one converter runs at a time per thread. */
export const failure: { code: RejectCode; why: string } = { code: "invalid_type", why: "" };

export function fail(code: RejectCode, why: string): typeof BAD {
  failure.code = code;
  failure.why = why;
  return BAD;
}

/** A short rendering of a rejected value for messages: its kind, and its text when short. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return v instanceof Date ? "a date" : "an object";
  if (typeof v === "string") return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}...` : JSON.stringify(v);
  return String(v);
}

/** STRING: strings as they are; numbers and booleans as their text. */
export function toText(v: unknown, maxLength: number): Converted {
  let s: string;
  if (typeof v === "string") s = v;
  else if (typeof v === "number") {
    if (!Number.isFinite(v)) return fail("invalid_type", `expected a string, got ${v}`);
    s = String(v);
  } else if (typeof v === "boolean") s = v ? "true" : "false";
  else if (typeof v === "bigint") s = v.toString();
  else if (v === null || v === undefined) return null;
  else return fail("invalid_type", `expected a string, number or boolean, got ${describe(v)}`);
  if (s.length > maxLength) return fail("value_too_long", `${s.length} characters exceed the limit of ${maxLength}`);
  return s;
}

/** FLOAT64: finite numbers and decimal strings. */
export function toFloat(v: unknown): ConvertedNumber {
  if (typeof v === "number") return Number.isFinite(v) ? v : fail("invalid_number", `expected a finite number, got ${v}`);
  if (v === null || v === undefined) return null;
  if (typeof v === "string" && isNumericString(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  if (typeof v === "bigint") return Number(v);
  return fail("invalid_number", `expected a number, got ${describe(v)}`);
}

/** INT32: as FLOAT64, and then an integer in [-2^31, 2^31). */
export function toInt32(v: unknown): ConvertedNumber {
  const n = toFloat(v);
  if (n === null || n === BAD) return n;
  if (!Number.isInteger(n)) return fail("invalid_number", `expected an integer, got ${describe(v)}`);
  if (n < -0x80000000 || n > 0x7fffffff) return fail("invalid_number", `${describe(v)} is outside the 32-bit integer range`);
  return n;
}

/** BOOL: true/false, "true"/"false", 0/1, stored as 1/0. */
export function toBool(v: unknown): ConvertedNumber {
  if (v === true || v === 1 || v === "true") return 1;
  if (v === false || v === 0 || v === "false") return 0;
  if (v === null || v === undefined) return null;
  return fail("invalid_type", `expected true or false, got ${describe(v)}`);
}

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** Big integers (MessagePack int64 past 2^53) are written as exact JSON numbers. */
function bigintAsNumber(_key: string, x: unknown): unknown {
  return typeof x === "bigint" ? rawJSON(x.toString()) : x;
}

/** The JSON text of a decoded value; BAD when it cannot be serialised (nesting deeper than the stack). */
export function jsonText(v: unknown): string | typeof BAD {
  try {
    return JSON.stringify(v);
  } catch {
    try {
      return JSON.stringify(v, bigintAsNumber);
    } catch (e) {
      return fail("invalid_type", `cannot be written as JSON: ${(e as Error).message}`);
    }
  }
}

/** JSON: objects and arrays, stored as their JSON text. */
export function toJson(v: unknown, maxLength: number): Converted {
  if (v === null || v === undefined) return null;
  if (typeof v !== "object" || v instanceof Date) return fail("invalid_type", `expected an object or an array, got ${describe(v)}`);
  const s = jsonText(v);
  if (s !== BAD && s.length > maxLength) return fail("value_too_long", `${s.length} characters of JSON exceed the limit of ${maxLength}`);
  return s;
}

/** Currency: a 3-letter ISO 4217 code, upper-cased ("usd" -> "USD"). */
export function toCurrency(v: unknown): Converted {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" && v.length === 3) {
    const s = v.toUpperCase();
    let ok = true;
    for (let i = 0; i < 3; i++) {
      const c = s.charCodeAt(i);
      if (c < 65 || c > 90) ok = false;
    }
    if (ok) return s;
  }
  return fail("invalid_currency", `expected a 3-letter ISO 4217 code such as "USD", got ${describe(v)}`);
}

/** `type`: a non-empty string. Numbers are refused: an event type is a name. */
export function toEventType(v: unknown, maxLength: number): Converted {
  if (v === null || v === undefined || v === "") return fail("missing_field", "is required (a non-empty string)");
  if (typeof v !== "string") return fail("invalid_type", `expected a string, got ${describe(v)}`);
  if (v.length > maxLength) return fail("value_too_long", `${v.length} characters exceed the limit of ${maxLength}`);
  return v;
}

/** event_id: a non-empty string, or an integer written as its decimal text. null = absent. */
export function toEventId(v: unknown, maxLength: number): Converted {
  let s: string;
  if (typeof v === "string") s = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) s = String(v);
  else if (typeof v === "bigint") s = v.toString();
  else if (v === null || v === undefined) return null;
  else return fail("invalid_type", `expected a string or an integer, got ${describe(v)}`);
  if (s.length === 0) return fail("invalid_type", "must not be empty; omit it to have one generated");
  if (s.length > maxLength) return fail("value_too_long", `${s.length} characters exceed the limit of ${maxLength}`);
  return s;
}

/** TIMESTAMP: epoch milliseconds, a decimal string of them, or ISO-8601 (see parse-timestamp.ts). */
export function toTimestamp(v: unknown): ConvertedNumber {
  if (v === null || v === undefined) return null;
  const t = parseTimestamp(v);
  if (Number.isNaN(t)) return fail("invalid_timestamp", `expected epoch milliseconds or an ISO-8601 date, got ${describe(v)}`);
  return t;
}

/**
 * The table's time column: a TIMESTAMP no earlier than LIMITS.TS_MIN_MS and no later than
 * receivedAt + LIMITS.TS_FUTURE_SKEW_MS. Values that fit once read in the wrong unit say so.
 */
export function toEventTime(v: unknown, receivedAt: number): ConvertedNumber {
  const t = toTimestamp(v);
  if (t === null || t === BAD) return t;
  const latest = receivedAt + LIMITS.TS_FUTURE_SKEW_MS;
  if (t >= LIMITS.TS_MIN_MS && t <= latest) return t;
  const fits = (x: number) => x >= LIMITS.TS_MIN_MS && x <= latest;
  const hint = fits(t * 1000) ? "; it looks like seconds; send milliseconds"
    : fits(t / 1000) ? "; it looks like microseconds; send milliseconds"
    : fits(t / 1e6) ? "; it looks like nanoseconds; send milliseconds" : "";
  const where = t < LIMITS.TS_MIN_MS
    ? `is before ${new Date(LIMITS.TS_MIN_MS).toISOString()}`
    : `is more than ${LIMITS.TS_FUTURE_SKEW_MS / 3_600_000} h after the receive time ${new Date(receivedAt).toISOString()}`;
  return fail("timestamp_out_of_range", `${describe(v)} ${where}${hint}`);
}
