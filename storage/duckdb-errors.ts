// Turns DuckDB's errors into EngineErrors with our stable codes. The connections run with
// `errors_as_json`, so an error message is a JSON object ({"exception_type", "exception_message",
// "position"?...}), sometimes behind a prefix ("Failed to extract statements: Parser Error: {...}");
// no message text is parsed for meaning beyond that object.
//
//   Parser                      -> sql_syntax (400)     Permission  -> sql_forbidden (403)
//   Out of Memory               -> query_memory (422)   INTERRUPT   -> query_timeout (504, set by the caller)
//   Binder, Catalog, Conversion, Invalid Input, ... (anything a statement can be wrong about) -> sql_error (400)
//   Internal, Fatal             -> internal (500)
//   a missing table whose name is a path (SELECT * FROM '/etc/passwd': with external access off,
//   DuckDB does not read paths as tables and reports an unknown table) -> sql_forbidden
//
// DuckDB's `position` is a byte offset into the UTF-8 text; clients get a 0-based offset in
// characters (Unicode code points), which is the same number for ASCII text.

import { EngineError } from "../engine/core/errors.ts";

export interface DuckDbErrorInfo {
  readonly type: string;
  readonly message: string;
  /** Byte offset into the statement text, when DuckDB gives one. */
  readonly bytePosition?: number;
  /** For catalog errors: what was missing ("MISSING_ENTRY", a "Table", its name). */
  readonly subtype?: string;
  readonly entryType?: string;
  readonly name?: string;
}

/** The JSON error object inside a DuckDB error message, or a plain "Other" error when there is none. */
export function errorInfo(e: unknown): DuckDbErrorInfo {
  const text = e instanceof Error ? e.message : String(e);
  const start = text.indexOf("{\"exception_type\"");
  if (start >= 0) {
    try {
      const o = JSON.parse(text.slice(start)) as Record<string, string | undefined>;
      const pos = o.position === undefined ? undefined : Number(o.position);
      return {
        type: o.exception_type ?? "Other", message: o.exception_message ?? text,
        ...(pos !== undefined && Number.isInteger(pos) && pos >= 0 ? { bytePosition: pos } : {}),
        ...(o.error_subtype === undefined ? {} : { subtype: o.error_subtype }),
        ...(o.type === undefined ? {} : { entryType: o.type }),
        ...(o.name === undefined ? {} : { name: o.name }),
      };
    } catch { /* not the JSON we expected: fall through and keep the text as it is */ }
  }
  return { type: "Other", message: text };
}

/** Code points of `text` before UTF-8 byte offset `byteOffset` (its length when past the end). */
export function charOffset(text: string, byteOffset: number): number {
  let bytes = 0, chars = 0;
  for (const ch of text) {
    if (bytes >= byteOffset) return chars;
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    chars++;
  }
  return chars;
}

/**
 * The EngineError for a DuckDB error raised by `sql` (the full request text: positions are relative
 * to it). `offsetBytes` shifts positions of errors raised on a substring of it (an EXPLAIN's inner
 * statement).
 */
export function toEngineError(e: unknown, sql: string, offsetBytes = 0): EngineError {
  if (e instanceof EngineError) return e;
  const info = errorInfo(e);
  const detail = info.bytePosition === undefined ? undefined : { position: charOffset(sql, info.bytePosition + offsetBytes) };
  if (info.type === "Catalog" && info.subtype === "MISSING_ENTRY" && info.entryType === "Table" && /[/\\]/.test(info.name ?? "")) {
    return new EngineError("sql_forbidden", `Permission Error: "${info.name}" is a file path, and files cannot be read as tables; read_parquet() and read_csv() can read files under the data directory's parquet/ and tables/`, detail);
  }
  switch (info.type) {
    case "Parser": return new EngineError("sql_syntax", `Parser Error: ${info.message}`, detail);
    case "Permission": return new EngineError("sql_forbidden", `Permission Error: ${info.message}`, detail);
    case "Out of Memory": return new EngineError("query_memory", `Out of Memory Error: ${firstParagraph(info.message)}; lower the query's memory use (aggregate, filter by time, fewer columns)`);
    case "INTERRUPT": return new EngineError("query_timeout", "query interrupted");
    case "Internal": case "Fatal": case "Other": return new EngineError("internal", `DuckDB ${info.type} error: ${info.message}`);
    default: return new EngineError("sql_error", `${info.type} Error: ${info.message}`, detail);
  }
}

/** DuckDB's memory errors append advice about settings users cannot change here; keep the first paragraph. */
function firstParagraph(message: string): string {
  const cut = message.indexOf("\n\n");
  return cut < 0 ? message : message.slice(0, cut);
}
