// DuckDB's regular expressions are RE2; ours are JS RegExp with the `u` flag. The two agree on a
// core of constructs, so a pattern is translated token by token and anything outside that core
// declines: lookarounds, backreferences, flags groups, named groups, Unicode classes (\p), POSIX
// classes, \A \z \Q..\E, octal and hex escapes. Translations where the dialects differ:
//   `.`  RE2 matches anything but \n; JS also refuses \r, U+2028, U+2029    -> [^\n]
//   \s   RE2 is [\t\n\f\r ]; JS adds \v and Unicode spaces                    -> [\t\n\f\r ]
//   `{`  RE2 reads it literally unless it starts a repetition; JS /u rejects -> \{
// Repetition counts above 1000 are an error in RE2 and decline here.

import { decline } from "../decline.ts";

const SYNTAX = "^$\\.*+?()[]{}|/";
const SPACE = "\\t\\n\\f\\r ";

function escapeOutside(n: string): string {
  if ("dDwWbBntrfv".includes(n)) return "\\" + n;
  if (n === "s") return `[${SPACE}]`;
  if (n === "S") return `[^${SPACE}]`;
  if (n === "-") return "-";
  if (SYNTAX.includes(n)) return "\\" + n;
  return decline(`regular expression escape \\${n}`);
}

function escapeInside(n: string): string {
  if ("dDwWntrfv".includes(n)) return "\\" + n;
  if (n === "s") return SPACE;
  if (n === "-" || SYNTAX.includes(n)) return "\\" + n;
  return decline(`regular expression escape \\${n} in a class`);
}

/** Translates a character class starting at p[i] === "["; returns [source, next index]. */
function translateClass(p: string, i: number): [string, number] {
  let j = i + 1, out = "[";
  if (p[j] === "^") { out += "^"; j++; }
  if (p[j] === "]") { out += "\\]"; j++; }
  for (;;) {
    const c = p[j];
    if (c === undefined) return decline("unterminated character class");
    if (c === "]") return [out + "]", j + 1];
    if (c === "[") return decline("POSIX or nested character class");
    if (c === "\\") {
      const n = p[j + 1];
      if (n === undefined) return decline("pattern ends with a backslash");
      out += escapeInside(n);
      j += 2;
    } else {
      out += c;
      j++;
    }
  }
}

/** JS RegExp source equivalent to the RE2 pattern `p` (use with the `u` flag), or a Decline. */
export function re2ToJs(p: string): string {
  let out = "", depth = 0, atom = false;
  for (let i = 0; i < p.length;) {
    const c = p[i]!;
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) return decline("pattern ends with a backslash");
      out += escapeOutside(n);
      atom = n !== "b" && n !== "B";
      i += 2;
    } else if (c === "[") {
      const [cls, next] = translateClass(p, i);
      out += cls; atom = true; i = next;
    } else if (c === "(") {
      if (p[i + 1] === "?") {
        if (p[i + 2] !== ":") return decline("regular expression group (?...)");
        out += "(?:"; i += 3;
      } else { out += "("; i++; }
      depth++; atom = false;
    } else if (c === ")") {
      if (--depth < 0) return decline("unbalanced parenthesis");
      out += ")"; atom = true; i++;
    } else if (c === "*" || c === "+" || c === "?") {
      if (!atom) return decline("repetition without an argument");
      out += c; i++;
      if (p[i] === "?") { out += "?"; i++; }
      atom = false;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (m === null) { out += "\\{"; atom = true; i++; continue; }
      if (!atom) return decline("repetition without an argument");
      if (Number(m[1]) > 1000 || (m[3] !== undefined && m[3] !== "" && Number(m[3]) > 1000)) return decline("repetition count above 1000");
      out += m[0]; i += m[0].length;
      if (p[i] === "?") { out += "?"; i++; }
      atom = false;
    } else {
      out += c === "." ? "[^\\n]" : c === "}" || c === "]" ? "\\" + c : c === "/" ? "\\/" : c;
      atom = c !== "^" && c !== "$" && c !== "|";
      i++;
    }
  }
  if (depth !== 0) return decline("unbalanced parenthesis");
  return out;
}

export function compileRe2(p: string, anchored: boolean): RegExp {
  const src = re2ToJs(p);
  try {
    return new RegExp(anchored ? `^(?:${src})$` : src, "u");
  } catch {
    return decline(`regular expression ${JSON.stringify(p)} not accepted by JS`);
  }
}

/** Options of regexp_matches / regexp_replace: only the defaults and `g` (replace all) are handled. */
export function regexOptions(opts: string, allowGlobal: boolean): { global: boolean } {
  let global = false;
  for (const o of opts) {
    if (o === "g" && allowGlobal) global = true;
    else if (o !== "c") decline(`regular expression option '${o}'`);
  }
  return { global };
}

/**
 * RE2's rewrite string as a replacer: \0-\9 insert a group (a missing group is an error in DuckDB,
 * so it declines), \\ a backslash, any other backslash sequence declines; `$` is an ordinary char.
 */
export function re2Replacer(rewrite: string, groups: number): (m: string[]) => string {
  const parts: (string | number)[] = [];
  let text = "";
  for (let i = 0; i < rewrite.length; i++) {
    const c = rewrite[i]!;
    if (c !== "\\") { text += c; continue; }
    const n = rewrite[++i];
    if (n === "\\") { text += "\\"; continue; }
    if (n === undefined || n < "0" || n > "9") return decline("regexp_replace rewrite escape");
    if (Number(n) > groups) return decline("regexp_replace rewrite names a missing group");
    parts.push(text, Number(n));
    text = "";
  }
  parts.push(text);
  return (m) => {
    let s = "";
    for (const part of parts) s += typeof part === "number" ? (m[part] ?? "") : part;
    return s;
  };
}

/**
 * RE2::GlobalReplace: like a global JS replace, except that an empty match right where the previous
 * match ended is skipped (JS takes it: 'sale' with a* -> '-s--l-e-' in JS, '-s-l-e-' in RE2).
 * `re` must have the g and u flags.
 */
export function re2GlobalReplace(s: string, re: RegExp, rep: (m: RegExpExecArray) => string): string {
  let out = "", p = 0, lastEnd = -1;
  while (p <= s.length) {
    re.lastIndex = p;
    const m = re.exec(s);
    if (m === null) break;
    const start = m.index, end = start + m[0].length;
    if (p < start) out += s.slice(p, start);
    if (start === end && start === lastEnd) {
      const n = s.codePointAt(start)! > 0xffff ? 2 : 1;
      if (start < s.length) out += s.slice(start, start + n);
      p = start + n;
      continue;
    }
    out += rep(m);
    p = lastEnd = end;
  }
  if (p < s.length) out += s.slice(p);
  return out;
}
