// The statement-kind checks before DuckDB binds anything: the leading keyword past comments and
// parentheses, and where an EXPLAIN's own statement starts (EXPLAIN ANALYZE runs it).
import { expect, test } from "bun:test";
import fc from "fast-check";
import { charOffset, errorInfo, toEngineError } from "../../../storage/duckdb-errors.ts";
import { explainedStart, leadingKeyword } from "../../../storage/duckdb-statement.ts";

test("the leading keyword skips blanks, both comment styles and opening parentheses", () => {
  const sqls = ["select 1", "  \n\t-- note\nINSERT INTO t VALUES (1)", "/* a */ /* b */ copy t TO 'x'", "((SELECT 1))", "", "-- only a comment", "PRAGMA version"];
  expect(sqls.map(leadingKeyword)).toEqual(["SELECT", "INSERT", "COPY", "SELECT", "", "", "PRAGMA"]);
});

test("an EXPLAIN's statement starts after ANALYZE and an option list, not after a parenthesised query", () => {
  const at = (sql: string) => sql.slice(explainedStart(sql));
  expect([
    at("EXPLAIN SELECT 1"), at("explain analyze DELETE FROM t"), at("EXPLAIN (FORMAT json) SELECT 2"),
    at("EXPLAIN ANALYZE (SELECT 3)"), at("/* x */ EXPLAIN -- y\n ANALYSE COPY t TO 'f'"), explainedStart("SELECT 1"),
  ]).toEqual(["SELECT 1", "DELETE FROM t", "SELECT 2", "(SELECT 3)", "COPY t TO 'f'", -1]);
});

test("byte offsets become character offsets (code points), for any text", () => {
  fc.assert(fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (before, after) => {
    const text = before + after;
    expect(charOffset(text, Buffer.byteLength(before))).toBe([...before].length);
  }), { seed: 1 });
});

test("DuckDB's JSON errors map to codes; a prefix before the JSON is ignored", () => {
  const json = (type: string, position?: number) => new Error(`Failed to extract statements: ${type} Error: ${JSON.stringify({ exception_type: type, exception_message: "m", ...(position === undefined ? {} : { position: String(position) }) })}`);
  const codes = ["Parser", "Binder", "Catalog", "Permission", "Out of Memory", "INTERRUPT", "Internal"].map((t) => toEngineError(json(t, 2), "SELECT é").code);
  expect({ codes, info: errorInfo(json("Binder", 8)), plain: errorInfo(new Error("boom")), position: toEngineError(json("Binder", 11), "SELECT é, x").detail })
    .toEqual({
      codes: ["sql_syntax", "sql_error", "sql_error", "sql_forbidden", "query_memory", "query_timeout", "internal"],
      info: { type: "Binder", message: "m", bytePosition: 8 }, plain: { type: "Other", message: "boom" }, position: { position: 10 },
    });
});
