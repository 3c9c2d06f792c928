// Where a JSON text goes wrong. JavaScriptCore's JSON.parse says what is wrong but not where, and a
// client fixing a 10 MB body needs the line and column. This scanner runs only after JSON.parse
// has failed, so it is written for clarity, not speed. It checks RFC 8259 syntax only.

export interface JsonErrorPosition {
  /** Index (UTF-16 code units) of the first character that cannot continue a valid text. */
  offset: number;
  /** 1-based line and column of `offset`. */
  line: number;
  column: number;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The first offending position in `text`; null when `text` is valid JSON. */
export function jsonErrorPosition(text: string): JsonErrorPosition | null {
  const at = firstError(text);
  if (at < 0) return null;
  let line = 1, lineStart = 0;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: at, line, column: at - lineStart + 1 };
}

// Scanner states: what may come next.
const VALUE = 0, VALUE_OR_CLOSE = 1, KEY = 2, KEY_OR_CLOSE = 3, AFTER_VALUE = 4;
const OBJECT = 1, ARRAY = 2;

/** -1 when valid; otherwise the offset of the first error (text.length for an early end). */
function firstError(s: string): number {
  const stack: number[] = [];
  let i = 0, state = VALUE;
  for (;;) {
    i = skipWs(s, i);
    const c = s[i];
    if (state === AFTER_VALUE) {
      if (stack.length === 0) return i === s.length ? -1 : i;
      const top = stack[stack.length - 1];
      if (c === ",") state = top === OBJECT ? KEY : VALUE;
      else if (c === (top === OBJECT ? "}" : "]")) stack.pop();
      else return i;
      i++;
    } else if ((state === KEY_OR_CLOSE && c === "}") || (state === VALUE_OR_CLOSE && c === "]")) {
      stack.pop();
      i++;
      state = AFTER_VALUE;
    } else if (state === KEY || state === KEY_OR_CLOSE) {
      const end = keyEnd(s, i);
      if (end < 0) return -end - 1;
      i = end;
      state = VALUE;
    } else if (c === "{" || c === "[") {
      stack.push(c === "{" ? OBJECT : ARRAY);
      i++;
      state = c === "{" ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
    } else {
      const end = scalarEnd(s, i);
      if (end < 0) return -end - 1;
      i = end;
      state = AFTER_VALUE;
    }
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length && WS.has(s.charCodeAt(i))) i++;
  return i;
}

/** Skips `"key" :`; returns the index after the colon, or -(error+1). */
function keyEnd(s: string, i: number): number {
  if (s[i] !== '"') return -(i + 1);
  const end = stringEnd(s, i);
  if (end < 0) return end;
  i = skipWs(s, end);
  return s[i] === ":" ? i + 1 : -(i + 1);
}

/** The end of the string, number or literal starting at i, or -(error+1). */
function scalarEnd(s: string, i: number): number {
  if (s[i] === '"') return stringEnd(s, i);
  for (const lit of ["true", "false", "null"]) {
    if (s.startsWith(lit, i)) return i + lit.length;
  }
  return numberEnd(s, i);
}

function stringEnd(s: string, i: number): number {
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -(i + 1);
    if (c === 0x5c) {
      const e = s[i + 1];
      if (e === "u") {
        if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) return -(i + 1);
        i += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
      else return -(i + 1);
    }
  }
  return -(s.length + 1);
}

function numberEnd(s: string, i: number): number {
  const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(s.slice(i, i + 400));
  if (!m) return -(i + 1);
  return i + m[0].length;
}
