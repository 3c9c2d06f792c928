// Text <-> time values, accepting only the forms whose meaning is certain: DuckDB's casts accept
// more (time zones, BC years, lenient spacing), and anything beyond these strict forms declines so
// DuckDB decides. A valid-looking text that is not a real date (2026-02-30) declines too: DuckDB
// raises an error for it, which only DuckDB should report.

import { decline } from "../decline.ts";
import { MS_PER_DAY, civilFromDays, dayOf, dayOfMonth, daysFromCivil, daysInMonth, monthOf, yearOf } from "./calendar.ts";
import type { Interval } from "./value.ts";

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

/** Epoch ms of 'YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]' (UTC); sub-millisecond digits must be zero. */
export function parseTimestamp(text: string): number {
  const m = TIMESTAMP_TEXT.exec(text);
  if (m === null) return decline(`timestamp text ${JSON.stringify(text)}`);
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const h = Number(m[4] ?? 0), mi = Number(m[5] ?? 0), s = Number(m[6] ?? 0);
  const frac = (m[7] ?? "").padEnd(6, "0");
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    return decline(`timestamp text ${JSON.stringify(text)} out of range`);
  }
  if (!frac.endsWith("000")) return decline(`timestamp ${JSON.stringify(text)} has sub-millisecond digits`);
  return daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + Number(frac.slice(0, 3));
}

/** Epoch ms of midnight of 'YYYY-MM-DD'. */
export function parseDate(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return decline(`date text ${JSON.stringify(text)}`);
  return parseTimestamp(text);
}

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** DuckDB's text of a TIMESTAMP: 'YYYY-MM-DD HH:MM:SS' and a fraction without trailing zeros. */
export function formatTimestamp(ms: number): string {
  const day = dayOf(ms), c = civilFromDays(day), t = ms - day * MS_PER_DAY;
  const y = yearOf(c);
  if (y < 1000 || y > 9999) return decline(`timestamp year ${y} to text`);
  let s = `${y}-${pad(monthOf(c), 2)}-${pad(dayOfMonth(c), 2)} ${pad(Math.floor(t / 3_600_000), 2)}:${pad(Math.floor(t / 60_000) % 60, 2)}:${pad(Math.floor(t / 1000) % 60, 2)}`;
  const frac = t % 1000;
  if (frac !== 0) s += "." + pad(frac, 3).replace(/0+$/, "");
  return s;
}

export function formatDate(ms: number): string {
  return formatTimestamp(ms).slice(0, 10);
}

const INTERVAL_UNITS: Record<string, [keyof Interval, number]> = {
  microsecond: ["ms", 0.001], millisecond: ["ms", 1], second: ["ms", 1000], minute: ["ms", 60_000], hour: ["ms", 3_600_000],
  day: ["days", 1], week: ["days", 7], month: ["months", 1], quarter: ["months", 3], year: ["months", 12],
};

/** An interval from text made of '<integer> <unit>' terms ('1 hour 30 minutes', '-1 day'). */
export function parseInterval(text: string): Interval {
  const terms = text.trim().split(/\s+/);
  if (terms.length % 2 !== 0 || terms[0] === "") return decline(`interval text ${JSON.stringify(text)}`);
  const iv = { months: 0, days: 0, ms: 0 };
  for (let k = 0; k < terms.length; k += 2) {
    const n = terms[k]!, unit = terms[k + 1]!.toLowerCase().replace(/s$/, "");
    const u = INTERVAL_UNITS[unit];
    if (!/^-?\d{1,9}$/.test(n) || u === undefined) return decline(`interval text ${JSON.stringify(text)}`);
    iv[u[0]] += Number(n) * u[1];
  }
  if (!Number.isSafeInteger(iv.ms)) return decline(`interval ${JSON.stringify(text)} is not whole milliseconds`);
  return iv;
}

/** INTERVAL n UNIT, which DuckDB's parser turns into to_<unit>(n). */
export function intervalOf(unit: string, n: number): Interval {
  const u = INTERVAL_UNITS[unit.replace(/s$/, "")];
  if (u === undefined) return decline(`interval unit ${unit}`);
  const v = n * u[1];
  if (!Number.isSafeInteger(v)) return decline(`interval of ${n} ${unit} is not whole milliseconds`);
  const iv = { months: 0, days: 0, ms: 0 };
  iv[u[0]] = v;
  return iv;
}
