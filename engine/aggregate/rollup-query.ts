// Time series from the rollups: a metric per step over [from, to), optionally by dimensions and
// filtered by dimension values, read from cells only (never raw events). Points start at `from`
// and are `stepMs` apart; a cell belongs to the point its bucket starts in.
//
// Ratios are computed from the sums of the point (CTR = clicks / impressions, never a mean of
// per-minute CTRs); UV merges the cells' sketches (hll.ts), so an hour's UV is the sketch of the
// hour's users. A dimension set that covers `by` and the filter's dimensions answers (the smallest);
// none is a bad_argument naming the configured sets.

import { EngineError } from "../core/errors.ts";
import type { CellTable } from "./rollup-cells.ts";
import { MEASURE_INDEX, type Measure } from "./rollup-cells.ts";
import { rollupTableName } from "./rollup-config.ts";
import { HOUR_MS, type Rollups, type RollupSet } from "./rollups.ts";

export const RATIOS = { ctr: ["clicks", "impressions"], cvr: ["conversions", "clicks"], roas: ["revenue", "cost"] } as const;
export const METRICS = ["events", "pv", "uv", "clicks", "impressions", "conversions", "revenue", "cost", "late", "ctr", "cvr", "roi", "roas"] as const;
export type Metric = (typeof METRICS)[number];

/** Bounds on one answer, so a query can never allocate without limit. */
export const METRICS_POINTS_MAX = 10_000;
export const METRICS_SERIES_MAX = 1_000;

export interface MetricsQuery {
  readonly metric: Metric;
  readonly by: readonly string[];
  readonly filter: Readonly<Record<string, string>>;
  readonly from: number;
  readonly to: number;
  readonly stepMs: number;
}

export interface MetricsSeries {
  readonly key: Record<string, string | null>;
  /** [point start ms, value]; null where a ratio's denominator is 0. */
  readonly points: [number, number | null][];
}

export interface MetricsAnswer {
  readonly table: string;
  readonly cellsRead: number;
  readonly series: MetricsSeries[];
}

function pickSet(r: Rollups, q: MetricsQuery): RollupSet {
  const need = new Set([...q.by, ...Object.keys(q.filter)]);
  let best: RollupSet | null = null;
  for (const s of r.sets) {
    if ([...need].every((d) => s.dims.includes(d)) && (!best || s.dims.length < best.dims.length)) best = s;
  }
  if (!best) {
    const sets = r.sets.map((s) => `[${s.dims.join(", ")}]`).join(", ");
    throw new EngineError("bad_argument", `no rollup covers the dimensions ${[...need].join(", ")}; configured sets: ${sets} (rollups.dimensions in the config)`);
  }
  return best;
}

export function queryRollups(r: Rollups, q: MetricsQuery): MetricsAnswer {
  if (!(q.to > q.from)) throw new EngineError("bad_argument", `to (${q.to}) must be after from (${q.from})`);
  const g = r.config.granularityMs;
  if (!(q.stepMs >= g) || q.stepMs % g !== 0) throw new EngineError("bad_argument", `step must be a multiple of the rollup granularity, ${g} ms`);
  const points = Math.ceil((q.to - q.from) / q.stepMs);
  if (points > METRICS_POINTS_MAX) throw new EngineError("bad_argument", `${points} points requested, at most ${METRICS_POINTS_MAX}: widen step or narrow the range`);
  const set = pickSet(r, q);
  const byIdx = q.by.map((d) => set.dims.indexOf(d));
  const filterIdx: [number, number][] = [];
  for (const [d, v] of Object.entries(q.filter)) {
    const id = r.dimIds.get(d)!.find(v);
    if (id < 0) return { table: rollupTableName(set.dims), cellsRead: 0, series: [] };
    filterIdx.push([set.dims.indexOf(d), id]);
  }
  // (series, point) -> cells, gathered from both levels.
  const groups = new Map<number, number[]>(), seriesKeys: number[][] = [], seriesOf = new Map<string, number>();
  let cellsRead = 0;
  const gather = (t: CellTable, level: number, bucketMs: number) => {
    const first = Math.floor(q.from / bucketMs), last = Math.ceil(q.to / bucketMs);
    const visit = (bucket: number, cells: readonly number[]) => {
      const start = bucket * bucketMs, end = start + bucketMs;
      if (end <= q.from || start >= q.to) return;
      const point = Math.floor((start - q.from) / q.stepMs);
      // A cell must fall inside one point: hour cells cannot be split into minutes.
      if (start < q.from || end > q.to || Math.floor((end - 1 - q.from) / q.stepMs) !== point) {
        if (level === 0) return; // a fine bucket straddling `to` or `from` only when they are unaligned: excluded
        throw new EngineError("bad_argument", `data before ${new Date(r.horizon).toISOString()} is kept per hour: align from/to to whole hours and use a step that is a multiple of 1 h (3600000 ms) for this range`);
      }
      for (const cell of cells) {
        cellsRead++;
        if (!filterIdx.every(([k, id]) => t.idOf(cell, k) === id)) continue;
        const ids = byIdx.map((k) => t.idOf(cell, k));
        const sk = ids.join(",");
        let s = seriesOf.get(sk);
        if (s === undefined) {
          if (seriesKeys.length >= METRICS_SERIES_MAX) throw new EngineError("bad_argument", `more than ${METRICS_SERIES_MAX} series: filter or group by fewer dimensions`);
          seriesOf.set(sk, (s = seriesKeys.length));
          seriesKeys.push(ids);
        }
        const gk = (s * points + point) * 2 + level;
        let list = groups.get(gk);
        if (!list) groups.set(gk, (list = []));
        list.push(cell);
      }
    };
    // Few buckets in range: look them up; many: walk the index once.
    if (last - first <= t.byBucket.size) for (let b = first; b < last; b++) { const cells = t.byBucket.get(b); if (cells) visit(b, cells); }
    else for (const [b, cells] of t.byBucket) visit(b, cells);
  };
  gather(set.fine, 0, g);
  gather(set.coarse, 1, HOUR_MS);
  const series: MetricsSeries[] = seriesKeys.map((ids) => ({
    key: Object.fromEntries(q.by.map((d, i) => [d, ids[i]! < 0 ? null : r.dimIds.get(d)!.value(ids[i]!)])),
    points: Array.from({ length: points }, (_, p) => [q.from + p * q.stepMs, 0] as [number, number | null]),
  }));
  for (let s = 0; s < series.length; s++) {
    for (let p = 0; p < points; p++) {
      const fine = groups.get((s * points + p) * 2) ?? [], coarse = groups.get((s * points + p) * 2 + 1) ?? [];
      series[s]!.points[p]![1] = pointValue(q.metric, set, fine, coarse);
    }
  }
  return { table: rollupTableName(set.dims), cellsRead, series };
}

function sum(set: RollupSet, m: Measure, fine: readonly number[], coarse: readonly number[]): number {
  const i = MEASURE_INDEX[m], f = set.fine.measures[i]!, c = set.coarse.measures[i]!;
  let x = 0;
  for (const cell of fine) x += f[cell]!;
  for (const cell of coarse) x += c[cell]!;
  return x;
}

function pointValue(metric: Metric, set: RollupSet, fine: readonly number[], coarse: readonly number[]): number | null {
  if (metric === "uv") return uniqueUsers(set, fine, coarse);
  if (metric === "roi") {
    const cost = sum(set, "cost", fine, coarse);
    return cost === 0 ? null : (sum(set, "revenue", fine, coarse) - cost) / cost;
  }
  if (metric in RATIOS) {
    const [num, den] = RATIOS[metric as keyof typeof RATIOS];
    const d = sum(set, den, fine, coarse);
    return d === 0 ? null : sum(set, num, fine, coarse) / d;
  }
  return sum(set, metric as Measure, fine, coarse);
}

function uniqueUsers(set: RollupSet, fine: readonly number[], coarse: readonly number[]): number {
  const all = [...fine.map((c) => set.fine.sketches[c]!), ...coarse.map((c) => set.coarse.sketches[c]!)];
  if (all.length === 0) return 0;
  if (all.length === 1) return Math.round(all[0]!.estimate());
  const acc = all[0]!.clone();
  for (let i = 1; i < all.length; i++) acc.merge(all[i]!);
  return Math.round(acc.estimate());
}
