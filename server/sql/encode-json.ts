// format=json: one document, {"columns": [{"name", "type"}], "rows": [[...]], "stats": {...}}.
// Rows are arrays in column order (names may repeat: SELECT 1 AS a, 2 AS a). Values by json-value.ts.

import type { SqlResult, SqlStats } from "../../engine/query/result.ts";
import { isDateType, toJsonValue } from "./json-value.ts";

export function statsJson(s: SqlStats): { elapsed_ms: number; rows_scanned: number; engine: string } {
  return { elapsed_ms: Math.round(s.elapsedMs * 1000) / 1000, rows_scanned: s.rowsScanned, engine: s.engine };
}

export function encodeJson(r: SqlResult): string {
  const dateOnly = r.columns.map((c) => isDateType(c.type));
  const rows = r.rows.map((row) => row.map((v, i) => toJsonValue(v, dateOnly[i])));
  return JSON.stringify({ columns: r.columns.map((c) => ({ name: c.name, type: c.type })), rows, stats: statsJson(r.stats) });
}
