// Proleptic Gregorian calendar arithmetic on epoch milliseconds (UTC, which is DuckDB's TimeZone
// here), without Date objects: the hot loops call these per row. Day <-> civil date conversions are
// Howard Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html), exact for every
// date a float64 millisecond count can hold.

export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of `ms` (floor, so times before 1970 fall on the right day). */
export function dayOf(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** Days since 1970-01-01 of the civil date y-m-d (m 1..12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number, packed as year * 10000 + month * 100 + day. */
export function civilFromDays(z: number): number {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y * 10000 + m * 100 + d;
}

export function yearOf(packed: number): number {
  return Math.floor(packed / 10000);
}

export function monthOf(packed: number): number {
  return Math.floor(packed / 100) % 100;
}

export function dayOfMonth(packed: number): number {
  return packed % 100;
}

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** ISO day of week of a day number: 1 = Monday .. 7 = Sunday (1970-01-01 was a Thursday). */
export function isoDow(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** ISO-8601 week-numbering year and week of a day number, packed as isoYear * 100 + week. */
export function isoWeek(day: number): number {
  const thursday = day - isoDow(day) + 4; // the week's Thursday decides its year
  const y = yearOf(civilFromDays(thursday));
  const week = Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1;
  return y * 100 + week;
}

/** `ms` moved by `months` calendar months, the day clamped to the target month's length. */
export function addMonths(ms: number, months: number): number {
  const day = dayOf(ms), timeOfDay = ms - day * MS_PER_DAY;
  const c = civilFromDays(day);
  const total = yearOf(c) * 12 + (monthOf(c) - 1) + months;
  const y = Math.floor(total / 12), m = total - y * 12 + 1;
  const d = Math.min(dayOfMonth(c), daysInMonth(y, m));
  return daysFromCivil(y, m, d) * MS_PER_DAY + timeOfDay;
}
