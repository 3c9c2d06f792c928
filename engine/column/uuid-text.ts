// Canonical UUID text (8-4-4-4-12 hex digits with hyphens, 36 bytes) <-> its 16 raw bytes. Unique
// columns such as event_id store these 16 bytes per value in sealed segments instead of 36 bytes of
// text plus offsets. The text must round-trip exactly, so the case of the hex letters is reported
// and kept per segment: a value that mixes cases is not canonical here.

/** parseUuid result bits: the value has lower-case / upper-case hex letters (both = not storable). */
export const UUID_HAS_LOWER = 1;
export const UUID_HAS_UPPER = 2;
const HYPHEN = 0x2d;

const NIBBLE = /* @__PURE__ */ (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c;
  for (let c = 0; c < 6; c++) { t[0x61 + c] = 10 + c; t[0x41 + c] = 10 + c; }
  return t;
})();
const CASE = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 6; c++) { t[0x61 + c] = UUID_HAS_LOWER; t[0x41 + c] = UUID_HAS_UPPER; }
  return t;
})();
/** Offset in the text of the two hex digits of each of the 16 bytes. */
const DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * Parses text[start, end) as a canonical UUID into out[at, at + 16). Returns -1 when it is not one,
 * else UUID_HAS_LOWER / UUID_HAS_UPPER bits for the letters it contains (0 when all digits).
 */
export function parseUuid(text: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  if (end - start !== 36) return -1;
  if (text[start + 8] !== HYPHEN || text[start + 13] !== HYPHEN || text[start + 18] !== HYPHEN || text[start + 23] !== HYPHEN) return -1;
  let flags = 0, bad = 0;
  for (let j = 0; j < 16; j++) {
    const a = text[start + DIGITS_AT[j]!]!, b = text[start + DIGITS_AT[j]! + 1]!;
    const hi = NIBBLE[a]!, lo = NIBBLE[b]!;
    bad |= hi | lo; // -1 has the sign bit set
    flags |= CASE[a]! | CASE[b]!;
    out[at + j] = (hi << 4) | lo;
  }
  return bad < 0 ? -1 : flags;
}

const HEX_LOWER = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const HEX_UPPER = /* @__PURE__ */ HEX_LOWER.map((s) => s.toUpperCase());

/** Formats bytes[at, at + 16) as canonical UUID text. */
export function formatUuid(bytes: Uint8Array, at: number, upper: boolean): string {
  const h = upper ? HEX_UPPER : HEX_LOWER;
  return h[bytes[at]!]! + h[bytes[at + 1]!]! + h[bytes[at + 2]!]! + h[bytes[at + 3]!]! + "-" +
    h[bytes[at + 4]!]! + h[bytes[at + 5]!]! + "-" + h[bytes[at + 6]!]! + h[bytes[at + 7]!]! + "-" +
    h[bytes[at + 8]!]! + h[bytes[at + 9]!]! + "-" + h[bytes[at + 10]!]! + h[bytes[at + 11]!]! +
    h[bytes[at + 12]!]! + h[bytes[at + 13]!]! + h[bytes[at + 14]!]! + h[bytes[at + 15]!]!;
}

const ASCII_LOWER = /* @__PURE__ */ new TextEncoder().encode("0123456789abcdef");
const ASCII_UPPER = /* @__PURE__ */ new TextEncoder().encode("0123456789ABCDEF");

/** Writes the canonical text of bytes[at, at + 16) as 36 ASCII bytes at out[o, o + 36) (no string made). */
export function formatUuidInto(bytes: Uint8Array, at: number, upper: boolean, out: Uint8Array, o: number): void {
  const digits = upper ? ASCII_UPPER : ASCII_LOWER;
  for (let j = 0; j < 16; j++) {
    const b = bytes[at + j]!, p = o + DIGITS_AT[j]!;
    out[p] = digits[b >> 4]!;
    out[p + 1] = digits[b & 15]!;
  }
  out[o + 8] = HYPHEN; out[o + 13] = HYPHEN; out[o + 18] = HYPHEN; out[o + 23] = HYPHEN;
}
