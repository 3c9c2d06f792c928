// Social listening (query role), from engine/aggregate/social-listening.ts:
//   GET /v1/social?metric=negative&brand=apple&from=&to=&step=5m   a per-step series
//   GET /v1/social/summary?from=&to=                               per brand: mentions, share of voice, sentiment
//   GET /v1/social/trending?k=20&window=60m                          heavy-hitter terms with their error bound
// metric: mentions | positive | negative | neutral | sentiment_avg | share_of_voice.

import { EngineError } from "../../engine/core/errors.ts";
import type { SocialListening } from "../../engine/aggregate/social-listening.ts";
import { errorResponse, jsonResponse } from "../errors.ts";
import { parseDuration, parseTime } from "./metrics.ts";
import { QueryParams } from "../query-params.ts";

export interface SocialRouteContext {
  readonly social: SocialListening;
}

const MIN = 60_000;

function range(p: QueryParams): { from: number; to: number } {
  const to = Math.ceil((p.has("to") ? parseTime(p.get("to")!, "to") : Date.now()) / MIN) * MIN;
  const from = Math.floor((p.has("from") ? parseTime(p.get("from")!, "from") : to - 3_600_000) / MIN) * MIN;
  if (!(to > from)) throw new EngineError("bad_argument", "to must be after from");
  return { from, to };
}

export function getSocial(req: Request, ctx: SocialRouteContext): Response {
  try {
    const p = QueryParams.of(req);
    const metric = p.get("metric");
    if (!metric) throw new EngineError("bad_argument", "metric is required: mentions, positive, negative, neutral, sentiment_avg or share_of_voice");
    const { from, to } = range(p);
    const step = p.has("step") ? parseDuration(p.get("step")!, "step") : MIN;
    return jsonResponse({ ...ctx.social.series(metric, p.get("brand") ?? undefined, from, to, step), from, to, step_ms: step });
  } catch (e) {
    return errorResponse(e);
  }
}

export function getSocialSummary(req: Request, ctx: SocialRouteContext): Response {
  try {
    const { from, to } = range(QueryParams.of(req));
    return jsonResponse({ from, to, brands: ctx.social.summary(from, to) });
  } catch (e) {
    return errorResponse(e);
  }
}

export function getTrending(req: Request, ctx: SocialRouteContext): Response {
  try {
    const p = QueryParams.of(req);
    const k = Number(p.get("k") ?? 20);
    const windowMs = p.has("window") ? parseDuration(p.get("window")!, "window") : 3_600_000;
    return jsonResponse(ctx.social.trending(k, windowMs, Date.now()));
  } catch (e) {
    return errorResponse(e);
  }
}
