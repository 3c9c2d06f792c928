// An answer brought up to date from the one before it, for the same question. When the only change
// since is to fine cells whose event times lie in [lo, hi] (Rollups.changedSince), only the points
// those times fall in are read again (evaluateRollups over just their span); every other point keeps
// its value, because its cells are the ones it was computed from. A dashboard's last hour by minute,
// asked again after a batch of live events, reads a minute or two of cells instead of sixty.
//
// Why a point outside [lo, hi] cannot have changed: cells leave only in a sweep, and a sweep, a
// write to an hour cell, a restore or a consume that failed midway makes changedSince answer null
// (recompute everything). A
// series absent from the re-read span had no cells there before either, so its values there are
// the empty ones it already has.

import { assert } from "../core/assert.ts";
import { EngineError } from "../core/errors.ts";
import { evaluateRollups, METRICS_SERIES_MAX, RATIOS, seriesOrder, type MetricsQuery, type RollupSeries } from "./rollup-query.ts";
import type { Rollups } from "./rollups.ts";

/** What is kept of an answer to update it: its series in answer order, keys also as JSON, values with null as NaN. */
export interface PriorAnswer {
  readonly table: string;
  readonly cellsPerPoint: Int32Array;
  readonly keys: readonly Record<string, string | null>[];
  readonly keyTexts: readonly string[];
  readonly values: readonly Float64Array[];
}

/** The answer to `q` now, from `prior` (the answer to `q` before the fine cells of [lo, hi] changed). */
export function updateAnswer(r: Rollups, q: MetricsQuery, prior: PriorAnswer, lo: number, hi: number): RollupSeries {
  const points = prior.cellsPerPoint.length;
  const first = lo > hi || hi < q.from || lo >= q.to ? 1 : Math.max(0, Math.floor((lo - q.from) / q.stepMs));
  const last = lo > hi || hi < q.from || lo >= q.to ? 0 : Math.min(points - 1, Math.floor((hi - q.from) / q.stepMs));
  const cellsPerPoint = prior.cellsPerPoint.slice();
  const index = new Map(prior.keyTexts.map((k, i) => [k, i]));
  const keys = [...prior.keys];
  const empty = q.metric in RATIOS || q.metric === "roi" ? NaN : 0;
  const values = prior.values.map((v) => v.slice());
  if (first <= last) {
    const span = evaluateRollups(r, { ...q, from: q.from + first * q.stepMs, to: Math.min(q.to, q.from + (last + 1) * q.stepMs) });
    assert(span.points === last - first + 1, `span of ${span.points} points for ${last - first + 1}`);
    cellsPerPoint.set(span.cellsPerPoint, first);
    for (let i = 0; i < span.keys.length; i++) {
      const text = JSON.stringify(span.keys[i]!);
      let s = index.get(text);
      if (s === undefined) {
        index.set(text, (s = keys.length));
        keys.push(span.keys[i]!);
        values.push(new Float64Array(points).fill(empty));
      }
      const v = values[s]!;
      for (let p = first; p <= last; p++) v[p] = span.value(i, p - first) ?? NaN;
    }
  }
  if (keys.length > METRICS_SERIES_MAX) throw new EngineError("bad_argument", `more than ${METRICS_SERIES_MAX} series: filter or group by fewer dimensions`);
  const order = seriesOrder(q.by), sorted = keys.map((_, i) => i).sort((a, b) => order(keys[a]!, keys[b]!));
  let cellsRead = 0;
  for (let p = 0; p < points; p++) cellsRead += cellsPerPoint[p]!;
  return {
    table: prior.table, cellsRead, cellsPerPoint, from: q.from, stepMs: q.stepMs, points, keys: sorted.map((i) => keys[i]!),
    value: (i, p) => { const x = values[sorted[i]!]![p]!; return x === x ? x : null; },
  };
}
