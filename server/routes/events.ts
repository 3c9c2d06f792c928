// POST /v1/events[?table=T]: a body of events in, counts and per-event errors out, after the
// batch is durable. Status 200 when anything was accepted (or all were known duplicates), 400 when
// nothing in the body was usable, 413/415 before parsing when the body cannot be taken at all.

import { EngineError } from "../../engine/core/errors.ts";
import { DEFAULT_TABLE } from "../../engine/core/event-schema.ts";
import { formatFromContentType } from "../ingest/parse-body.ts";
import type { IngestPipeline } from "../ingest-pipeline.ts";
import { errorResponse, jsonResponse } from "../errors.ts";
import { QueryParams } from "../query-params.ts";

export interface EventsRouteContext {
  pipeline: IngestPipeline;
  tableNames: ReadonlySet<string>;
  bodyBytesMax: number;
  wsInflightBytesMax: number;
}

export function checkTable(ctx: EventsRouteContext, table: string): void {
  if (!ctx.tableNames.has(table)) {
    throw new EngineError("unknown_table", `table "${table}" is not declared; known tables: ${[...ctx.tableNames].join(", ")}`);
  }
}

export function gzipFromEncoding(encoding: string | null): boolean {
  const e = (encoding ?? "identity").trim().toLowerCase();
  if (e === "gzip" || e === "x-gzip") return true;
  if (e === "identity" || e === "") return false;
  throw new EngineError("unsupported_media_type", `Content-Encoding "${encoding}" is not supported; send gzip or no encoding`);
}

export async function postEvents(req: Request, ctx: EventsRouteContext): Promise<Response> {
  try {
    const table = QueryParams.of(req).get("table") ?? DEFAULT_TABLE;
    checkTable(ctx, table);
    const format = formatFromContentType(req.headers.get("content-type"));
    const gzip = gzipFromEncoding(req.headers.get("content-encoding"));
    const declared = Number(req.headers.get("content-length") ?? NaN);
    const tooLarge = (n: number) => new EngineError("body_too_large", `body of ${n} bytes exceeds the limit of ${ctx.bodyBytesMax} bytes; split it into smaller batches`);
    if (declared > ctx.bodyBytesMax) throw tooLarge(declared);
    const body = new Uint8Array(await req.arrayBuffer());
    if (body.byteLength > ctx.bodyBytesMax) throw tooLarge(body.byteLength);
    if (body.byteLength === 0) throw new EngineError("malformed_body", "body is empty; send one or more events");
    const result = await ctx.pipeline.ingest({ table, format, gzip, body, source: "http", allowEnvelope: false });
    if (result.accepted === 0 && result.duplicates === 0) {
      const message = result.rejected === 0 ? "body holds no events" : `all ${result.rejected} events were rejected; see errors`;
      return jsonResponse({ error: { code: "no_valid_events", message }, ...result }, 400);
    }
    return jsonResponse(result);
  } catch (e) {
    return errorResponse(e);
  }
}
