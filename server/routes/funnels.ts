// Funnels and journeys (server/sequences.ts):
//   GET    /v1/funnels            every definition with its report (per-step entrants, conversion, time to convert)
//   GET    /v1/funnels/NAME       one report
//   POST   /v1/funnels            {"kind": "funnel" | "journey", "name", "steps": [...], ...} (admin): logged, then applied
//   DELETE /v1/funnels/NAME       (admin)

import { EngineError } from "../../engine/core/errors.ts";
import type { IngestPipeline } from "../ingest-pipeline.ts";
import { parseSequence, type Sequences } from "../sequences.ts";
import { errorResponse, jsonResponse } from "../errors.ts";

export interface FunnelsRouteContext {
  readonly sequences: Sequences;
  readonly pipeline: IngestPipeline;
  readonly stringColumns: readonly string[];
}

export function listFunnels(ctx: FunnelsRouteContext): Response {
  return jsonResponse({ funnels: ctx.sequences.list(), state: ctx.sequences.metrics() });
}

export function getFunnel(name: string, ctx: FunnelsRouteContext): Response {
  const r = ctx.sequences.report(name);
  if (r) return jsonResponse(r);
  return errorResponse(new EngineError("not_found", ctx.sequences.has(name) ? `${name} is a journey: it has no funnel report (its derived events are in the events table)` : `no funnel named ${name}`));
}

export async function postFunnel(req: Request, ctx: FunnelsRouteContext): Promise<Response> {
  try {
    let body: unknown;
    try { body = await req.json(); } catch { throw new EngineError("malformed_body", "body must be a JSON funnel or journey definition (see the README's Funnels section)"); }
    const def = parseSequence(body, ctx.stringColumns);
    const existed = ctx.sequences.has(def.name);
    await ctx.pipeline.control({ target: "sequences", op: "define", body });
    return jsonResponse({ name: def.name, kind: def.kind, result: existed ? "replaced" : "added" }, existed ? 200 : 201);
  } catch (e) {
    return errorResponse(e);
  }
}

export async function deleteFunnel(name: string, ctx: FunnelsRouteContext): Promise<Response> {
  try {
    if (!ctx.sequences.has(name)) throw new EngineError("not_found", `no funnel or journey named ${name}`);
    await ctx.pipeline.control({ target: "sequences", op: "remove", body: name });
    return jsonResponse({ deleted: name });
  } catch (e) {
    return errorResponse(e);
  }
}
