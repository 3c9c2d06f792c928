// lower()/upper() (and ILIKE, which lowers both sides) as DuckDB computes them. DuckDB maps each
// code point to one code point with utf8proc's tables; JS toLowerCase/toUpperCase apply Unicode's
// full mappings (upper('ß') is 'SS' in JS, 'ẞ' in DuckDB) from another Unicode version. We map per
// code point with JS only where the two were checked to agree (test/unit/engine/query/
// case-map.test.ts compares every code point of these ranges with DuckDB) and the JS mapping is one
// code point; any other character declines the query.

import { decline } from "../decline.ts";

// [from, to) ranges of code points whose JS single-code-point mapping equals DuckDB's. U+019B and
// U+0264 gained case partners in a Unicode version DuckDB's tables do not have yet.
const SAFE: readonly (readonly [number, number])[] = [
  [0x0000, 0x019b], [0x019c, 0x0264], [0x0265, 0x1c80], [0x1d00, 0x1fff], [0x2000, 0x2c00],
  [0x3000, 0xa640], [0xac00, 0xd800], [0x1f000, 0x1fb00],
];

function safe(cp: number): boolean {
  for (const [lo, hi] of SAFE) if (cp >= lo && cp < hi) return true;
  return false;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function mapEach(s: string, upper: boolean): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    const oneCodePoint = m.length === 1 || (m.length === 2 && m.codePointAt(0)! > 0xffff);
    if (!safe(cp) || !oneCodePoint) decline(`case mapping of U+${cp.toString(16)} may differ from DuckDB`);
    out += m;
  }
  return out;
}

export function lowerDuck(s: string): string {
  return isAscii(s) ? s.toLowerCase() : mapEach(s, false);
}

export function upperDuck(s: string): string {
  return isAscii(s) ? s.toUpperCase() : mapEach(s, true);
}
