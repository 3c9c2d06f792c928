// Event times as clients send them -> epoch milliseconds. Owns the accepted forms; range rules
// (too early, too far in the future) belong to the validator, which knows the receive time.
//
// Accepted: a finite number of epoch milliseconds; the same as a decimal string ("1700000000000");
// an ISO-8601 / RFC 3339 string `YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)fraction]][Z|z|±hh[:]mm|±hh]]`
// (date-only means midnight UTC, a time without a zone is read as UTC, never as server-local time);
// a Date (MessagePack timestamp extension). Fractions of a millisecond are truncated.
// Not accepted: anything Date.parse would guess at ("March 7", "07/03/2024"), whose meaning
// depends on the engine and the server's locale. Parsing allocates nothing.

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** True when `s` is a plain decimal number: no spaces, no hex, no "Infinity", not empty. */
export function isNumericString(s: string): boolean {
  return s.length > 0 && s.length < 64 && NUMERIC.test(s);
}

/** Epoch milliseconds, or NaN when `v` is not a timestamp in an accepted form. */
export function parseTimestamp(v: unknown): number {
  if (typeof v === "number") return Number.isFinite(v) ? Math.trunc(v) : NaN;
  if (typeof v === "string") {
    const c = v.charCodeAt(0);
    // A date starts with 4 digits and a dash; anything else starting like a number is epoch ms.
    if (v.length >= 10 && v.charCodeAt(4) === 45 /* - */ && c >= 48 && c <= 57) return parseIso(v);
    return isNumericString(v) ? Math.trunc(Number(v)) : NaN;
  }
  if (v instanceof Date) return v.getTime();
  return NaN;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Milliseconds in 400 Gregorian years (146097 days): shifts years 0-99 past Date.UTC's 19xx rule. */
const MS_PER_400_YEARS = 146097 * 86_400_000;

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // NaN past the end fails too
    v = v * 10 + d;
  }
  return v;
}

/** Parses the ISO-8601 forms listed above; NaN on any deviation. */
export function parseIso(s: string): number {
  const len = s.length;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || s.charCodeAt(7) !== 45) return NaN;
  const leap = mo === 2 && (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
  if (d > DAYS_IN_MONTH[mo - 1]! + (leap ? 1 : 0)) return NaN;
  let h = 0, mi = 0, sec = 0, ms = 0, offsetMin = 0, at = 10;
  if (len > 10) {
    const sep = s.charCodeAt(10);
    if (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32) return NaN;
    h = digits(s, 11, 2); mi = digits(s, 14, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s.charCodeAt(13) !== 58 /* : */) return NaN;
    at = 16;
    if (s.charCodeAt(at) === 58) {
      sec = digits(s, at + 1, 2);
      if (sec < 0 || sec > 59) return NaN;
      at += 3;
      const dot = s.charCodeAt(at);
      if (dot === 46 /* . */ || dot === 44 /* , */) {
        const start = ++at;
        while (at < len && s.charCodeAt(at) >= 48 && s.charCodeAt(at) <= 57) at++;
        if (at === start) return NaN;
        // Milliseconds are the first three fraction digits; further digits are truncated.
        for (let i = 0; i < 3; i++) ms = ms * 10 + (start + i < at ? s.charCodeAt(start + i) - 48 : 0);
      }
    }
    if (at < len) {
      const z = s.charCodeAt(at);
      if (z === 90 /* Z */ || z === 122 /* z */) at++;
      else if (z === 43 /* + */ || z === 45 /* - */) {
        const oh = digits(s, at + 1, 2);
        at += 3;
        let om = 0;
        if (at < len) {
          if (s.charCodeAt(at) === 58) at++;
          om = digits(s, at, 2);
          at += 2;
        }
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
        offsetMin = (z === 43 ? 1 : -1) * (oh * 60 + om);
      } else return NaN;
    }
  }
  if (at !== len) return NaN;
  // Date.UTC reads years 0-99 as 1900-1999; 400 years later the calendar repeats exactly.
  if (y < 100) return Date.UTC(y + 400, mo - 1, d, h, mi, sec, ms) - MS_PER_400_YEARS - offsetMin * 60_000;
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
}
