// date_trunc, date_part (extract), time_bucket and interval arithmetic on epoch milliseconds, with
// DuckDB's semantics for TIMESTAMP under TimeZone=UTC. Part names accept DuckDB's common spellings;
// an unknown one declines. Units with a fixed width (second..week) are pure arithmetic; months,
// quarters and years go through the civil calendar (calendar.ts).

import { decline } from "../decline.ts";
import {
  MS_PER_DAY, addMonths, civilFromDays, dayOf, dayOfMonth, daysFromCivil, isoDow, isoWeek, monthOf, yearOf,
} from "./calendar.ts";
import type { Interval } from "./value.ts";

const PART_ALIASES: Record<string, string> = {
  microsecond: "microsecond", microseconds: "microsecond", us: "microsecond", usec: "microsecond", usecs: "microsecond",
  millisecond: "millisecond", milliseconds: "millisecond", ms: "millisecond", msec: "millisecond", msecs: "millisecond",
  second: "second", seconds: "second", s: "second", sec: "second", secs: "second",
  minute: "minute", minutes: "minute", m: "minute", min: "minute", mins: "minute",
  hour: "hour", hours: "hour", h: "hour", hr: "hour", hrs: "hour",
  day: "day", days: "day", d: "day", dayofmonth: "day",
  week: "week", weeks: "week", w: "week", weekofyear: "week",
  month: "month", months: "month", mon: "month", mons: "month",
  quarter: "quarter", quarters: "quarter",
  year: "year", years: "year", y: "year", yr: "year", yrs: "year",
  dow: "dow", dayofweek: "dow", isodow: "isodow", doy: "doy", dayofyear: "doy",
  epoch: "epoch", isoyear: "isoyear", yearweek: "yearweek",
};

export function canonicalPart(part: string): string {
  return PART_ALIASES[part.toLowerCase()] ?? decline(`date part '${part}'`);
}

const FIXED_MS: Record<string, number> = {
  microsecond: 1, millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: MS_PER_DAY,
};

/** A date_trunc for one part, chosen once per query. */
export function truncFn(part: string): (ms: number) => number {
  const p = canonicalPart(part);
  const width = FIXED_MS[p];
  if (width === 1) return (ms) => ms; // our timestamps hold whole milliseconds
  if (width !== undefined) return (ms) => Math.floor(ms / width) * width;
  switch (p) {
    case "week": return (ms) => { const d = dayOf(ms); return (d - isoDow(d) + 1) * MS_PER_DAY; };
    case "month": return (ms) => { const c = civilFromDays(dayOf(ms)); return daysFromCivil(yearOf(c), monthOf(c), 1) * MS_PER_DAY; };
    case "quarter": return (ms) => {
      const c = civilFromDays(dayOf(ms));
      return daysFromCivil(yearOf(c), Math.floor((monthOf(c) - 1) / 3) * 3 + 1, 1) * MS_PER_DAY;
    };
    case "year": return (ms) => daysFromCivil(yearOf(civilFromDays(dayOf(ms))), 1, 1) * MS_PER_DAY;
    default: return decline(`date_trunc part '${part}'`);
  }
}

/** A date_part for one part (BIGINT results, except epoch: DOUBLE seconds). */
export function partFn(part: string): (ms: number) => number {
  const p = canonicalPart(part);
  const timeOf = (ms: number) => ms - dayOf(ms) * MS_PER_DAY;
  const civil = (ms: number) => civilFromDays(dayOf(ms));
  switch (p) {
    case "year": return (ms) => yearOf(civil(ms));
    case "month": return (ms) => monthOf(civil(ms));
    case "day": return (ms) => dayOfMonth(civil(ms));
    case "hour": return (ms) => Math.floor(timeOf(ms) / 3_600_000);
    case "minute": return (ms) => Math.floor(timeOf(ms) / 60_000) % 60;
    case "second": return (ms) => Math.floor(timeOf(ms) / 1000) % 60;
    case "millisecond": return (ms) => timeOf(ms) % 60_000;
    case "microsecond": return (ms) => (timeOf(ms) % 60_000) * 1000;
    case "epoch": return (ms) => ms / 1000;
    case "dow": return (ms) => isoDow(dayOf(ms)) % 7;
    case "isodow": return (ms) => isoDow(dayOf(ms));
    case "doy": return (ms) => { const d = dayOf(ms); return d - daysFromCivil(yearOf(civilFromDays(d)), 1, 1) + 1; };
    case "week": return (ms) => isoWeek(dayOf(ms)) % 100;
    case "quarter": return (ms) => Math.floor((monthOf(civil(ms)) - 1) / 3) + 1;
    case "isoyear": return (ms) => Math.floor(isoWeek(dayOf(ms)) / 100);
    case "yearweek": return (ms) => isoWeek(dayOf(ms));
    default: return decline(`date_part '${part}'`);
  }
}

/**
 * Where time_bucket's buckets start: `ms` for widths of days and less; `months`, the origin's
 * year * 12 + month - 1, for widths of months (DuckDB ignores the origin's day for those).
 */
export interface BucketOrigin {
  readonly ms: number;
  readonly months: number;
}

/** DuckDB's time_bucket without an explicit origin: Monday 2000-01-03, or 2000-01 for month widths. */
const ORIGIN_MS = daysFromCivil(2000, 1, 3) * MS_PER_DAY;
const DEFAULT_ORIGIN: BucketOrigin = { ms: ORIGIN_MS, months: 2000 * 12 };

/** time_bucket(width, ts[, origin]) for a constant width; mixed month-and-day widths decline. */
export function bucketFn(width: Interval, origin: BucketOrigin = DEFAULT_ORIGIN): (ms: number) => number {
  if (width.months !== 0) {
    if (width.days !== 0 || width.ms !== 0 || width.months < 0) return decline("time_bucket width mixing months with days");
    const w = width.months, o = origin.months;
    return (ms) => {
      const c = civilFromDays(dayOf(ms));
      const idx = yearOf(c) * 12 + monthOf(c) - 1 - o;
      const b = Math.floor(idx / w) * w + o;
      const y = Math.floor(b / 12);
      return daysFromCivil(y, b - y * 12 + 1, 1) * MS_PER_DAY;
    };
  }
  const w = width.days * MS_PER_DAY + width.ms, o = origin.ms;
  if (!(w > 0)) return decline("time_bucket width not positive");
  return (ms) => o + Math.floor((ms - o) / w) * w;
}

/** ts + interval as DuckDB adds it: months on the calendar, then days, then the time part. */
export function addInterval(ms: number, iv: Interval, sign: 1 | -1): number {
  const withMonths = iv.months === 0 ? ms : addMonths(ms, sign * iv.months);
  return withMonths + sign * (iv.days * MS_PER_DAY + iv.ms);
}

/**
 * date_trunc(part, ts) and time_bucket(width, ts) as origin + floor((ts - origin) / width) * width,
 * when the unit has a fixed width (up to weeks, which start on Monday 1970-01-05); null otherwise.
 * Lets group-by bucket rows with arithmetic instead of a closure per row.
 */
export function fixedBuckets(fn: string, arg: unknown): { origin: number; width: number } | null {
  if (fn === "time_bucket") {
    const iv = arg as Interval;
    const w = iv.days * MS_PER_DAY + iv.ms;
    return iv.months === 0 && w > 0 ? { origin: ORIGIN_MS, width: w } : null;
  }
  if (fn !== "date_trunc" || typeof arg !== "string") return null;
  const p = canonicalPart(arg);
  if (p === "week") return { origin: 4 * MS_PER_DAY, width: 7 * MS_PER_DAY };
  const w = FIXED_MS[p];
  return w === undefined || w === 1 ? null : { origin: 0, width: w };
}
