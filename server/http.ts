// The route table: which handler answers which method and path. Handlers live in routes/.

import type { Server } from "bun";
import { EngineError } from "../engine/core/errors.ts";
import { DEFAULT_TABLE } from "../engine/core/event-schema.ts";
import { LIMITS } from "../engine/core/limits.ts";
import { errorResponse } from "./errors.ts";
import { checkTable, postEvents, type EventsRouteContext } from "./routes/events.ts";
import { wsHandler, type WsCounters, type WsData } from "./routes/events-ws.ts";
import { healthz, stats, type OpsContext } from "./routes/ops.ts";
import { sqlQuery, type SqlRouteContext } from "./routes/sql.ts";
import { deleteTable, listTables, putTable, type TablesRouteContext } from "./routes/tables.ts";
import { tableRows } from "./routes/table-rows.ts";
import type { DerivedParts } from "./derived-parts.ts";
import type { Metrics } from "./observability/prometheus.ts";

export type HttpContext = EventsRouteContext & Omit<OpsContext, "ws"> & SqlRouteContext & TablesRouteContext & {
  readonly metrics: Metrics;
  readonly derived: DerivedParts;
};

export function startHttp(host: string, port: number, ctx: HttpContext): Server<WsData> {
  const ws: WsCounters = { open: 0, pauses: 0, backpressureCloses: 0 };
  const ops: OpsContext = { ...ctx, ws };
  const routes = {
    "/healthz": { GET: () => healthz(ops) },
    "/v1/stats": { GET: () => stats(ops) },
    "/metrics": { GET: () => ctx.metrics.exposition() },
    "/v1/events": { POST: (req: Request) => postEvents(req, ctx) },
    "/v1/sql": { GET: (req: Request) => sqlQuery(req, ctx), POST: (req: Request) => sqlQuery(req, ctx) },
    "/v1/tables": { GET: () => listTables(ctx) },
    "/v1/tables/:name": {
      PUT: (req: Bun.BunRequest<"/v1/tables/:name">) => putTable(req, req.params.name, ctx),
      DELETE: (req: Bun.BunRequest<"/v1/tables/:name">) => deleteTable(req.params.name, ctx),
    },
    "/v1/tables/:name/rows": { GET: (req: Bun.BunRequest<"/v1/tables/:name/rows">) => tableRows(req, req.params.name, ctx.catalog) },
    "/v1/events/ws": {
      GET: (req: Request, srv: Server<WsData>) => {
        try {
          const table = new URL(req.url).searchParams.get("table") ?? DEFAULT_TABLE;
          checkTable(ctx, table);
          if (ws.open >= LIMITS.WS_CONNECTIONS_MAX) {
            throw new EngineError("overloaded", `${ws.open} WebSocket connections open, limit ${LIMITS.WS_CONNECTIONS_MAX}`);
          }
          if (srv.upgrade(req, { data: { table, seq: 0, inflightBytes: 0, paused: false } })) return undefined;
          throw new EngineError("bad_request", "expected a WebSocket upgrade request");
        } catch (e) {
          return errorResponse(e);
        }
      },
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
    routes,
    fetch: fallback,
    error: (e) => errorResponse(e),
    websocket: wsHandler(ctx, ws),
  });
  return server;
}
