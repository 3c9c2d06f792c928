// GET /v1/tables/:name/rows[?columns=a,b][&limit=N]: a table's rows as NDJSON, in insertion order,
// streamed batch by batch from a scan (so memory stays bounded whatever the table's size). Used to
// check what is stored and to export it until SQL is available; timestamps are ISO-8601 and JSON
// columns are embedded as JSON.

import { EngineError } from "../../engine/core/errors.ts";
import { ColumnType } from "../../engine/core/types.ts";
import type { Catalog } from "../../engine/store/catalog.ts";
import type { Vector } from "../../engine/store/table.ts";
import { errorResponse } from "../errors.ts";
import { QueryParams } from "../query-params.ts";

function cell(v: Vector, i: number): string {
  if (v.validity !== null && (v.validity[i >> 3]! & (1 << (i & 7))) === 0) return "null";
  switch (v.type) {
    case ColumnType.FLOAT64: { const x = v.f64![i]!; return Number.isFinite(x) ? String(x) : "null"; }
    case ColumnType.TIMESTAMP: return `"${new Date(v.f64![i]!).toISOString()}"`;
    case ColumnType.INT32: return String(v.i32![i]!);
    case ColumnType.BOOL: return v.u8![i] ? "true" : "false";
    case ColumnType.JSON: return v.strings ? v.strings(i) : v.dict!.get(v.codes![i]!);
    default: return JSON.stringify(v.strings ? v.strings(i) : v.dict!.get(v.codes![i]!));
  }
}

export function tableRows(req: Request, name: string, catalog: Catalog): Response {
  try {
    const table = catalog.get(name);
    if (!table) throw new EngineError("unknown_table", `table "${name}" does not exist; known tables: ${catalog.list().map((t) => t.schema.name).join(", ")}`);
    const params = QueryParams.of(req);
    const columns = params.get("columns")?.split(",").map((c) => c.trim()).filter((c) => c) ?? table.schema.columns.map((c) => c.name);
    const limitText = params.get("limit");
    const limit = limitText === null ? Infinity : Number(limitText);
    if (!(limit >= 0) || !Number.isInteger(limit) && limit !== Infinity) {
      throw new EngineError("bad_argument", `limit must be a whole number >= 0, got "${limitText}"`);
    }
    const scan = table.scan({ columns });  // throws bad_argument for an unknown column, before any byte is sent
    const keys = columns.map((c) => `${JSON.stringify(c)}:`);
    let sent = 0;
    const stream = new ReadableStream<string>({
      pull(controller) {
        const next = sent < limit ? scan.next() : { done: true as const, value: undefined };
        if (next.done) { controller.close(); return; }
        const b = next.value;
        const n = Math.min(b.rowCount, limit - sent);
        let chunk = "";
        for (let i = 0; i < n; i++) {
          let line = "{";
          for (let c = 0; c < keys.length; c++) line += (c ? "," : "") + keys[c] + cell(b.vectors[c]!, i);
          chunk += line + "}\n";
        }
        sent += n;
        controller.enqueue(chunk);
      },
    });
    return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
  } catch (e) {
    return errorResponse(e);
  }
}
