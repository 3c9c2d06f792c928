// LIKE / ILIKE matchers, built once per pattern. DuckDB's LIKE: `%` matches any run of characters,
// `_` exactly one character (a code point), everything else itself, case-sensitively; there is no
// escape character unless ESCAPE gives one (a backslash is an ordinary character). ILIKE lowers both
// sides as lower() does (case-map.ts) before matching.

import { decline } from "../decline.ts";
import { lowerDuck } from "./case-map.ts";

const REGEX_SYNTAX = /[\^$\\.*+?()[\]{}|/]/g;

interface Token { readonly wild: "%" | "_" | null; readonly text: string }

function tokenize(pattern: string, escape: string | null): Token[] {
  const out: Token[] = [];
  let text = "";
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escape !== null && c === escape) {
      if (i + 1 >= chars.length) decline("LIKE pattern ends with its escape character");
      text += chars[++i]!;
    } else if (c === "%" || c === "_") {
      if (text !== "") out.push({ wild: null, text });
      text = "";
      out.push({ wild: c, text: "" });
    } else text += c;
  }
  if (text !== "") out.push({ wild: null, text });
  return out;
}

/** A predicate for `s LIKE pattern [ESCAPE escape]`; escape "" or null = none. */
export function likeMatcher(pattern: string, escape: string | null): (s: string) => boolean {
  if (escape === "") escape = null;
  if (escape !== null && Array.from(escape).length !== 1) decline("LIKE escape longer than one character");
  const t = tokenize(pattern, escape);
  const lit = (k: number) => t[k]!.wild === null;
  const pct = (k: number) => t[k]!.wild === "%";
  // The shapes dashboards use, without a regular expression.
  if (t.length === 0) return (s) => s === "";
  if (t.length === 1 && lit(0)) { const a = t[0]!.text; return (s) => s === a; }
  if (t.length === 1 && pct(0)) return () => true;
  if (t.length === 2 && lit(0) && pct(1)) { const a = t[0]!.text; return (s) => s.startsWith(a); }
  if (t.length === 2 && pct(0) && lit(1)) { const a = t[1]!.text; return (s) => s.endsWith(a); }
  if (t.length === 3 && pct(0) && lit(1) && pct(2)) { const a = t[1]!.text; return (s) => s.includes(a); }
  let src = "^";
  for (const tok of t) src += tok.wild === "%" ? "[^]*" : tok.wild === "_" ? "[^]" : tok.text.replace(REGEX_SYNTAX, "\\$&");
  const re = new RegExp(src + "$", "u");
  return (s) => re.test(s);
}

/** `s ILIKE pattern`: both sides lowered as DuckDB's lower() does. */
export function ilikeMatcher(pattern: string, escape: string | null): (s: string) => boolean {
  const m = likeMatcher(lowerDuck(pattern), escape === null ? null : lowerDuck(escape));
  return (s) => m(lowerDuck(s));
}
