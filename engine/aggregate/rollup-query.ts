// Time series from the rollups: a metric per step over [from, to), optionally by dimensions and
// filtered by dimension values, read from cells only (never raw events). Points start at `from`
// and are `stepMs` apart; a cell belongs to the point its bucket starts in.
//
// Ratios are computed from the sums of the point (CTR = clicks / impressions, never a mean of
// per-minute CTRs); UV merges the cells' sketches (hll.ts), so an hour's UV is the sketch of the
// hour's users. A dimension set that covers `by` and the filter's dimensions answers (the smallest);
// none is a bad_argument naming the configured sets. Series come ordered by key.

import { EngineError } from "../core/errors.ts";
import type { CellTable } from "./rollup-cells.ts";
import { MEASURE_INDEX, type Measure } from "./rollup-cells.ts";
import { rollupTableName } from "./rollup-config.ts";
import { HOUR_MS, type Rollups, type RollupSet } from "./rollups.ts";
import type { Hll } from "./hll.ts";

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

/**
 * An answer before it takes a shape: series keys in answer order and a value per (series, point),
 * read on demand. The HTTP route writes it as JSON bytes from here (metrics-json.ts) without the
 * 6,000 [time, value] pairs a last-hour-by-campaign answer would otherwise allocate.
 */
export interface RollupSeries {
  readonly table: string;
  readonly cellsRead: number;
  readonly from: number;
  readonly stepMs: number;
  readonly points: number;
  /** Cells read per point (cellsRead is their sum). */
  readonly cellsPerPoint: Int32Array;
  /** Per series, in answer order: its key (dimension -> value, null for a null value). */
  readonly keys: Record<string, string | null>[];
  /** Value of point p of the series keys[i]; null where a ratio's denominator is 0. */
  value(i: number, p: number): number | null;
}

/** `hourTables: false` reads minute cells only (the reference the hour tables are tested against). */
export function queryRollups(r: Rollups, q: MetricsQuery, opts: { hourTables?: boolean } = {}): MetricsAnswer {
  const a = evaluateRollups(r, q, opts);
  const series: MetricsSeries[] = a.keys.map((key, i) => {
    const pts = new Array<[number, number | null]>(a.points);
    for (let p = 0; p < a.points; p++) pts[p] = [a.from + p * a.stepMs, a.value(i, p)];
    return { key, points: pts };
  });
  return { table: a.table, cellsRead: a.cellsRead, series };
}

/** The answer to `q` as keys and values (queryRollups gives it the shape of MetricsAnswer). */
export function evaluateRollups(r: Rollups, q: MetricsQuery, opts: { hourTables?: boolean } = {}): RollupSeries {
  if (!(q.to > q.from)) throw new EngineError("bad_argument", `to (${q.to}) must be after from (${q.from})`);
  const g = r.config.granularityMs;
  if (!(q.stepMs >= g) || q.stepMs % g !== 0) throw new EngineError("bad_argument", `step must be a multiple of the rollup granularity, ${g} ms`);
  const points = Math.ceil((q.to - q.from) / q.stepMs);
  if (points > METRICS_POINTS_MAX) throw new EngineError("bad_argument", `${points} points requested, at most ${METRICS_POINTS_MAX}: widen step or narrow the range`);
  const set = pickSet(r, q);
  const byIdx = q.by.map((d) => set.dims.indexOf(d));
  const filterIdx: [number, number][] = [];
  for (const [d, v] of Object.entries(q.filter)) {
    // A value never seen matches no cell (-2: -1 is the null value), but the cells are still read and
    // checked as for any filter: an answer kept and later brought up to date counts the same cells.
    const id = r.dimIds.get(d)!.find(v);
    filterIdx.push([set.dims.indexOf(d), id < 0 ? -2 : id]);
  }
  // Each cell is folded into its (series, point) slot as it is visited: sums into typed accumulators,
  // sketches kept (one) or merged (several). Nothing is allocated per cell: a dashboard asks for the
  // last hour of 100 campaigns every second, ~6000 cells.
  const acc = new PointAccumulator(q.metric, points);
  const seriesKeys: number[][] = [], seriesOf = new Map<number | string, number>();
  const single = byIdx.length === 1 ? byIdx[0]! : -1;
  // One dimension (the common case): series by the value's id + 1 (0: null) in an array, not a Map.
  let seriesById: Int32Array = new Int32Array(single >= 0 ? r.dimIds.get(q.by[0]!)!.size + 1 : 0).fill(-1);
  let cellsRead = 0;
  const cellsPerPoint = new Int32Array(points);
  // Whole hours inside a point are read from the fine level's hour tables (rollup-hours.ts: one
  // merged cell per hour and key, built once and kept while the hour is unchanged) rather than
  // from its minute cells; the minutes at a point's ragged edges are read as they are.
  // A sketch merge costs far more than a sum: UV builds the tables it lacks; sums use the tables
  // some earlier query built and read minutes for the rest.
  const tables = opts.hourTables === false ? null : hourTablesOf(r, set, q, points);
  const covered = (startMs: number): boolean => tables !== null && tables.has(Math.floor(startMs / HOUR_MS));
  const visit = (t: CellTable, level: number, bucketMs: number, bucket: number, cells: readonly number[]) => {
    const start = bucket * bucketMs, end = start + bucketMs;
    if (end <= q.from || start >= q.to) return;
    const point = Math.floor((start - q.from) / q.stepMs);
    // A cell must fall inside one point: hour cells cannot be split into minutes.
    if (start < q.from || end > q.to || Math.floor((end - 1 - q.from) / q.stepMs) !== point) {
      if (level === 0) return; // a fine bucket straddling `to` or `from` only when they are unaligned: excluded
      throw new EngineError("bad_argument", `data before ${new Date(r.horizon).toISOString()} is kept per hour: align from/to to whole hours and use a step that is a multiple of 1 h (3600000 ms) for this range`);
    }
    cells: for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      cellsRead++;
      cellsPerPoint[point]!++;
      for (let f = 0; f < filterIdx.length; f++) if (t.idOf(cell, filterIdx[f]![0]) !== filterIdx[f]![1]) continue cells;
      let s: number | undefined;
      let key: number | string = 0, id1 = 0;
      if (single >= 0) {
        id1 = t.idOf(cell, single) + 1;
        if (id1 >= seriesById.length) seriesById = growFilled(seriesById, id1 + 1);
        s = seriesById[id1]!;
        if (s < 0) s = undefined;
      } else {
        key = byIdx.length === 0 ? 0 : byIdx.map((k) => t.idOf(cell, k)).join(",");
        s = seriesOf.get(key);
      }
      if (s === undefined) {
        if (seriesKeys.length >= METRICS_SERIES_MAX) throw new EngineError("bad_argument", `more than ${METRICS_SERIES_MAX} series: filter or group by fewer dimensions`);
        s = seriesKeys.length;
        if (single >= 0) seriesById[id1] = s;
        else seriesOf.set(key, s);
        seriesKeys.push(byIdx.map((k) => t.idOf(cell, k)));
        acc.addSeries();
      }
      acc.add(s * points + point, t, cell);
    }
  };
  const gather = (t: CellTable, level: number, bucketMs: number) => {
    const first = Math.floor(q.from / bucketMs), last = Math.ceil(q.to / bucketMs);
    const each = (b: number, cells: readonly number[]) => { if (level === 1 || !covered(b * bucketMs)) visit(t, level, bucketMs, b, cells); };
    // Few buckets in range: look them up; many: walk the index once. Either way in bucket order: a
    // sum must not depend on the range asked (an answer updated over a few points, rollup-query-update.ts,
    // equals one read whole, to the last bit).
    if (last - first <= t.byBucket.size) for (let b = first; b < last; b++) { const cells = t.byBucket.get(b); if (cells) each(b, cells); }
    else {
      const inRange: number[] = [];
      for (const b of t.byBucket.keys()) if (b >= first && b < last) inRange.push(b);
      inRange.sort((x, y) => x - y);
      for (const b of inRange) each(b, t.byBucket.get(b)!);
    }
  };
  gather(set.fine, 0, g);
  gather(set.coarse, 1, HOUR_MS);
  if (tables !== null) for (const [h, t] of tables) { const cells = t.byBucket.get(h); if (cells) visit(t, 2, HOUR_MS, h, cells); }
  acc.freeze();
  const keyed = seriesKeys.map((ids, s) => ({ s, key: Object.fromEntries(q.by.map((d, i) => [d, ids[i]! < 0 ? null : r.dimIds.get(d)!.value(ids[i]!)])) as Record<string, string | null> }));
  // By key (null first, then by value, dimension by dimension): the same answer whatever order the
  // cells were visited in.
  const order = seriesOrder(q.by);
  keyed.sort((a, b) => order(a.key, b.key));
  return {
    table: rollupTableName(set.dims), cellsRead, cellsPerPoint, from: q.from, stepMs: q.stepMs, points, keys: keyed.map((k) => k.key),
    value: (i, p) => acc.value(keyed[i]!.s * points + p),
  };
}

/** The order of series keys in an answer: null first, then by value, dimension by dimension. */
export function seriesOrder(by: readonly string[]): (a: Record<string, string | null>, b: Record<string, string | null>) => number {
  return (a, b) => {
    for (const d of by) {
      const x = a[d]!, y = b[d]!;
      if (x !== y) return x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
    }
    return 0;
  };
}

/** The measures a metric adds up: one (a sum), two (a ratio: numerator, denominator), or none (uv). */
function measuresOf(metric: Metric): readonly Measure[] {
  if (metric === "uv") return [];
  if (metric === "roi") return ["revenue", "cost"];
  if (metric in RATIOS) return RATIOS[metric as keyof typeof RATIOS];
  return [metric as Measure];
}

/**
 * Per (series, point) slot: the sums of the metric's measures, or for UV the one cell it read (its
 * estimate is the cell table's, uvOf) or, once a second cell comes, a sketch merged from them.
 */
class PointAccumulator {
  private readonly measures: readonly Measure[];
  private sums: Float64Array[] = [];
  /** uv: the slot's first cell and the index of its table in `tables`; -1 while none. */
  private cell: Int32Array = new Int32Array(0);
  private tableOf: Uint32Array = new Uint32Array(0);
  private readonly tables: CellTable[] = [];
  private lastTable: CellTable | null = null;
  private lastIndex = 0;
  /** uv: slots that read more than one cell, their merged sketch (a clone: cells' own are never merged into). */
  private readonly merged = new Map<number, Hll>();
  /** uv, after freeze(): each slot's estimate, so that reading the answer needs no cell any more. */
  private estimates: Float64Array | null = null;
  private slots = 0;

  /** Tested per cell: a boolean, not the metric's name (a string from the query, compared by content). */
  private readonly uv: boolean;
  private readonly roi: boolean;

  constructor(metric: Metric, private readonly points: number) {
    this.uv = metric === "uv";
    this.roi = metric === "roi";
    this.measures = measuresOf(metric);
    this.sums = this.measures.map(() => new Float64Array(0));
  }

  addSeries(): void {
    const need = this.slots + this.points;
    if (this.uv) {
      if (need > this.cell.length) {
        const cell = new Int32Array(Math.max(need, this.cell.length * 2, 64)).fill(-1);
        cell.set(this.cell);
        this.cell = cell;
        this.tableOf = grow(this.tableOf, cell.length);
      }
    } else if (need > this.sums[0]!.length) {
      this.sums = this.sums.map((a) => grow(a, need));
    }
    this.slots = need;
  }

  add(slot: number, t: CellTable, cell: number): void {
    if (!this.uv) {
      for (let m = 0; m < this.measures.length; m++) this.sums[m]![slot]! += t.measures[MEASURE_INDEX[this.measures[m]!]]![cell]!;
      return;
    }
    if (this.cell[slot] === -1) {
      // Cells come table by table (fine, hour, then one table per whole hour).
      if (t !== this.lastTable) {
        let ti = this.tables.indexOf(t);
        if (ti < 0) { ti = this.tables.length; this.tables.push(t); }
        this.lastTable = t;
        this.lastIndex = ti;
      }
      this.cell[slot] = cell;
      this.tableOf[slot] = this.lastIndex;
      return;
    }
    let sk = this.merged.get(slot);
    if (sk === undefined) {
      this.merged.set(slot, (sk = this.tables[this.tableOf[slot]!]!.sketches[this.cell[slot]!]!.clone()));
    }
    sk.merge(t.sketches[cell]!);
  }

  /**
   * Takes every UV estimate now: a (table, cell) is only valid until the rollups next change (a sweep
   * renumbers cells), and an answer may be read later than it was computed.
   */
  freeze(): void {
    if (!this.uv) return;
    const out = new Float64Array(this.slots);
    for (let slot = 0; slot < this.slots; slot++) {
      const c = this.cell[slot]!;
      if (c === -1) continue; // no cell: 0
      const sk = this.merged.size === 0 ? undefined : this.merged.get(slot);
      out[slot] = Math.round(sk !== undefined ? sk.estimate() : this.tables[this.tableOf[slot]!]!.uvOf(c));
    }
    this.estimates = out;
    this.tables.length = 0;
    this.lastTable = null;
    this.merged.clear();
  }

  value(slot: number): number | null {
    if (this.uv) return this.estimates![slot]!;
    const a = this.sums[0]![slot]!;
    if (this.measures.length === 1) return a;
    const b = this.sums[1]![slot]!;
    if (b === 0) return null;
    return this.roi ? (a - b) / b : a / b;
  }
}

/**
 * Whether the answer to `q` depends on which hour tables are held (FineHourCache.heldVersion): sums
 * over whole hours read the held ones, in another order than the minutes (a money sum's last bits
 * differ), while UV builds every table it reads (a union of sketches is the same either way) and a
 * step under an hour reads none.
 */
export function readsHeldHourTables(r: Rollups, q: MetricsQuery): boolean {
  return q.metric !== "uv" && q.stepMs >= HOUR_MS && r.config.granularityMs < HOUR_MS;
}

/**
 * The hour tables to read, by hour index (start ms / HOUR_MS): of the hours that lie wholly inside one
 * point and in the fine level, all of them for UV (built when missing), the ones already held for
 * the other metrics. Null when there are none (or minutes are hours).
 */
function hourTablesOf(r: Rollups, set: RollupSet, q: MetricsQuery, points: number): Map<number, CellTable> | null {
  if (r.config.granularityMs >= HOUR_MS || q.stepMs < HOUR_MS || !Number.isFinite(r.watermark)) return null;
  // Fine cells lie in the hours from the horizon to the newest event's: no table outside them (a
  // range reaching far past the data must not build one per empty hour).
  const firstFine = Math.ceil(Math.max(r.horizon, q.from) / HOUR_MS), lastFine = Math.floor(r.watermark / HOUR_MS);
  const out = new Map<number, CellTable>();
  r.hours.beginQuery();
  for (let p = 0; p < points; p++) {
    const ps = q.from + p * q.stepMs, pe = Math.min(q.to, ps + q.stepMs);
    for (let h = Math.max(firstFine, Math.ceil(ps / HOUR_MS)), end = Math.min(Math.floor(pe / HOUR_MS), lastFine + 1); h < end; h++) {
      const v = r.hourVersion(h), t = q.metric === "uv" ? r.hours.hour(set, h, v) : r.hours.peek(set, h, v);
      if (t !== undefined) out.set(h, t);
    }
  }
  return out.size > 0 ? out : null;
}

/** `a` grown to at least `need` entries, the new ones -1. */
function growFilled(a: Int32Array, need: number): Int32Array {
  const out = new Int32Array(Math.max(need, a.length * 2, 16)).fill(-1);
  out.set(a);
  return out;
}

function grow<T extends Float64Array | Uint32Array>(a: T, need: number): T {
  const out = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, 64));
  out.set(a);
  return out;
}
