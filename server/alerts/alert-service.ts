// The alert engine of one process (engine/aggregate/alert-engine.ts) wired to its world: rollups and
// data quality as the metric source, a tick every second on the wall clock, every transition written
// to the `_alerts` table through the ingest pipeline (so the log of fired alerts is durable and
// queryable in SQL) and POSTed to the rule's webhook, rules and their states kept in DATA/alerts.json
// (replaced atomically after every change and every transition), so a restart neither forgets a rule
// nor fires an alert that was already firing a second time.

import { replaceFileSync } from "../../storage/fs/replace-file.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AlertEngine, type AlertTransition, type MetricSource } from "../../engine/aggregate/alert-engine.ts";
import { parseAlertRule, type AlertRule } from "../../engine/aggregate/alert-rules.ts";
import type { DataQuality } from "../../engine/aggregate/data-quality.ts";
import { queryRollups, METRICS, type Metric } from "../../engine/aggregate/rollup-query.ts";
import type { Rollups } from "../../engine/aggregate/rollups.ts";
import { WebhookDelivery } from "../../engine/aggregate/webhook-delivery.ts";
import { ALERTS_TABLE } from "../../engine/core/event-schema.ts";
import type { IngestPipeline } from "../ingest-pipeline.ts";

export const ALERTS_FILE = "alerts.json";
const TICK_MS = 1000;

/** Data-quality metrics alert rules may name (besides the rollup metrics), per `table` filter (default events). */
/** Social-listening metrics, named social.<metric> in rules, filtered by {"brand": ...}. */
export const SOCIAL_METRICS = ["mentions", "positive", "negative", "neutral", "sentiment_avg", "share_of_voice"] as const;

export const QUALITY_METRICS = ["dq_events", "dq_late", "dq_rejected", "dq_late_ratio", "dq_reject_ratio"] as const;

export interface AlertServiceDeps {
  readonly dataDir: string;
  readonly rollups: Rollups;
  readonly quality: DataQuality;
  readonly pipeline: () => IngestPipeline;
  /** Extra gauges (e.g. consumer_lag) by name. */
  readonly gauges?: (metric: string, filter: Readonly<Record<string, string>> | undefined, fromMs: number, toMs: number) => number | null;
  readonly now?: () => number;
}

export function metricSource(d: AlertServiceDeps): MetricSource {
  return {
    value(metric, filter, fromMs, toMs) {
      if ((METRICS as readonly string[]).includes(metric)) {
        const g = d.rollups.config.granularityMs;
        const from = Math.floor(fromMs / g) * g, to = Math.ceil(toMs / g) * g;
        const a = queryRollups(d.rollups, { metric: metric as Metric, by: [], filter: filter ?? {}, from, to, stepMs: to - from });
        return a.series[0]?.points[0]?.[1] ?? null;
      }
      const table = filter?.table ?? "events";
      const sum = (s: "events" | "late" | "rejected") => d.quality.sum(table, s, fromMs, toMs);
      switch (metric) {
        case "dq_events": return sum("events");
        case "dq_late": return sum("late");
        case "dq_rejected": return sum("rejected");
        case "dq_late_ratio": { const n = sum("events"); return n === 0 ? null : sum("late") / n; }
        case "dq_reject_ratio": { const n = sum("events") + sum("rejected"); return n === 0 ? null : sum("rejected") / n; }
        default: return d.gauges?.(metric, filter, fromMs, toMs) ?? null;
      }
    },
  };
}

export class AlertService {
  readonly engine: AlertEngine;
  readonly delivery: WebhookDelivery;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly path: string;
  private logging: Promise<unknown> = Promise.resolve();
  logFailures = 0;

  constructor(private readonly d: AlertServiceDeps) {
    this.path = join(d.dataDir, ALERTS_FILE);
    const now = d.now ?? Date.now;
    this.delivery = new WebhookDelivery({
      fetch: (url, init) => fetch(url, { ...init, redirect: "manual" }), now, random: Math.random,
      timers: { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
      onOutcome: (o) => { if (o.result === "failed" || o.result === "dropped") console.error(`alert webhook ${o.result}: ${o.url}`); },
    });
    const opts = { now, source: metricSource(d), sink: (t: AlertTransition, rule: AlertRule) => this.onTransition(t, rule) };
    this.engine = existsSync(this.path) ? AlertEngine.decode(readFileSync(this.path), opts) : new AlertEngine(opts);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref?.();
  }

  tick(): void {
    try {
      const before = this.transitions;
      this.engine.tick();
      if (this.transitions !== before) this.save();
    } catch (e) {
      console.error(`alert tick failed: ${(e as Error).message}`);
    }
  }

  private transitions = 0;

  private onTransition(t: AlertTransition, rule: AlertRule): void {
    this.transitions++;
    if (rule.webhook) this.delivery.enqueue(t, rule.webhook);
    const row = {
      event_id: `${t.episode}:${t.state}`, ts: t.at, rule: t.rule, state: t.state, severity: t.severity, kind: t.kind, metric: t.metric,
      filter: t.filter, value: t.value, threshold: t.threshold?.value ?? null, baseline_mean: t.baseline?.mean ?? null, episode: t.episode, text: t.text,
    };
    // The log is written in order; its event_id makes a retry after a failure harmless.
    this.logging = this.logging.then(() => this.d.pipeline().ingest({
      table: ALERTS_TABLE, format: "ndjson", gzip: false, body: new TextEncoder().encode(JSON.stringify(row)), source: "alerts", allowEnvelope: false,
    })).catch((e) => { this.logFailures++; console.error(`fired-alerts log: ${(e as Error).message}`); });
  }

  /** Adds or replaces a rule (validated: throws bad_argument naming the field). */
  put(input: unknown): { rule: AlertRule; result: string } {
    const rule = parseAlertRule(input, {
      metrics: [...METRICS, ...QUALITY_METRICS, "consumer_lag", ...SOCIAL_METRICS.map((m) => `social.${m}`)],
      dimensions: [...new Set(this.d.rollups.sets.flatMap((s) => s.dims)), "table", "partition", "topic", "brand"],
    });
    const result = this.engine.put(rule);
    this.save();
    return { rule, result };
  }

  remove(name: string): boolean {
    const ok = this.engine.remove(name);
    if (ok) this.save();
    return ok;
  }

  /** Rules and states, webhook header values hidden (they may hold secrets). */
  list(): unknown[] {
    const status = new Map(this.engine.status().map((s) => [s.rule, s]));
    return this.engine.rules().map((r) => ({
      ...r, webhook: r.webhook ? { url: r.webhook.url, headers: Object.fromEntries(Object.keys(r.webhook.headers ?? {}).map((h) => [h, "***"])) } : undefined,
      status: status.get(r.name) ?? null,
    }));
  }

  private save(): void {
    replaceFileSync(this.path, this.engine.encode());
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.save();
    await this.logging;
    this.delivery.close();
  }
}
