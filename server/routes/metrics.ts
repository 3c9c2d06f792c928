// GET /v1/metrics: time series from the continuous rollups (engine/aggregate/rollup-query.ts), never
// from raw events: `stats.rows_scanned` is always 0 and `cells_read` says what was read.
//
//   ?metric=uv&by=campaign&from=2026-12-04T10:00:00Z&to=...&step=5m&country=US
//
// from/to: ISO-8601 or epoch ms (default: the last hour up to now); step: 30s, 1m, 5m, 1h, 1d or
// ms (default: the rollup granularity); by: comma-separated dimensions; any other parameter named
// after a dimension filters on its value.
//
// The same question asked again while the rollups are unchanged (a dashboard's panels, polled by
// every open tab) gets the bytes computed the first time (answer-cache.ts; `x-caracal-cache: hit`,
// and the body's stats describe that computation); asked after a change to minute cells only, the
// kept answer is brought up to date (rollup-query-update.ts) and only the series whose values
// changed are encoded again. Answers asked for since they were computed are computed again before
// the next ask (metrics-refresh.ts), by computeAnswer, the same code an ask runs.

import { EngineError } from "../../engine/core/errors.ts";
import { evaluateRollups, METRICS, readsHeldHourTables, type Metric, type MetricsQuery, type RollupSeries } from "../../engine/aggregate/rollup-query.ts";
import type { Rollups } from "../../engine/aggregate/rollups.ts";
import { errorResponse } from "../errors.ts";
import { updateAnswer } from "../../engine/aggregate/rollup-query-update.ts";
import type { Metrics } from "../observability/prometheus.ts";
import type { AnswerCache, KeptAnswer } from "./answer-cache.ts";
import type { MetricsRefresh } from "./metrics-refresh.ts";
import { joinParts, metricsBodyParts } from "./metrics-json.ts";
import { QueryParams } from "../query-params.ts";

export interface MetricsRouteContext {
  rollups: Rollups;
  metricsAnswers: AnswerCache;
  /** Computes polled answers ahead of their asks; told of questions whose window follows the clock. */
  readonly metricsRefresh?: MetricsRefresh;
  /** The wall clock windows without `to` end at (default Date.now). */
  readonly now?: () => number;
  /** caracal_lookup_seconds{endpoint="metrics"}: the time to the Response, reused or computed. */
  readonly metrics?: Metrics;
}

const HIT_HEADERS = { "content-type": "application/json", "x-caracal-cache": "hit" };
const MISS_HEADERS = { "content-type": "application/json", "x-caracal-cache": "miss" };
// api_key: a key may come in the query string (server/auth/access.ts); it is not a filter.
const RESERVED = new Set(["metric", "by", "from", "to", "step", "api_key"]);
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * What an answer depends on besides its question: the cells (Rollups.generation) and, for a sum over
 * whole hours, which hour tables are held (it reads the held ones: rollup-query.ts
 * readsHeldHourTables). Other answers leave the hour tables out of their stamp, so a UV query that
 * builds tables does not make every kept answer stale (a refreshed minute-by-minute revenue answer
 * missed on every poll when a UV-by-hour panel was refreshed after it).
 */
export function answerStamp(r: Rollups, q: MetricsQuery): string {
  return readsHeldHourTables(r, q) ? `${r.generation}:${r.hours.heldVersion}` : String(r.generation);
}

/**
 * The answer's body as one Blob (this and every later hit share it: answer-cache.ts says why), and
 * its series as they are kept. A series whose values are those of the last answer to the same
 * question (`prior`) keeps its bytes: after a small change (a trickle of events) most of the body is
 * not written again.
 */
function encodeAnswer(head: Record<string, unknown>, answer: RollupSeries, stats: Record<string, unknown>, prior: KeptAnswer | null) {
  const keyTexts = answer.keys.map((k) => JSON.stringify(k));
  const values = answer.keys.map((_, i) => {
    const v = new Float64Array(answer.points);
    for (let p = 0; p < answer.points; p++) v[p] = answer.value(i, p) ?? NaN;
    return v;
  });
  const before = new Map(prior?.keyTexts.map((k, i) => [k, i]));
  let kept = 0;
  const parts = metricsBodyParts(head, answer, stats, (i) => {
    const j = before.get(keyTexts[i]!);
    if (j === undefined || !sameValues(prior!.values[j]!, values[i]!)) return null;
    kept++;
    return prior!.bytes[j]!;
  });
  return { blob: new Blob(joinParts(parts), { type: "application/json" }), keyTexts, values, bytes: parts.series, kept };
}

/** Equal values, null (NaN) equal to null; -0 and 0 are written alike. */
function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) { const x = a[i]!, y = b[i]!; if (x !== y && !(x !== x && y !== y)) return false; }
  return true;
}

export function parseDuration(s: string, what: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new EngineError("bad_argument", `${what} "${s}" is not a duration such as 500ms, 30s, 5m, 1h, 1d or a number of ms`);
  return Number(m[1]) * UNIT_MS[m[2] ?? "ms"]!;
}

export function parseTime(s: string, what: string): number {
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t)) throw new EngineError("bad_argument", `${what} "${s}" is not an ISO-8601 time or epoch milliseconds`);
  return t;
}

/** A question as the route read it: everything its answer depends on besides the rollups. */
export interface MetricsQuestion {
  /** The same for the same question however it was spelled (filters in any order, times in any form). */
  readonly key: string;
  readonly query: MetricsQuery;
  /** The body's first fields. */
  readonly head: Record<string, unknown>;
  /** Without `to`, the window follows the clock: the parameters, to read the question again later. */
  readonly rolling: QueryParams | null;
}

/** Reads a question from a query string; without from/to, the last hour up to `now`. */
export function parseQuestion(p: QueryParams, r: Rollups, now: number): MetricsQuestion {
  const g = r.config.granularityMs;
  const metric = p.get("metric");
  if (!metric) throw new EngineError("bad_argument", `metric is required: one of ${METRICS.join(", ")}`);
  if (!(METRICS as readonly string[]).includes(metric)) throw new EngineError("bad_argument", `unknown metric ${metric}: one of ${METRICS.join(", ")}`);
  const dims = new Set(r.sets.flatMap((s) => s.dims));
  const by = (p.get("by") ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const d of by) if (!dims.has(d)) throw new EngineError("bad_argument", `by: ${d} is not a rollup dimension (${[...dims].join(", ")})`);
  const filter: Record<string, string> = {};
  for (const [k, v] of p) {
    if (RESERVED.has(k)) continue;
    if (!dims.has(k)) throw new EngineError("bad_argument", `unknown parameter ${k}: use metric, by, from, to, step, or a dimension (${[...dims].join(", ")}) to filter`);
    filter[k] = v;
  }
  const stepMs = p.has("step") ? parseDuration(p.get("step")!, "step") : g;
  // Whole buckets: from rounds down and to rounds up to the granularity.
  const to = Math.ceil((p.has("to") ? parseTime(p.get("to")!, "to") : now) / g) * g;
  const from = Math.floor((p.has("from") ? parseTime(p.get("from")!, "from") : to - 3_600_000) / g) * g;
  // Filter order does not change the answer; `by` order does (it orders each series' key).
  const key = JSON.stringify([metric, by, Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : 1)), from, to, stepMs]);
  const head = { metric, by, from: new Date(from).toISOString(), to: new Date(to).toISOString(), step_ms: stepMs };
  return { key, query: { metric: metric as Metric, by, filter, from, to, stepMs }, head, rolling: p.has("to") ? null : p };
}

/**
 * Computes the answer to `question` from the rollups now and keeps it; `asked`: for an ask (false:
 * a refresh, metrics-refresh.ts). `t0`: when the work started, for stats.elapsed_ms.
 */
export function computeAnswer(ctx: MetricsRouteContext, question: MetricsQuestion, t0: number, asked: boolean): Blob {
  const r = ctx.rollups, q = question.query;
  const prior = ctx.metricsAnswers.kept(question.key);
  // Read again only where cells changed since the kept answer, when that is all that changed (and,
  // for a sum over whole hours, the hour tables held are the same: it reads them).
  const changed = prior !== null && (prior.heldVersion === r.hours.heldVersion || !readsHeldHourTables(r, q)) ? r.changedSince(prior.generation) : null;
  const answer = changed !== null ? updateAnswer(r, q, prior!, changed.lo, changed.hi) : evaluateRollups(r, q);
  if (changed !== null) ctx.metricsAnswers.noteUpdated();
  const stats = { elapsed_ms: Math.round((performance.now() - t0) * 1000) / 1000, cells_read: answer.cellsRead, rows_scanned: 0, source: answer.table };
  const { blob, keyTexts, values, bytes, kept } = encodeAnswer(question.head, answer, stats, prior);
  ctx.metricsAnswers.noteSeriesKept(kept);
  // Stamped after the query: the hour tables it built are held now, and a fresh answer would read them.
  ctx.metricsAnswers.set(question.key, answerStamp(r, q), blob, {
    generation: r.generation, heldVersion: r.hours.heldVersion, table: answer.table, cellsPerPoint: answer.cellsPerPoint, keys: answer.keys, keyTexts, values, bytes,
  }, question, asked);
  return blob;
}

export function getMetrics(req: Request, ctx: MetricsRouteContext): Response {
  const t0 = performance.now();
  try {
    const question = parseQuestion(QueryParams.of(req), ctx.rollups, (ctx.now ?? Date.now)());
    if (question.rolling !== null) ctx.metricsRefresh?.rollsAt(question.query.to);
    const hit = ctx.metricsAnswers.get(question.key, answerStamp(ctx.rollups, question.query));
    if (hit !== undefined) return new Response(hit, { headers: HIT_HEADERS });
    return new Response(computeAnswer(ctx, question, t0, true), { headers: MISS_HEADERS });
  } catch (e) {
    return errorResponse(e);
  } finally {
    ctx.metrics?.lookup.observe({ endpoint: "metrics" }, (performance.now() - t0) / 1000);
  }
}
