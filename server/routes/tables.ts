// GET /v1/tables: every table SQL can read, with its columns (as DESCRIBE prints their types), rows,
// where they are (memory, Parquet) and its kind: "stream" (events, dead letters, configured streams)
// or "dimension" (uploaded with PUT). PUT /v1/tables/:name replaces a dimension table with the body
// (CSV, NDJSON or Parquet); DELETE /v1/tables/:name drops it. The work is sql/dimension-tables.ts.

import type { DerivedTableSource } from "../../engine/aggregate/derived-table.ts";
import { EngineError } from "../../engine/core/errors.ts";
import type { Catalog } from "../../engine/store/catalog.ts";
import type { HistorySource } from "../../storage/parquet/table-history.ts";
import { errorResponse, jsonResponse } from "../errors.ts";
import type { DimensionTables, UploadFormat } from "../sql/dimension-tables.ts";
import { DUCK_TYPE } from "../sql/duck-types.ts";

export interface TablesRouteContext {
  readonly catalog: Catalog;
  readonly history: HistorySource;
  readonly dimensions: DimensionTables;
  readonly uploadBytesMax: number;
  /** Derived state as SQL tables (rollup_*): read-only, always in memory. */
  readonly derivedTables?: readonly DerivedTableSource[];
}

const UPLOAD_TYPES: Record<string, UploadFormat> = {
  "text/csv": "csv",
  "application/x-ndjson": "ndjson", "application/json": "ndjson",
  "application/vnd.apache.parquet": "parquet", "application/octet-stream": "parquet",
};

export function listTables(ctx: TablesRouteContext): Response {
  const streams = ctx.catalog.list().map((t) => ({
    name: t.schema.name, kind: "stream",
    columns: t.schema.columns.map((c) => ({ name: c.name, type: DUCK_TYPE[c.type] })),
    rows: t.rowCount, rows_in_memory: t.rowCount - t.rowBase, rows_in_history: ctx.history.history(t.schema.name).compactedRows,
  }));
  const dimensions = ctx.dimensions.list().map((d) => ({
    name: d.name, kind: "dimension", columns: d.columns, rows: d.rows, rows_in_memory: 0, rows_in_history: d.rows, version: d.version,
  }));
  const derived = (ctx.derivedTables ?? []).map((d) => ({ name: d.name, kind: "derived", columns: d.columns.map((c) => ({ name: c.name, type: c.type })) }));
  return jsonResponse({ tables: [...streams, ...dimensions, ...derived] });
}

export async function putTable(req: Request, name: string, ctx: TablesRouteContext): Promise<Response> {
  try {
    const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const format = UPLOAD_TYPES[type];
    if (format === undefined) {
      throw new EngineError("unsupported_media_type", `content type "${type}" is not a table upload; send text/csv (with a header row), application/x-ndjson or application/vnd.apache.parquet`);
    }
    const declared = Number(req.headers.get("content-length") ?? NaN);
    if (declared > ctx.uploadBytesMax) throw new EngineError("body_too_large", `table upload of ${declared} bytes exceeds ${ctx.uploadBytesMax} (sql.upload_bytes_max)`);
    const t = await ctx.dimensions.put(name, req.body, format, ctx.uploadBytesMax);
    return jsonResponse({ name: t.name, kind: "dimension", columns: t.columns, rows: t.rows, version: t.version });
  } catch (e) {
    return errorResponse(e);
  }
}

export async function deleteTable(name: string, ctx: TablesRouteContext): Promise<Response> {
  try {
    if (ctx.catalog.get(name)) throw new EngineError("bad_argument", `table "${name}" is an event stream; only dimension tables can be deleted`);
    if (!(await ctx.dimensions.drop(name))) throw new EngineError("unknown_table", `no dimension table "${name}"`);
    return jsonResponse({ name, deleted: true });
  } catch (e) {
    return errorResponse(e);
  }
}
