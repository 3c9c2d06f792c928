// The golden file format (test/sql/golden/*.test, documented in test/sql/README.md): a small
// sqllogictest dialect. This file parses a script into records and renders answers as the text the
// files hold; golden.test.ts runs the records against a real server.
//
// Records are separated by blank lines; lines starting with `#` between records are comments.
//
//   statement ok                          the SQL runs without error (its answer is not checked)
//   statement error <code> [position=N]   the SQL fails with this error code (and 0-based position);
//   ----                                  optional: every following line must occur in the message
//   query [rowsort] [engine=E]            the SQL's answer: after `----` a header of name:TYPE cells,
//   ----                                  then one line per row; cells are tab-separated. `rowsort`
//                                         compares rows as a multiset; otherwise in order.
//   ingest [accepted=N] [rejected=N] [duplicates=N]   NDJSON events to POST /v1/events; without
//                                         counts every line must be accepted
//   restart                               SIGTERM (exit 0), then start again on the same data dir
//   crash                                 kill -9, then start again on the same data dir
//
// Cells: NULL for null, (empty) for the empty string, true/false, numbers as JSON writes them,
// timestamps as ISO-8601 with milliseconds and Z, lists and structs as JSON; in strings a tab,
// newline and backslash are written \t, \n and \\.

import type { SqlAnswer } from "./compare.ts";

export type Engine = "auto" | "native" | "duckdb";

export type GoldenRecord =
  | { readonly kind: "statement-ok"; readonly line: number; readonly sql: string }
  | { readonly kind: "statement-error"; readonly line: number; readonly sql: string; readonly code: string; readonly position?: number; readonly messageParts: readonly string[] }
  | { readonly kind: "query"; readonly line: number; readonly sql: string; readonly rowsort: boolean; readonly engines?: readonly Engine[]; readonly expected: SqlText }
  | { readonly kind: "ingest"; readonly line: number; readonly events: readonly string[]; readonly counts?: Readonly<Record<"accepted" | "rejected" | "duplicates", number>> }
  | { readonly kind: "restart" | "crash"; readonly line: number };

/** An answer as text: the header cells (name:TYPE) and the rows' cells. */
export interface SqlText {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export function parseGolden(text: string, file: string): GoldenRecord[] {
  const lines = text.split("\n");
  const records: GoldenRecord[] = [];
  let i = 0;
  const fail = (msg: string): never => { throw new Error(`${file}:${i + 1}: ${msg}`); };
  /** Lines from `i` up to a blank line (or `stop`), advancing `i`. */
  const block = (stop?: string): string[] => {
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== "" && lines[i] !== stop) out.push(lines[i++]!);
    return out;
  };
  while (i < lines.length) {
    const header = lines[i]!.trim();
    if (header === "" || header.startsWith("#")) { i++; continue; }
    const line = i + 1;
    const [word, ...args] = header.split(/\s+/);
    i++;
    if (word === "statement" && args[0] === "ok") {
      records.push({ kind: "statement-ok", line, sql: block().join("\n") });
    } else if (word === "statement" && args[0] === "error") {
      const code = args[1] ?? fail("statement error needs a code");
      const pos = args.find((a) => a.startsWith("position="));
      const sql = block("----").join("\n");
      let messageParts: string[] = [];
      if (lines[i] === "----") { i++; messageParts = block(); }
      records.push({ kind: "statement-error", line, sql, code, messageParts, ...(pos ? { position: Number(pos.slice(9)) } : {}) });
    } else if (word === "query") {
      const engine = args.find((a) => a.startsWith("engine="));
      const sql = block("----").join("\n");
      if (lines[i] !== "----") fail("query needs ---- and a header line");
      i++;
      const [head, ...rows] = block();
      if (head === undefined) fail("query needs a header line of name:TYPE cells after ----");
      records.push({
        kind: "query", line, sql, rowsort: args.includes("rowsort"),
        engines: engine ? engine.slice(7).split(",") as Engine[] : undefined,
        expected: { header: head!.split("\t"), rows: rows.map((r) => r.split("\t")) },
      });
    } else if (word === "ingest") {
      const counts: Record<string, number> = {};
      for (const a of args) {
        const m = /^(accepted|rejected|duplicates)=(\d+)$/.exec(a);
        if (!m) fail(`unknown ingest argument ${a}`);
        counts[m![1]!] = Number(m![2]);
      }
      const events = block();
      records.push({ kind: "ingest", line, events, ...(args.length ? { counts: { accepted: 0, rejected: 0, duplicates: 0, ...counts } } : {}) });
    } else if (word === "restart" || word === "crash") {
      records.push({ kind: word, line });
    } else {
      fail(`unknown record "${header}"`);
    }
  }
  return records;
}

/** An answer as golden text. */
export function renderAnswer(a: SqlAnswer): SqlText {
  return { header: a.columns.map((c) => `${c.name}:${c.type}`), rows: a.rows.map((r) => r.map(renderCell)) };
}

export function renderCell(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "string") return v === "" ? "(empty)" : v.replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n");
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

export function formatText(t: SqlText): string {
  return [t.header.join("\t"), ...t.rows.map((r) => r.join("\t"))].join("\n");
}

const FLOAT_TYPES = new Set(["DOUBLE", "FLOAT", "REAL"]);

/**
 * Golden text as an answer compare.ts can check against a server's: DOUBLE cells become numbers
 * (compared with the double tolerance), every other cell stays text, as does the actual side after
 * renderAnswer, so both are compared in the one form the file holds.
 */
export function textAsAnswer(t: SqlText): SqlAnswer {
  const columns = t.header.map((h) => {
    const at = h.lastIndexOf(":");
    return { name: h.slice(0, at), type: h.slice(at + 1) };
  });
  const rows = t.rows.map((r) => r.map((cell, i) => (FLOAT_TYPES.has(columns[i]?.type ?? "") && cell !== "NULL" ? Number(cell) : cell)));
  return { columns, rows };
}
