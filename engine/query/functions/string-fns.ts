// String functions with DuckDB's semantics (utf8.ts, case-map.ts, like.ts, regex.ts). Arguments must
// already be VARCHAR: DuckDB would add implicit casts for other types, which decline here. JSON
// values are refused too: a JSON column may be DuckDB's JSON type, whose functions differ.

import { decline } from "../decline.ts";
import { isInteger, type SqlType } from "../sql-types.ts";
import { lowerDuck, upperDuck } from "./case-map.ts";
import { ilikeMatcher, likeMatcher } from "./like.ts";
import { compileRe2, re2GlobalReplace, re2Replacer, regexOptions } from "./regex.ts";
import type { ScalarDef } from "./scalar-def.ts";
import { codePointLength, strposCodePoints, substringCodePoints, trimSpaces, utf8Length } from "./utf8.ts";
import { strict1, strict2, strict3, type Fn, type Val } from "./value.ts";

/** A def whose arguments are all VARCHAR (count within [min, max]) and whose result is `type`. */
function strings(min: number, max: number, type: SqlType, make: ScalarDef["make"]): ScalarDef {
  return {
    bind(args) {
      if (args.length < min || args.length > max || args.some((a) => a.type !== "VARCHAR" && a.type !== "NULL")) {
        return decline(`string function over (${args.map((a) => a.type).join(", ")})`);
      }
      return type;
    },
    paramType: () => "VARCHAR",
    make,
  };
}

const unary = (type: SqlType, f: (s: string) => Val) => strings(1, 1, type, (args) => strict1<string>(args[0]!, f));
const binary = (type: SqlType, f: (s: string, t: string) => Val) => strings(2, 2, type, (args) => strict2<string, string>(args[0]!, args[1]!, f));

/** A matcher built once when the pattern is constant, else per row (cached for repeats). */
function withPattern(args: readonly Fn[], consts: readonly (Val | undefined)[], k: number, build: (p: string) => (s: string) => Val): Fn {
  const p = consts[k];
  if (p === null) return () => null;
  if (typeof p === "string") { const m = build(p); return strict1<string>(args[0]!, m); }
  let lastP: string | null = null, lastM: ((s: string) => Val) | null = null;
  return strict2<string, string>(args[0]!, args[k]!, (s, pat) => {
    if (pat !== lastP) { lastP = pat; lastM = build(pat); }
    return lastM!(s);
  });
}

function like(ci: boolean, negate: boolean, withEscape: boolean): ScalarDef {
  return strings(withEscape ? 3 : 2, withEscape ? 3 : 2, "BOOLEAN", (args, consts) => {
    const esc = withEscape ? consts[2] : null;
    if (withEscape && esc === undefined) return decline("LIKE with a non-constant escape");
    if (esc === null && withEscape) return () => null;
    const make = ci ? ilikeMatcher : likeMatcher;
    return withPattern(args, consts, 1, (p) => { const m = make(p, esc as string | null); return negate ? (s) => !m(s) : m; });
  });
}

/** Checks constant patterns and options at bind time, so a plan never holds one we would decline. */
function checkingRegex(def: ScalarDef, optionsAt: number, global: boolean): ScalarDef {
  return {
    ...def,
    bind(args) {
      const type = def.bind(args);
      const p = args[1]!, o = args[optionsAt];
      if (p.kind === "const" && typeof p.value === "string") compileRe2(p.value, false);
      if (o !== undefined && o.kind === "const" && typeof o.value === "string") regexOptions(o.value, global);
      return type;
    },
  };
}

function regexpMatches(anchored: boolean): ScalarDef {
  return checkingRegex(strings(2, 3, "BOOLEAN", (args, consts) => {
    if (args.length === 3 && typeof consts[2] !== "string") return decline("regexp options not constant");
    if (args.length === 3) regexOptions(consts[2] as string, false);
    if (typeof consts[1] !== "string" && consts[1] !== null) return decline("regular expression not constant");
    return withPattern(args, consts, 1, (p) => { const re = compileRe2(p, anchored); return (s) => re.test(s); });
  }), 2, false);
}

const regexpReplace = checkingRegex(strings(3, 4, "VARCHAR", (args, consts) => {
  const [, p, rewrite, opts] = consts;
  if (typeof p !== "string" || typeof rewrite !== "string" || (args.length === 4 && typeof opts !== "string")) {
    return decline("regexp_replace with non-constant pattern, rewrite or options");
  }
  const { global } = regexOptions(args.length === 4 ? (opts as string) : "", true);
  const src = compileRe2(p, false);
  const re = new RegExp(src.source, global ? "gu" : "u");
  const groups = new RegExp(`${src.source}|`, "u").exec("")!.length - 1;
  const rep = re2Replacer(rewrite, groups);
  if (global) return strict1<string>(args[0]!, (s) => re2GlobalReplace(s, re, (m) => rep(m)));
  return strict1<string>(args[0]!, (s) => s.replace(re, (...m: unknown[]) => rep(m.slice(0, groups + 1) as string[])));
}), 3, true);

const substring: ScalarDef = {
  bind(args) {
    const ok = (args.length === 2 || args.length === 3) && args[0]!.type === "VARCHAR" && args.slice(1).every((a) => isInteger(a.type) || a.type === "NULL");
    return ok ? "VARCHAR" : decline(`substring over (${args.map((a) => a.type).join(", ")})`);
  },
  paramType: (i) => (i === 0 ? "VARCHAR" : "BIGINT"),
  make(args) {
    if (args.length === 2) return strict2<string, number>(args[0]!, args[1]!, (s, from) => substringCodePoints(s, from, Infinity));
    return strict3<string, number, number>(args[0]!, args[1]!, args[2]!, (s, from, n) => substringCodePoints(s, from, n));
  },
};

const concat: ScalarDef = {
  bind(args) {
    if (args.length === 0 || args.some((a) => a.type !== "VARCHAR" && a.type !== "NULL" && !isInteger(a.type))) {
      return decline(`concat over (${args.map((a) => a.type).join(", ")})`);
    }
    return "VARCHAR";
  },
  paramType: () => "VARCHAR",
  make: (args) => (i) => {
    let s = "";
    for (const a of args) { const v = a(i); if (v !== null) s += String(v); }
    return s;
  },
};

export const STRING_FUNCTIONS: Record<string, ScalarDef> = {
  lower: unary("VARCHAR", lowerDuck),
  upper: unary("VARCHAR", upperDuck),
  length: unary("BIGINT", codePointLength),
  strlen: unary("BIGINT", utf8Length),
  trim: unary("VARCHAR", (s) => trimSpaces(s, true, true)),
  ltrim: unary("VARCHAR", (s) => trimSpaces(s, true, false)),
  rtrim: unary("VARCHAR", (s) => trimSpaces(s, false, true)),
  strpos: binary("BIGINT", strposCodePoints),
  contains: binary("BOOLEAN", (s, t) => s.includes(t)),
  starts_with: binary("BOOLEAN", (s, t) => s.startsWith(t)),
  ends_with: binary("BOOLEAN", (s, t) => s.endsWith(t)),
  replace: strings(3, 3, "VARCHAR", (args) => strict3<string, string, string>(args[0]!, args[1]!, args[2]!, (s, from, to) => (from === "" ? s : s.split(from).join(to)))),
  "||": binary("VARCHAR", (s, t) => s + t),
  substring,
  concat,
  "~~": like(false, false, false),
  "!~~": like(false, true, false),
  "~~*": like(true, false, false),
  "!~~*": like(true, true, false),
  like_escape: like(false, false, true),
  not_like_escape: like(false, true, true),
  regexp_matches: regexpMatches(false),
  regexp_full_match: regexpMatches(true),
  regexp_replace: regexpReplace,
};
