// Audiences (roaring bitmaps of users, engine/aggregate/audiences.ts):
//   POST   /v1/audiences            {"name", "rule"} (admin): validated, logged, then applied
//   GET    /v1/audiences            every audience with its size (query)
//   GET    /v1/audiences/NAME       size and a sample (?sample=N); ?export=ndjson streams every member (query)
//   DELETE /v1/audiences/NAME       (admin)
//   POST   /v1/audiences:query      {"expr": {"and": [...]} | {"or": [...]} | {"and_not": [a, b]}, "ids"?: N} -> count (query)

import { parseDefinition } from "../../engine/aggregate/audience-rules.ts";
import { EngineError } from "../../engine/core/errors.ts";
import type { AudienceState } from "../audience-state.ts";
import type { IngestPipeline } from "../ingest-pipeline.ts";
import { errorResponse, jsonResponse } from "../errors.ts";
import type { Metrics } from "../observability/prometheus.ts";
import { QueryParams } from "../query-params.ts";

export interface AudiencesRouteContext {
  readonly audiences: AudienceState;
  readonly pipeline: IngestPipeline;
  readonly metrics?: Metrics;
}

async function json(req: Request, what: string): Promise<unknown> {
  try { return await req.json(); } catch { throw new EngineError("malformed_body", `body must be JSON: ${what}`); }
}

export async function postAudience(req: Request, ctx: AudiencesRouteContext): Promise<Response> {
  try {
    const body = await json(req, '{"name": "...", "rule": {...}}');
    const def = parseDefinition(body, ctx.audiences.current.retentionDays);
    const existed = ctx.audiences.current.get(def.name, 0) !== undefined;
    await ctx.pipeline.control({ target: "audiences", op: "define", body });
    const view = ctx.audiences.current.get(def.name, 0);
    return jsonResponse({ name: def.name, size: view?.size ?? 0, result: existed ? "replaced" : "added" }, existed ? 200 : 201);
  } catch (e) {
    return errorResponse(e);
  }
}

export function listAudiences(ctx: AudiencesRouteContext): Response {
  return jsonResponse({ audiences: ctx.audiences.current.list(), stats: ctx.audiences.current.stats() });
}

export function getAudience(req: Request, name: string, ctx: AudiencesRouteContext): Response {
  try {
    const p = QueryParams.of(req);
    if (p.get("export") === "ndjson") {
      const chunks = ctx.audiences.current.exportIds(name);
      const enc = new TextEncoder();
      return new Response(new ReadableStream({
        pull(controller) {
          const next = chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(enc.encode(next.value.map((id) => `${JSON.stringify({ user: id })}\n`).join("")));
        },
      }), { headers: { "content-type": "application/x-ndjson" } });
    }
    const sample = Number(p.get("sample") ?? 100);
    const view = ctx.audiences.current.get(name, sample);
    if (!view) throw new EngineError("not_found", `no audience named "${name}"`);
    return jsonResponse(view);
  } catch (e) {
    return errorResponse(e);
  }
}

export async function deleteAudience(name: string, ctx: AudiencesRouteContext): Promise<Response> {
  try {
    if (!ctx.audiences.current.get(name, 0)) throw new EngineError("not_found", `no audience named "${name}"`);
    await ctx.pipeline.control({ target: "audiences", op: "remove", body: name });
    return jsonResponse({ deleted: name });
  } catch (e) {
    return errorResponse(e);
  }
}

export async function queryAudiences(req: Request, ctx: AudiencesRouteContext): Promise<Response> {
  const t0 = performance.now();
  try {
    const body = (await json(req, '{"expr": {...}, "ids"?: N}')) as { expr?: unknown; ids?: number };
    if (body?.expr === undefined) throw new EngineError("bad_argument", 'expr is required, e.g. {"and": ["buyers", "campaign:bf-2026"]}');
    const r = ctx.audiences.current.setAlgebra(body.expr, body.ids === undefined ? {} : { ids: body.ids });
    return jsonResponse({ ...r, elapsed_ms: Math.round((performance.now() - t0) * 1000) / 1000 });
  } catch (e) {
    return errorResponse(e);
  } finally {
    ctx.metrics?.lookup.observe({ endpoint: "audience_query" }, (performance.now() - t0) / 1000);
  }
}
