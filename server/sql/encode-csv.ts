// format=csv: RFC 4180. A header row of column names, then one record per row, CRLF after each.
// A field is quoted (quotes doubled) when it holds a comma, a quote, CR or LF, and an empty string is
// written as "" so that it differs from NULL, which is an empty field. Numbers print as JavaScript
// prints them (shortest round-trip form; NaN, Infinity, -Infinity), bigints in full, timestamps and
// dates as in JSON, lists and structs as their JSON text.

import type { SqlResult, SqlValue } from "../../engine/query/result.ts";
import { dateText, isDateType, toJsonValue } from "./json-value.ts";

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(text: string): string {
  if (text === "") return '""';
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvCell(v: SqlValue, dateOnly: boolean): string {
  if (v === null) return "";
  switch (typeof v) {
    case "string": return csvField(v);
    case "number": case "bigint": case "boolean": return String(v);
    default:
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? "" : dateText(v, dateOnly);
      return csvField(JSON.stringify(toJsonValue(v, dateOnly)));
  }
}

export function encodeCsv(r: SqlResult): string {
  const dateOnly = r.columns.map((c) => isDateType(c.type));
  const lines = [r.columns.map((c) => csvField(c.name)).join(",")];
  for (const row of r.rows) lines.push(row.map((v, i) => csvCell(v, dateOnly[i]!)).join(","));
  return lines.join("\r\n") + "\r\n";
}
