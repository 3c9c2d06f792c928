// POST /v1/sql and GET /v1/sql: read the request (sql/sql-request.ts), route it to an engine
// (sql/sql-router.ts), encode the answer in the requested format (sql/encode-result.ts).

import { errorResponse } from "../errors.ts";
import { encodeResult } from "../sql/encode-result.ts";
import { readSqlRequest, type SqlLimits } from "../sql/sql-request.ts";
import type { SqlRouter } from "../sql/sql-router.ts";
import type { Metrics } from "../observability/prometheus.ts";

export interface SqlRouteContext {
  readonly sqlRouter: SqlRouter;
  readonly sqlLimits: SqlLimits;
  readonly metrics?: Metrics;
}

export async function sqlQuery(req: Request, ctx: SqlRouteContext): Promise<Response> {
  try {
    const request = await readSqlRequest(req, ctx.sqlLimits);
    const result = await ctx.sqlRouter.run(request);
    ctx.metrics?.query.observe({ engine: result.stats.engine }, result.stats.elapsedMs / 1000);
    return encodeResult(result, request.format);
  } catch (e) {
    return errorResponse(e);
  }
}
