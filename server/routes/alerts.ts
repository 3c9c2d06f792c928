// /v1/alerts: define (POST, admin), list with states (GET, query), read one (GET), delete (DELETE,
// admin). The fired-alerts log is the `_alerts` table: SELECT * FROM _alerts ORDER BY ts DESC.

import { EngineError } from "../../engine/core/errors.ts";
import type { AlertService } from "../alerts/alert-service.ts";
import { errorResponse, jsonResponse } from "../errors.ts";

export interface AlertsRouteContext {
  readonly alerts: AlertService;
}

export async function postAlert(req: Request, ctx: AlertsRouteContext): Promise<Response> {
  try {
    let body: unknown;
    try { body = await req.json(); } catch { throw new EngineError("malformed_body", "body must be a JSON alert rule (see the README's Alerts section)"); }
    const { rule, result } = ctx.alerts.put(body);
    return jsonResponse({ name: rule.name, result }, result === "added" ? 201 : 200);
  } catch (e) {
    return errorResponse(e);
  }
}

export function listAlerts(ctx: AlertsRouteContext): Response {
  return jsonResponse({ alerts: ctx.alerts.list(), webhooks: ctx.alerts.delivery.stats(), log_failures: ctx.alerts.logFailures });
}

export function getAlert(name: string, ctx: AlertsRouteContext): Response {
  const a = ctx.alerts.list().find((x) => (x as { name: string }).name === name);
  return a ? jsonResponse(a) : errorResponse(new EngineError("not_found", `no alert rule named ${name}`));
}

export function deleteAlert(name: string, ctx: AlertsRouteContext): Response {
  return ctx.alerts.remove(name) ? jsonResponse({ deleted: name }) : errorResponse(new EngineError("not_found", `no alert rule named ${name}`));
}
