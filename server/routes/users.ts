// Live user profiles (serve role), from engine/aggregate/profile-store.ts, never through SQL:
//   GET  /v1/users/<id>             the profile (404 with a clear body for a user with no events)
//   POST /v1/users:batchGet         {"users": [...]} -> {"profiles": [profile | null, ...]} in order
//   PUT  /v1/users/<id>/tags        {"tags": [...]} replaces the user's tags; logged, then applied
// Tags are a control record in the WAL (storage/control-record.ts): durable when answered, applied in
// log order, replayed after a restart like events.

import { EngineError } from "../../engine/core/errors.ts";
import type { ProfileStore } from "../../engine/aggregate/profile-store.ts";
import { tagsProblem } from "../../engine/aggregate/profile-store.ts";
import type { IngestPipeline } from "../ingest-pipeline.ts";
import { errorResponse, jsonResponse } from "../errors.ts";
import type { Metrics } from "../observability/prometheus.ts";

export interface UsersRouteContext {
  readonly profiles: ProfileStore;
  readonly pipeline: IngestPipeline;
  /** Names of the audiences a user belongs to now. */
  readonly audiencesOf?: (userKey: string) => string[];
  readonly metrics?: Metrics;
}

/** Users one batchGet may ask for. */
export const BATCH_GET_MAX = 1000;

export function getUser(id: string, ctx: UsersRouteContext): Response {
  const t0 = performance.now();
  try {
    const key = decodeURIComponent(id);
    const p = ctx.profiles.lookup(key, Date.now());
    if (p === undefined) return errorResponse(new EngineError("not_found", `no events for user ${JSON.stringify(key)} (user_id or anonymous_id)`, { user: key }));
    return jsonResponse({ ...p, audiences: ctx.audiencesOf?.(key) ?? [] });
  } finally {
    ctx.metrics?.lookup.observe({ endpoint: "user" }, (performance.now() - t0) / 1000);
  }
}

export async function batchGetUsers(req: Request, ctx: UsersRouteContext): Promise<Response> {
  const t0 = performance.now();
  try {
    let body: { users?: unknown };
    try { body = (await req.json()) as { users?: unknown }; } catch { throw new EngineError("malformed_body", 'body must be JSON: {"users": ["id", ...]}'); }
    const users = body?.users;
    if (!Array.isArray(users) || !users.every((u) => typeof u === "string")) throw new EngineError("bad_argument", '"users" must be an array of user id strings');
    if (users.length > BATCH_GET_MAX) throw new EngineError("bad_argument", `${users.length} users asked, at most ${BATCH_GET_MAX} per request`);
    const now = Date.now();
    const profiles = ctx.profiles.lookupMany(users, now).map((p, i) => (p === null ? null : { ...p, audiences: ctx.audiencesOf?.(users[i]!) ?? [] }));
    return jsonResponse({ profiles });
  } catch (e) {
    return errorResponse(e);
  } finally {
    ctx.metrics?.lookup.observe({ endpoint: "users_batch" }, (performance.now() - t0) / 1000);
  }
}

export async function putUserTags(req: Request, id: string, ctx: UsersRouteContext): Promise<Response> {
  try {
    const user = decodeURIComponent(id);
    let body: { tags?: unknown };
    try { body = (await req.json()) as { tags?: unknown }; } catch { throw new EngineError("malformed_body", 'body must be JSON: {"tags": ["vip", ...]}'); }
    const problem = tagsProblem(body?.tags, ctx.profiles.config.tagsMax);
    if (problem !== null) throw new EngineError("bad_argument", problem);
    await ctx.pipeline.control({ target: "profiles", op: "tags", body: { user, tags: body.tags } });
    return jsonResponse({ user, tags: ctx.profiles.tagsOf(user) ?? body.tags });
  } catch (e) {
    return errorResponse(e);
  }
}
