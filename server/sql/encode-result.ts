// The answer to a SQL request in the format it asked for: one encoder module per format, chosen here
// with its content type. The whole result is computed before a byte is sent (it is bounded by the
// row limit), so a failing query is always a clean JSON error, never a truncated body.

import type { SqlResult } from "../../engine/query/result.ts";
import { encodeCsv } from "./encode-csv.ts";
import { encodeJson } from "./encode-json.ts";
import { encodeNdjson } from "./encode-ndjson.ts";
import { encodeParquet } from "./encode-parquet.ts";

export const FORMATS = ["json", "ndjson", "csv", "parquet"] as const;
export type Format = (typeof FORMATS)[number];

export function encodeResult(r: SqlResult, format: Format): Response {
  const headers: Record<string, string> = {
    "x-caracal-engine": r.stats.engine, "x-caracal-elapsed-ms": r.stats.elapsedMs.toFixed(3), "x-caracal-rows": String(r.rows.length),
  };
  switch (format) {
    case "json": return new Response(encodeJson(r), { headers: { ...headers, "content-type": "application/json" } });
    case "ndjson": return new Response(encodeNdjson(r), { headers: { ...headers, "content-type": "application/x-ndjson" } });
    case "csv": return new Response(encodeCsv(r), { headers: { ...headers, "content-type": "text/csv; charset=utf-8; header=present" } });
    case "parquet": return new Response(encodeParquet(r), {
      headers: { ...headers, "content-type": "application/vnd.apache.parquet", "content-disposition": 'attachment; filename="result.parquet"' },
    });
  }
}
