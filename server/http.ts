// The route table: which handler answers which method and path. Handlers live in routes/.

import type { Server } from "bun";
import { EngineError } from "../engine/core/errors.ts";
import { DEFAULT_TABLE } from "../engine/core/event-schema.ts";
import { LIMITS } from "../engine/core/limits.ts";
import { errorResponse, jsonResponse } from "./errors.ts";
import { checkTable, postEvents, type EventsRouteContext } from "./routes/events.ts";
import type { ServerWebSocket, WebSocketHandler } from "bun";
import { wsHandler, type IngestWsData, type WsCounters } from "./routes/events-ws.ts";
import { parseView, viewTopic, type DashboardFeed, type DashboardWsData } from "./dashboard/dashboard-feed.ts";

/** Per-connection data of the two WebSocket kinds one server carries. */
export type WsData = IngestWsData | DashboardWsData;
import { healthz, stats, type OpsContext } from "./routes/ops.ts";
import { sqlQuery, type SqlRouteContext } from "./routes/sql.ts";
import { deleteTable, listTables, putTable, type TablesRouteContext } from "./routes/tables.ts";
import { tableRows } from "./routes/table-rows.ts";
import type { DerivedParts } from "./derived-parts.ts";
import type { Metrics } from "./observability/prometheus.ts";
import type { Access } from "./auth/access.ts";
import type { Role } from "./auth/api-keys.ts";
import { createKey, listKeys, revokeKey } from "./routes/keys.ts";
import { getMetrics, type MetricsRouteContext } from "./routes/metrics.ts";
import { getRecommendations, type RecommendRouteContext } from "./routes/recommend.ts";
import type { BidService } from "./serving/bid-service.ts";
import { deleteAudience, getAudience, listAudiences, postAudience, queryAudiences, type AudiencesRouteContext } from "./routes/audiences.ts";
import { deleteFunnel, getFunnel, listFunnels, postFunnel, type FunnelsRouteContext } from "./routes/funnels.ts";
import { getSocial, getSocialSummary, getTrending, type SocialRouteContext } from "./routes/social.ts";
import { batchGetUsers, getUser, putUserTags, type UsersRouteContext } from "./routes/users.ts";
import { deleteAlert, getAlert, listAlerts, postAlert, type AlertsRouteContext } from "./routes/alerts.ts";
// The dashboard page: Bun bundles its HTML, CSS and scripts (echarts included); `bun build --compile` embeds them.
import dashboardPage from "./dashboard/page/index.html";
import { QueryParams } from "./query-params.ts";

export type HttpContext = EventsRouteContext & Omit<OpsContext, "ws"> & SqlRouteContext & TablesRouteContext & MetricsRouteContext & AlertsRouteContext & RecommendRouteContext & UsersRouteContext & SocialRouteContext & FunnelsRouteContext & AudiencesRouteContext & {
  readonly metrics: Metrics;
  readonly derived: DerivedParts;
  readonly access: Access;
  readonly dashboard: DashboardFeed;
  readonly bids: BidService;
};

type Handler<R extends Request> = (req: R, srv: Server<WsData>) => Response | Promise<Response> | undefined | Promise<Response | undefined>;

/**
 * A route handler behind the access check of its role (null: open to all). The role table below is
 * the one place that decides who may call what; the README's API table states the same.
 */
/** One WebSocket handler for both kinds: ingest frames, and the dashboard's push channel. */
function combinedWs(ingest: WebSocketHandler<IngestWsData>, dashboard: DashboardFeed, counters: WsCounters): WebSocketHandler<WsData> {
  const asIngest = (w: ServerWebSocket<WsData>) => w as ServerWebSocket<IngestWsData>;
  const asDash = (w: ServerWebSocket<WsData>) => w as ServerWebSocket<DashboardWsData>;
  return {
    maxPayloadLength: ingest.maxPayloadLength, backpressureLimit: ingest.backpressureLimit,
    closeOnBackpressureLimit: ingest.closeOnBackpressureLimit, idleTimeout: ingest.idleTimeout,
    open(w) {
      if (w.data.kind === "dashboard") { counters.open++; void dashboard.open(asDash(w)); } else ingest.open?.(asIngest(w));
    },
    message(w, m) {
      if (w.data.kind === "dashboard") return void dashboard.message(asDash(w), typeof m === "string" ? m : m.toString());
      return ingest.message!(asIngest(w), m);
    },
    close(w, code, reason) {
      if (w.data.kind === "dashboard") { counters.open--; dashboard.close(asDash(w)); } else ingest.close?.(asIngest(w), code, reason);
    },
  };
}

/** The bid route's guard: an exchange over its key's rate limit gets a no-bid (204), not a 429. */
function guardedBid(access: Access, h: (req: Request) => Promise<Response>): Handler<Request> {
  return (req) => {
    try {
      access.check(req, "serve");
    } catch (e) {
      if (e instanceof EngineError && e.code === "rate_limited") return new Response(null, { status: 204 });
      return errorResponse(e);
    }
    return h(req);
  };
}

function guarded<R extends Request>(access: Access, role: Role | null, h: Handler<R>): Handler<R> {
  return (req, srv) => {
    try {
      access.check(req, role);
    } catch (e) {
      return errorResponse(e);
    }
    return h(req, srv);
  };
}

export function startHttp(host: string, port: number, ctx: HttpContext): Server<WsData> {
  const ws: WsCounters = { open: 0, pauses: 0, backpressureCloses: 0 };
  const ops: OpsContext = { ...ctx, ws };
  const g = <R extends Request>(role: Role | null, h: Handler<R>) => guarded(ctx.access, role, h);
  const routes = {
    // The page itself needs no key (its data calls carry one); everything it loads comes from this server.
    "/": dashboardPage,
    "/healthz": { GET: g(null, () => healthz(ops)) },
    "/v1/stats": { GET: g("admin", () => stats(ops)) },
    "/metrics": { GET: g("admin", () => ctx.metrics.exposition()) },
    "/v1/keys": { GET: g("admin", () => listKeys(ctx.access)), POST: g("admin", (req: Request) => createKey(req, ctx.access)) },
    "/v1/keys/:id": { DELETE: g("admin", (req: Bun.BunRequest<"/v1/keys/:id">) => revokeKey(req.params.id, ctx.access)) },
    "/v1/events": { POST: g("ingest", (req: Request) => postEvents(req, ctx)) },
    "/v1/sql": { GET: g("query", (req: Request) => sqlQuery(req, ctx)), POST: g("query", (req: Request) => sqlQuery(req, ctx)) },
    "/v1/tables": { GET: g("query", () => listTables(ctx)) },
    "/v1/metrics": { GET: g("query", (req: Request) => getMetrics(req, ctx)) },
    "/v1/audiences": { GET: g("query", () => listAudiences(ctx)), POST: g("admin", (req: Request) => postAudience(req, ctx)) },
    "/v1/audiences:query": { POST: g("query", (req: Request) => queryAudiences(req, ctx)) },
    "/v1/audiences/:name": {
      GET: g("query", (req: Bun.BunRequest<"/v1/audiences/:name">) => getAudience(req, req.params.name, ctx)),
      DELETE: g("admin", (req: Bun.BunRequest<"/v1/audiences/:name">) => deleteAudience(req.params.name, ctx)),
    },
    "/v1/funnels": { GET: g("query", () => listFunnels(ctx)), POST: g("admin", (req: Request) => postFunnel(req, ctx)) },
    "/v1/funnels/:name": {
      GET: g("query", (req: Bun.BunRequest<"/v1/funnels/:name">) => getFunnel(req.params.name, ctx)),
      DELETE: g("admin", (req: Bun.BunRequest<"/v1/funnels/:name">) => deleteFunnel(req.params.name, ctx)),
    },
    "/v1/social": { GET: g("query", (req: Request) => getSocial(req, ctx)) },
    "/v1/social/summary": { GET: g("query", (req: Request) => getSocialSummary(req, ctx)) },
    "/v1/social/trending": { GET: g("query", (req: Request) => getTrending(req, ctx)) },
    "/v1/recommend": { GET: g("serve", (req: Request) => getRecommendations(req, ctx)) },
    "/v1/users:batchGet": { POST: g("serve", (req: Request) => batchGetUsers(req, ctx)) },
    "/v1/users/:id": { GET: g("serve", (req: Bun.BunRequest<"/v1/users/:id">) => getUser(req.params.id, ctx)) },
    "/v1/users/:id/tags": { PUT: g("serve", (req: Bun.BunRequest<"/v1/users/:id/tags">) => putUserTags(req, req.params.id, ctx)) },
    "/v1/bid": { POST: guardedBid(ctx.access, (req: Request) => ctx.bids.bid(req)) },
    // Notices come from exchanges and browsers, which carry no key: open, parsed strictly, deduplicated per bid.
    "/v1/notify/win": { GET: g(null, (req: Request) => ctx.bids.notify("win", req)) },
    "/v1/notify/click": { GET: g(null, (req: Request) => ctx.bids.notify("click", req)) },
    "/v1/models": { GET: g("admin", () => jsonResponse({ models: ctx.bids.models.list().map((m) => ({ name: m.name, version: m.version, target: m.target, trained_at: m.trainedAt, metrics: m.metrics })) })) },
    "/v1/models/:name": {
      PUT: g("admin", async (req: Bun.BunRequest<"/v1/models/:name">) => {
        try {
          let json: unknown;
          try { json = await req.json(); } catch { throw new EngineError("malformed_body", "a model file is JSON (see the README's Bidding section)"); }
          const m = ctx.bids.putModel(req.params.name, json);
          return jsonResponse({ name: m.name, version: m.version, target: m.target, metrics: m.metrics });
        } catch (e) {
          return errorResponse(e);
        }
      }),
    },
    "/v1/dashboard": {
      GET: g("query", async (req: Request) => {
        try {
          const p = QueryParams.of(req);
          return new Response(await ctx.dashboard.render(parseView({ minutes: p.get("minutes"), campaign: p.get("campaign") })), { headers: { "content-type": "application/json" } });
        } catch (e) {
          return errorResponse(e);
        }
      }),
    },
    "/v1/dashboard/ws": {
      GET: g("query", (req: Request, srv: Server<WsData>) => {
        try {
          const p = QueryParams.of(req);
          const view = parseView({ minutes: p.get("minutes"), campaign: p.get("campaign") });
          if (ws.open >= LIMITS.WS_CONNECTIONS_MAX) throw new EngineError("overloaded", `${ws.open} WebSocket connections open, limit ${LIMITS.WS_CONNECTIONS_MAX}`);
          if (srv.upgrade(req, { data: { kind: "dashboard", view, topic: viewTopic(view) } })) return undefined;
          throw new EngineError("bad_request", "expected a WebSocket upgrade request");
        } catch (e) {
          return errorResponse(e);
        }
      }),
    },
    "/v1/alerts": { GET: g("query", () => listAlerts(ctx)), POST: g("admin", (req: Request) => postAlert(req, ctx)) },
    "/v1/alerts/:name": {
      GET: g("query", (req: Bun.BunRequest<"/v1/alerts/:name">) => getAlert(req.params.name, ctx)),
      DELETE: g("admin", (req: Bun.BunRequest<"/v1/alerts/:name">) => deleteAlert(req.params.name, ctx)),
    },
    "/v1/tables/:name": {
      PUT: g("admin", (req: Bun.BunRequest<"/v1/tables/:name">) => putTable(req, req.params.name, ctx)),
      DELETE: g("admin", (req: Bun.BunRequest<"/v1/tables/:name">) => deleteTable(req.params.name, ctx)),
    },
    "/v1/tables/:name/rows": { GET: g("query", (req: Bun.BunRequest<"/v1/tables/:name/rows">) => tableRows(req, req.params.name, ctx.catalog)) },
    "/v1/events/ws": {
      GET: g("ingest", (req: Request, srv: Server<WsData>) => {
        try {
          const table = QueryParams.of(req).get("table") ?? DEFAULT_TABLE;
          checkTable(ctx, table);
          if (ws.open >= LIMITS.WS_CONNECTIONS_MAX) {
            throw new EngineError("overloaded", `${ws.open} WebSocket connections open, limit ${LIMITS.WS_CONNECTIONS_MAX}`);
          }
          if (srv.upgrade(req, { data: { kind: "ingest", table, seq: 0, inflightBytes: 0, paused: false } })) return undefined;
          throw new EngineError("bad_request", "expected a WebSocket upgrade request");
        } catch (e) {
          return errorResponse(e);
        }
      }),
    },
  };
  // A known path asked with another method is a 405 naming the allowed ones, not a 404.
  const known = Object.entries(routes).map(([path, methods]) => ({
    pattern: new RegExp(`^${path.replace(/:[a-z]+/g, "[^/]+")}$`), methods: Object.keys(methods),
  }));
  const fallback = (req: Request) => {
    const path = new URL(req.url).pathname;
    const route = known.find((r) => r.pattern.test(path));
    if (route) {
      return errorResponse(new EngineError("method_not_allowed", `${req.method} is not allowed on ${path}; use ${route.methods.join(" or ")}`, { allow: route.methods }));
    }
    return errorResponse(new EngineError("not_found", `no route for ${req.method} ${path}; see the README's API table`));
  };
  const server = Bun.serve({
    hostname: host,
    port,
    // Bodies are checked against the configured limit in the handlers (clear JSON 413); this is the backstop.
    maxRequestBodySize: Math.max(ctx.bodyBytesMax, LIMITS.BODY_BYTES_MAX, ctx.uploadBytesMax) + 1024,
    // Production serving: the page bundled once on first request, minified, without the hot-reload client.
    development: false,
    routes,
    fetch: fallback,
    error: (e) => errorResponse(e),
    websocket: combinedWs(wsHandler(ctx, ws), ctx.dashboard, ws),
  });
  ctx.dashboard.attach(server as Server<unknown>);
  return server;
}
