// The data of every panel of the live dashboard, computed in one pass from what the process already
// maintains: rollups (traffic, conversions, campaigns, geography, devices, throughput), alert states,
// data quality, and, where no rollup covers the question (top items, breakdowns filtered by a
// campaign), one SQL query each through the native engine over the in-memory store. Figures state
// their units in their names (per minute, per second, currency as sent).

import { queryRollups, type Metric } from "../../engine/aggregate/rollup-query.ts";
import type { SqlValue } from "../../engine/query/result.ts";
import type { DerivedParts } from "../derived-parts.ts";
import type { AlertService } from "../alerts/alert-service.ts";
import type { SqlRouter } from "../sql/sql-router.ts";

export interface PanelQuery {
  /** Minutes of history the time series show (default 60). */
  readonly minutes: number;
  readonly campaign: string | null;
  readonly nowMs: number;
}

export interface PanelSources {
  readonly derived: DerivedParts;
  readonly alerts: AlertService;
  readonly sql: SqlRouter;
  /** Kafka consumer lag per partition (messages), empty without Kafka sources. */
  readonly kafkaLag?: () => { topic: string; partition: number; lag: number }[];
  /** Extra panels contributed by other parts (funnels, social listening), by name. */
  readonly extra?: (q: { from: number; to: number; nowMs: number; campaign: string | null }) => Record<string, unknown>;
}

const MIN = 60_000;

function series(d: DerivedParts, metric: Metric, q: PanelQuery, from: number, to: number): [number, number | null][] {
  const filter: Record<string, string> = q.campaign === null ? {} : { campaign: q.campaign };
  const a = queryRollups(d.rollups, { metric, by: [], filter, from, to, stepMs: MIN });
  return a.series[0]?.points ?? Array.from({ length: (to - from) / MIN }, (_, i) => [from + i * MIN, 0]);
}

function breakdown(d: DerivedParts, by: string, metrics: readonly Metric[], from: number, to: number): Record<string, unknown>[] {
  const rows = new Map<string, Record<string, unknown>>();
  for (const metric of metrics) {
    for (const s of queryRollups(d.rollups, { metric, by: [by], filter: {}, from, to, stepMs: to - from }).series) {
      const key = String(s.key[by] ?? "(none)");
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { [by]: key }));
      row[metric] = s.points[0]![1];
    }
  }
  return [...rows.values()].sort((a, b) => Number(b[metrics[0]!] ?? 0) - Number(a[metrics[0]!] ?? 0));
}

async function sqlRows(sql: SqlRouter, text: string, params: SqlValue[]): Promise<Record<string, unknown>[]> {
  const r = await sql.run({ sql: text, params, engine: "auto", timeoutMs: 2000, maxRows: 1000 });
  // Counts arrive as BIGINT (bigint in JS): panels carry plain JSON numbers.
  const plain = (v: SqlValue): unknown => (typeof v === "bigint" ? Number(v) : v instanceof Date ? v.getTime() : v);
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, plain(row[i]!)])));
}

export async function panels(src: PanelSources, q: PanelQuery): Promise<Record<string, unknown>> {
  const d = src.derived;
  const to = Math.ceil((q.nowMs + 1) / MIN) * MIN, from = to - q.minutes * MIN;
  const pv = series(d, "pv", q, from, to), uv = series(d, "uv", q, from, to);
  const conv = series(d, "conversions", q, from, to), rev = series(d, "revenue", q, from, to);
  const events = series(d, "events", { ...q, campaign: null }, from, to);
  const campaignMetrics: Metric[] = ["revenue", "cost", "events", "clicks", "impressions", "conversions", "ctr", "cvr", "roi", "roas"];
  const campaigns = breakdown(d, "campaign", campaignMetrics, from, to).filter((c) => q.campaign === null || c.campaign === q.campaign);
  const window = [new Date(from), new Date(to)] as SqlValue[];
  const filter = q.campaign === null ? "" : " AND campaign = $3";
  const params = q.campaign === null ? window : [...window, q.campaign];
  // With a campaign chosen, geography and devices come from SQL: no default rollup has both.
  const [countries, devices, topItems] = await Promise.all([
    q.campaign === null ? breakdown(d, "country", ["events", "revenue", "uv"], from, to)
      : sqlRows(src.sql, `SELECT coalesce(country, '(none)') AS country, count(*) AS events, coalesce(sum(revenue), 0) AS revenue FROM events WHERE ts >= $1 AND ts < $2${filter} GROUP BY 1 ORDER BY 2 DESC LIMIT 50`, params),
    q.campaign === null ? breakdown(d, "device", ["events", "revenue", "uv"], from, to)
      : sqlRows(src.sql, `SELECT coalesce(device, '(none)') AS device, count(*) AS events, coalesce(sum(revenue), 0) AS revenue FROM events WHERE ts >= $1 AND ts < $2${filter} GROUP BY 1 ORDER BY 2 DESC LIMIT 20`, params),
    sqlRows(src.sql, `SELECT item_id, count(*) FILTER (WHERE type IN ('page_view', 'view_item')) AS views, count(*) FILTER (WHERE type = 'add_to_cart') AS carts, count(*) FILTER (WHERE type = 'purchase') AS purchases, coalesce(sum(revenue), 0) AS revenue FROM events WHERE ts >= $1 AND ts < $2 AND item_id IS NOT NULL${filter} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`, params),
  ]);
  const lastMinute = [to - 2 * MIN, to - MIN] as const;
  const quality = d.quality;
  const byTable = quality.byTable.get("events");
  return {
    at: q.nowMs, range: { from, to, step_ms: MIN, minutes: q.minutes }, campaign: q.campaign,
    traffic: { unit: "per minute", points: pv.map((p, i) => [p[0], p[1], uv[i]![1]]) },
    conversions: { unit: "per minute; revenue in the events' currency", points: conv.map((p, i) => [p[0], p[1], rev[i]![1]]) },
    campaigns, countries, devices, top_items: topItems,
    throughput: { unit: "events per second, by event time", points: events.map((p) => [p[0], (p[1] ?? 0) / 60]) },
    alerts: src.alerts.list().map((a) => { const x = a as { name: string; severity: string; metric: string; status: { state: string; since: number | null; value: number | null } | null }; return { rule: x.name, severity: x.severity, metric: x.metric, state: x.status?.state ?? "inactive", since: x.status?.since ?? null, value: x.status?.value ?? null }; }),
    quality: {
      events_per_s: quality.sum("events", "events", ...lastMinute) / 60,
      rejected_last_minute: quality.sum("events", "rejected", ...lastMinute),
      late_last_minute: quality.sum("events", "late", ...lastMinute),
      rejected_by_reason: byTable?.totals.rejected ?? {},
      late_total: byTable?.totals.late ?? 0,
      rollup_late_events: d.rollups.counters.late,
      derived_failures: [...d.state.failures.keys()],
      kafka_lag: (src.kafkaLag?.() ?? []).map((l) => ({ topic: l.topic, partition: l.partition, lag: l.lag })),
    },
    ...(src.extra?.({ from, to, nowMs: q.nowMs, campaign: q.campaign }) ?? {}),
  };
}
