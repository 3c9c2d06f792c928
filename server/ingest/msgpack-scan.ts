// Frames MessagePack items without decoding them: where each item ends, and whether it holds
// something Caracal refuses. msgpackr decodes the items afterwards, one at a time, so a bad event
// costs only itself and the dead letter can carry its exact bytes.
//
// Refused inside an item (a per-event `invalid_msgpack`): map keys that are not strings (msgpackr
// would silently turn 1 into "1"), binary values, and extension types other than -1 (the standard
// timestamp; msgpackr would otherwise build Sets, Errors, RegExps or record definitions from client
// bytes). Nesting past MSGPACK_DEPTH_MAX is refused too, before msgpackr's recursion meets it.
// Framing failures (truncation, the never-used byte 0xc1, counts that cannot fit) are returned as
// such: after one, no later item can be found, so the caller fails the whole body.
//
// Allocation: none per item; a fixed stack of open containers is reused.

/** Deepest nesting of maps and arrays accepted inside one event. */
export const MSGPACK_DEPTH_MAX = 256;

export const ItemProblem = { NONE: 0, KEY: 1, BINARY: 2, EXTENSION: 3, DEPTH: 4 } as const;

/** Details of the last scan: a framing error, or the first refused thing in the item. */
export const scanResult = { problem: 0 as number, problemAt: 0, extType: 0, error: "", errorAt: 0, headerLength: 0 };

const remaining = new Float64Array(MSGPACK_DEPTH_MAX + 1);
const isMap = new Uint8Array(MSGPACK_DEPTH_MAX + 1);

/** Byte length of a token's header (before its payload or children) and of its payload. */
let headLen = 0, payloadLen = 0, childCount = 0;
const KIND_SCALAR = 0, KIND_STRING = 1, KIND_MAP = 2, KIND_ARRAY = 3, KIND_BINARY = 4, KIND_EXT = 5, KIND_INVALID = 6;

/** Reads the token at `at`; sets headLen/payloadLen/childCount and returns its kind. */
function token(b: Uint8Array, at: number, end: number, view: DataView): number {
  const t = b[at]!;
  payloadLen = 0;
  childCount = 0;
  headLen = 1;
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return KIND_SCALAR;
  if (t <= 0x8f) { childCount = (t & 0x0f) * 2; return KIND_MAP; }
  if (t <= 0x9f) { childCount = t & 0x0f; return KIND_ARRAY; }
  if (t <= 0xbf) { payloadLen = t & 0x1f; return KIND_STRING; }
  const left = end - at; // bytes from the token on; a header longer than this is truncated
  switch (t) {
    case 0xca: headLen = 5; return KIND_SCALAR;
    case 0xcb: headLen = 9; return KIND_SCALAR;
    case 0xcc: case 0xd0: headLen = 2; return KIND_SCALAR;
    case 0xcd: case 0xd1: headLen = 3; return KIND_SCALAR;
    case 0xce: case 0xd2: headLen = 5; return KIND_SCALAR;
    case 0xcf: case 0xd3: headLen = 9; return KIND_SCALAR;
    case 0xd9: case 0xc4: if (left < 2) return KIND_INVALID; headLen = 2; payloadLen = b[at + 1]!; break;
    case 0xda: case 0xc5: if (left < 3) return KIND_INVALID; headLen = 3; payloadLen = view.getUint16(at + 1); break;
    case 0xdb: case 0xc6: if (left < 5) return KIND_INVALID; headLen = 5; payloadLen = view.getUint32(at + 1); break;
    case 0xdc: if (left < 3) return KIND_INVALID; headLen = 3; childCount = view.getUint16(at + 1); return KIND_ARRAY;
    case 0xdd: if (left < 5) return KIND_INVALID; headLen = 5; childCount = view.getUint32(at + 1); return KIND_ARRAY;
    case 0xde: if (left < 3) return KIND_INVALID; headLen = 3; childCount = view.getUint16(at + 1) * 2; return KIND_MAP;
    case 0xdf: if (left < 5) return KIND_INVALID; headLen = 5; childCount = view.getUint32(at + 1) * 2; return KIND_MAP;
    case 0xd4: headLen = 2; payloadLen = 1; return KIND_EXT;
    case 0xd5: headLen = 2; payloadLen = 2; return KIND_EXT;
    case 0xd6: headLen = 2; payloadLen = 4; return KIND_EXT;
    case 0xd7: headLen = 2; payloadLen = 8; return KIND_EXT;
    case 0xd8: headLen = 2; payloadLen = 16; return KIND_EXT;
    case 0xc7: if (left < 3) return KIND_INVALID; headLen = 3; payloadLen = b[at + 1]!; return KIND_EXT;
    case 0xc8: if (left < 4) return KIND_INVALID; headLen = 4; payloadLen = view.getUint16(at + 1); return KIND_EXT;
    case 0xc9: if (left < 6) return KIND_INVALID; headLen = 6; payloadLen = view.getUint32(at + 1); return KIND_EXT;
    default: return KIND_INVALID; // 0xc1, never used
  }
  return t >= 0xd9 ? KIND_STRING : KIND_BINARY;
}

/** Kind of the item at `at` for messages: "a map", "a string", ... */
export function itemKindName(b: Uint8Array, at: number): string {
  const kind = token(b, at, b.length, new DataView(b.buffer, b.byteOffset, b.byteLength));
  return ["a number, boolean or nil", "a string", "a map", "an array", "binary data", "an extension value", "an invalid byte"][kind]!;
}

/** The element count of the array at `at` (its header is scanResult.headerLength bytes), or -1. */
export function arrayHeader(b: Uint8Array, at: number, end: number, view: DataView): number {
  if (at >= end || token(b, at, end, view) !== KIND_ARRAY) return -1;
  scanResult.headerLength = headLen;
  return childCount;
}

/** The entry count of the map at `at` (its header is scanResult.headerLength bytes), or -1. */
export function mapHeader(b: Uint8Array, at: number, end: number, view: DataView): number {
  if (at >= end || token(b, at, end, view) !== KIND_MAP) return -1;
  scanResult.headerLength = headLen;
  return childCount / 2;
}

/** True when the item at `at` is a string. */
export function isStringAt(b: Uint8Array, at: number): boolean {
  const t = b[at]!;
  return (t >= 0xa0 && t <= 0xbf) || t === 0xd9 || t === 0xda || t === 0xdb;
}

/** True when the item at `at` is a map (an event). */
export function isMapAt(b: Uint8Array, at: number): boolean {
  const t = b[at]!;
  return (t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf;
}

/**
 * Returns the end of the item starting at `at`, or -1 on a framing error (scanResult.error,
 * scanResult.errorAt). scanResult.problem says whether the item holds something refused.
 *
 * The open container's state lives in locals (`left` values to read, `inMap`); the stack holds
 * only the containers around it. The common tokens (small ints, short strings, small maps and
 * arrays) are handled inline; the rest go through token().
 */
export function scanItem(b: Uint8Array, at: number, end: number, view: DataView): number {
  scanResult.problem = ItemProblem.NONE;
  let depth = 0, left = 1, inMap = false;
  for (;;) {
    if (left === 0) {
      if (depth === 0) return at;
      depth--;
      left = remaining[depth]!;
      inMap = isMap[depth] === 1;
      continue;
    }
    left--;
    // A map of n entries holds 2n values, keys first: a key is read when an odd count is left.
    const isKey = inMap && (left & 1) === 1;
    if (at >= end) return framingError(at, "item ends before its last value");
    const t = b[at]!;
    const tokenAt = at;
    if (t >= 0xa0 && t <= 0xbf) { // fixstr
      at += 1 + (t & 0x1f);
      if (at > end) return framingError(end, "string runs past the end");
      continue;
    }
    if (isKey && (t < 0xd9 || t > 0xdb)) problem(ItemProblem.KEY, at); // not str8/16/32 either
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) { at++; continue; }
    let children: number, map: boolean;
    if (t <= 0x9f) { // fixmap, fixarray
      map = t <= 0x8f;
      children = map ? (t & 0x0f) * 2 : t & 0x0f;
      at++;
    } else {
      const kind = token(b, at, end, view);
      if (kind === KIND_INVALID) return framingError(at, t === 0xc1 ? "byte 0xc1 is never used" : "truncated header");
      if (kind === KIND_BINARY) problem(ItemProblem.BINARY, at);
      else if (kind === KIND_EXT) checkExtension(b[at + headLen - 1]!, payloadLen, at);
      const next = at + headLen + payloadLen;
      if (next > end) return framingError(at, `value of ${headLen + payloadLen} bytes runs past the end`);
      at = next;
      if (kind !== KIND_MAP && kind !== KIND_ARRAY) continue;
      map = kind === KIND_MAP;
      children = childCount;
    }
    if (children === 0) continue;
    // Every child takes at least one byte: a count that cannot fit is a lie, not a big event.
    if (children > end - at) return framingError(tokenAt, `container of ${children} values cannot fit in ${end - at} bytes`);
    if (depth === MSGPACK_DEPTH_MAX) {
      problem(ItemProblem.DEPTH, tokenAt);
      at = skipCounting(b, at, end, view, children);
      if (at < 0) return -1;
      continue;
    }
    remaining[depth] = left;
    isMap[depth] = inMap ? 1 : 0;
    depth++;
    left = children;
    inMap = map;
  }
}

/** Only the standard timestamp extension (-1, 4, 8 or 12 bytes) is accepted. */
function checkExtension(type: number, length: number, at: number): void {
  if (type === 0xff && (length === 4 || length === 8 || length === 12)) return;
  if (scanResult.problem === ItemProblem.NONE) scanResult.extType = type > 127 ? type - 256 : type;
  problem(ItemProblem.EXTENSION, at);
}

/** Skips `count` values without tracking keys (past the depth limit, the item is refused anyway). */
function skipCounting(b: Uint8Array, at: number, end: number, view: DataView, count: number): number {
  let pending = count;
  while (pending > 0) {
    if (at >= end) return framingError(at, "item ends before its last value");
    const kind = token(b, at, end, view);
    if (kind === KIND_INVALID) return framingError(at, "invalid byte");
    at += headLen + payloadLen;
    if (at > end) return framingError(at, "value runs past the end");
    pending += childCount - 1;
    if (childCount > end - at) return framingError(at, `container of ${childCount} values cannot fit in ${end - at} bytes`);
  }
  return at;
}

function problem(p: number, at: number): void {
  if (scanResult.problem !== ItemProblem.NONE) return;
  scanResult.problem = p;
  scanResult.problemAt = at;
}

function framingError(at: number, why: string): number {
  scanResult.error = why;
  scanResult.errorAt = at;
  return -1;
}

/** The message for a refused item, from scanResult. */
export function problemMessage(): string {
  const at = scanResult.problemAt;
  switch (scanResult.problem) {
    case ItemProblem.KEY: return `map key at byte ${at} is not a string; event keys must be strings`;
    case ItemProblem.BINARY: return `binary value at byte ${at}; send text as strings`;
    case ItemProblem.EXTENSION: return `extension type ${scanResult.extType} at byte ${at} is not supported (only -1, timestamp)`;
    default: return `nesting deeper than ${MSGPACK_DEPTH_MAX} at byte ${at}`;
  }
}
