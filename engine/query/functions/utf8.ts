// String operations with DuckDB's semantics on JS strings. DuckDB strings are UTF-8 and compare
// byte-wise, which is code-point order; JS compares UTF-16 code units, which differs once a
// supplementary character (a surrogate pair) meets a BMP character above U+D7FF. Lengths and
// positions count code points (DuckDB's length/substring/strpos), not UTF-16 units.

/** Code-point order of a and b (negative, 0, positive): DuckDB's VARCHAR order. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) stand for code points above FFFF: move them above E000-FFFF.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

function hasSurrogates(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/** Number of code points (DuckDB length()). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

/** Bytes of the UTF-8 encoding (DuckDB strlen()). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n;
}

/**
 * DuckDB substring(s, start, length) on code points: start is 1-based, 0 means one before the first
 * character, a negative start counts from the end; a negative length takes characters before start.
 * The range is then clipped to the string. length Infinity = to the end.
 */
export function substringCodePoints(s: string, start: number, length: number): string {
  const chars: string | string[] = hasSurrogates(s) ? Array.from(s) : s;
  const size = chars.length;
  const from = start > 0 ? start - 1 : start < 0 ? size + start : -1;
  let lo = length >= 0 ? from : from + length;
  let hi = length >= 0 ? from + length : from;
  lo = Math.max(0, Math.min(size, lo));
  hi = Math.max(0, Math.min(size, hi));
  if (lo >= hi) return "";
  return typeof chars === "string" ? chars.slice(lo, hi) : chars.slice(lo, hi).join("");
}

/** 1-based code-point position of the first occurrence of needle in s, 0 when absent (strpos). */
export function strposCodePoints(s: string, needle: string): number {
  const at = s.indexOf(needle);
  if (at < 0) return 0;
  return codePointLength(s.slice(0, at)) + 1;
}

/** DuckDB trim/ltrim/rtrim without a character list: removes spaces (U+0020) only. */
export function trimSpaces(s: string, left: boolean, right: boolean): string {
  let lo = 0, hi = s.length;
  if (left) while (lo < hi && s.charCodeAt(lo) === 32) lo++;
  if (right) while (hi > lo && s.charCodeAt(hi - 1) === 32) hi--;
  return s.slice(lo, hi);
}
