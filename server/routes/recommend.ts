// GET /v1/recommend?user=<id>&k=10[&context_item=<item>][&category=<c>] (serve role): items for a
// user right now, from co-occurrence within sessions, trending items and the user's recent items
// (engine/aggregate/recommender.ts), already-purchased items excluded; an unknown user gets
// trending. Never touches SQL; answers from typed arrays in microseconds.

import { EngineError } from "../../engine/core/errors.ts";
import type { Recommender } from "../../engine/aggregate/recommender.ts";
import { errorResponse, jsonResponse } from "../errors.ts";
import type { Metrics } from "../observability/prometheus.ts";
import { QueryParams } from "../query-params.ts";

export interface RecommendRouteContext {
  readonly recommender: Recommender;
  readonly metrics?: Metrics;
}

export function getRecommendations(req: Request, ctx: RecommendRouteContext): Response {
  const t0 = performance.now();
  try {
    const p = QueryParams.of(req);
    const kText = p.get("k") ?? "10";
    const k = Number(kText);
    if (!Number.isInteger(k) || k < 1) throw new EngineError("bad_argument", `k must be a positive integer, got "${kText}"`);
    const user = p.get("user"), context = p.get("context_item"), category = p.get("category");
    const items = ctx.recommender.recommend(user || null, k, context || null, Date.now(), category || undefined);
    const body = { user: user || null, context_item: context || null, items };
    return jsonResponse(body);
  } catch (e) {
    return errorResponse(e);
  } finally {
    ctx.metrics?.lookup.observe({ endpoint: "recommend" }, (performance.now() - t0) / 1000);
  }
}
