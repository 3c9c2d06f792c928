// Which statements a client may run: reads only. DuckDB's prepared statement type is the authority
// (SELECT, or EXPLAIN of a SELECT); the leading keyword is checked first so that a write is refused
// before DuckDB binds it (COPY ... TO would otherwise fail on file permissions with a message that
// does not say why it was refused) and so that PRAGMA, which DuckDB rewrites into a SELECT, is refused
// as the statement the client wrote.
//
// DESCRIBE, SHOW, SUMMARIZE and PIVOT are SELECTs to DuckDB; EXPLAIN ANALYZE runs its statement, so
// its inner statement must itself be a read.

import { EngineError } from "../engine/core/errors.ts";

/** Keywords a read statement may start with (after comments and opening parentheses). */
const READ_KEYWORDS = new Set([
  "SELECT", "WITH", "FROM", "VALUES", "TABLE", "DESCRIBE", "DESC", "SHOW", "SUMMARIZE", "EXPLAIN",
  "PIVOT", "UNPIVOT", "PIVOT_WIDER", "PIVOT_LONGER",
]);

export const READS_ALLOWED = "only read statements (SELECT, WITH, DESCRIBE, SHOW, EXPLAIN, SUMMARIZE) are allowed";

export function forbidden(kind: string): EngineError {
  return new EngineError("sql_forbidden", `${READS_ALLOWED}; got ${kind}`, { statement: kind });
}

/** Index of the first character at or after `i` that is not whitespace or inside a comment. */
function skipBlank(sql: string, i: number): number {
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") i++;
    else if (c === "-" && sql[i + 1] === "-") { const nl = sql.indexOf("\n", i); i = nl < 0 ? sql.length : nl + 1; }
    else if (c === "/" && sql[i + 1] === "*") { const end = sql.indexOf("*/", i + 2); i = end < 0 ? sql.length : end + 2; }
    else break;
  }
  return i;
}

interface Keyword { readonly word: string; readonly start: number; readonly end: number }

/** The keyword starting at or after `i` (comments and blanks skipped), upper-cased; "" if none. */
function keywordAt(sql: string, i: number, skipParens: boolean): Keyword {
  let start = skipBlank(sql, i);
  while (skipParens && sql[start] === "(") start = skipBlank(sql, start + 1);
  let end = start;
  while (end < sql.length && /[A-Za-z_]/.test(sql[end]!)) end++;
  return { word: sql.slice(start, end).toUpperCase(), start, end };
}

/** The statement's first keyword, upper-cased ("SELECT", "COPY", ...); "" when it has none. */
export function leadingKeyword(sql: string): string {
  return keywordAt(sql, 0, true).word;
}

/** Throws sql_forbidden unless the statement starts like a read. */
export function checkReadKeyword(sql: string): void {
  const kw = leadingKeyword(sql);
  if (!READ_KEYWORDS.has(kw)) throw forbidden(kw === "" ? "a statement without a keyword" : kw);
}

/**
 * For an EXPLAIN statement, the index where the explained statement starts (after EXPLAIN, an
 * optional ANALYZE and an optional parenthesised option list); -1 when `sql` is not an EXPLAIN.
 */
export function explainedStart(sql: string): number {
  const first = keywordAt(sql, 0, true);
  if (first.word !== "EXPLAIN") return -1;
  let next = keywordAt(sql, first.end, false);
  if (next.word === "ANALYZE" || next.word === "ANALYSE") next = keywordAt(sql, next.end, false);
  if (next.word === "" && sql[next.start] === "(") {
    // "(FORMAT json)" is an option list; "(SELECT ...)" is the statement itself.
    const inside = keywordAt(sql, next.start + 1, true);
    if (!READ_KEYWORDS.has(inside.word)) {
      const close = sql.indexOf(")", next.start);
      return close < 0 ? sql.length : skipBlank(sql, close + 1);
    }
  }
  return next.start;
}
