// format=ndjson: one JSON object per row, keyed by column name (duplicates made distinct by
// unique-names.ts), "\n" after each; no header, no stats. Values by json-value.ts. Objects are written
// key by key so the keys keep column order even when a name looks like an array index ("1").

import type { SqlResult } from "../../engine/query/result.ts";
import { isDateType, toJsonValue } from "./json-value.ts";
import { uniqueNames } from "./unique-names.ts";

export function encodeNdjson(r: SqlResult): string {
  const keys = uniqueNames(r.columns.map((c) => c.name)).map((n, i) => `${i ? "," : "{"}${JSON.stringify(n)}:`);
  const dateOnly = r.columns.map((c) => isDateType(c.type));
  const lines: string[] = [];
  for (const row of r.rows) {
    let line = keys.length ? "" : "{";
    for (let c = 0; c < keys.length; c++) line += keys[c] + JSON.stringify(toJsonValue(row[c]!, dateOnly[c]));
    lines.push(line + "}\n");
  }
  return lines.join("");
}
