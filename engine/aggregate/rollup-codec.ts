// Encoding of the rollups for checkpoints. Cells are keyed by the rollups' own value ids, whose
// values are stored alongside, so a checkpoint means the same thing in any later process.
//
//   u32 version | json header {watermark, horizon, counters, granularityMs, dims: {name: values[]},
//   sets: [dims[]]} | per set: fine cells, hour cells, each: u32 count, i32s keys, 8 x f64s
//   measures (MEASURES order), count x bytes sketch (hll.ts encoding)
//
// Decoding into a differently configured Rollups keeps what still applies: sets are matched by their
// dimension names (a set no longer configured is dropped; a new one starts empty), and when the
// fine granularity changed, the old fine cells are merged into hour cells.

import { ByteReader, ByteWriter } from "./byte-codec.ts";
import { encodeAtOnce } from "./derived-state.ts";
import { Hll } from "./hll.ts";
import { CellTable, MEASURES } from "./rollup-cells.ts";
import { HOUR_MS, type RollupCounters, type Rollups } from "./rollups.ts";
import { ValueIds } from "./value-ids.ts";

const VERSION = 1;

interface Header {
  watermark: number | null;
  horizon: number | null;
  counters: RollupCounters;
  granularityMs: number;
  dims: Record<string, string[]>;
  sets: string[][];
}

export function encodeRollups(r: Rollups): Uint8Array {
  return encodeAtOnce(encodeRollupsSteps(r));
}

/** Sketches encoded between two yields of encodeRollupsSteps. */
const STEP_CELLS = 256;

/** encodeRollups in steps (Rollups.encodeGradually): a yield every STEP_CELLS sketches (they are most of the work). */
export function* encodeRollupsSteps(r: Rollups): Generator<void, Uint8Array, void> {
  const w = new ByteWriter().u32(VERSION);
  const header: Header = {
    watermark: Number.isFinite(r.watermark) ? r.watermark : null,
    horizon: Number.isFinite(r.horizon) ? r.horizon : null,
    counters: r.counters,
    granularityMs: r.config.granularityMs,
    dims: Object.fromEntries([...r.dimIds].map(([d, ids]) => [d, ids.values()])),
    sets: r.sets.map((s) => [...s.dims]),
  };
  w.json(header);
  for (const s of r.sets) for (const t of [s.fine, s.coarse]) yield* writeCells(w, t);
  return w.finish();
}

function* writeCells(w: ByteWriter, t: CellTable): Generator<void, void, void> {
  w.u32(t.count).array(t.keys, t.count * (1 + t.dims));
  for (const m of t.measures) w.array(m, t.count);
  for (let c = 0; c < t.count; c++) {
    if (c > 0 && c % STEP_CELLS === 0) yield;
    w.bytes(t.sketches[c]!.encode());
  }
}

function readCells(rd: ByteReader, dims: number, precision: number): CellTable {
  const count = rd.u32();
  const keys = rd.i32s();
  if (keys.length !== count * (1 + dims)) rd.fail(`rollup cells: ${keys.length} keys for ${count} cells of ${dims} dimensions`);
  const measures = MEASURES.map(() => rd.f64s());
  if (measures.some((m) => m.length !== count)) rd.fail("rollup cells: measure length differs from the cell count");
  const sketches: Hll[] = [];
  for (let c = 0; c < count; c++) sketches.push(Hll.decode(rd.bytes()));
  const t = new CellTable(dims, precision);
  t.restore(count, keys, measures, sketches);
  return t;
}

export function decodeRollups(r: Rollups, bytes: Uint8Array): void {
  const rd = new ByteReader(bytes, "rollups checkpoint");
  const version = rd.u32();
  if (version !== VERSION) rd.fail(`version ${version}, this Caracal reads ${VERSION}`);
  const h = rd.json<Header>();
  r.watermark = h.watermark ?? -Infinity;
  r.horizon = h.horizon ?? -Infinity;
  r.counters = { ...r.counters, ...h.counters };
  for (const [d, values] of Object.entries(h.dims)) r.dimIds.set(d, ValueIds.fromValues(values));
  const wanted = new Map(r.sets.map((s, i) => [s.dims.join(","), i]));
  for (const dims of h.sets) {
    const fine = readCells(rd, dims.length, r.config.hllPrecision);
    const coarse = readCells(rd, dims.length, r.config.hllPrecision);
    const at = wanted.get(dims.join(","));
    if (at === undefined) continue;
    r.sets[at] = { dims: r.sets[at]!.dims, fine, coarse };
    if (h.granularityMs !== r.config.granularityMs) mergeFineIntoHours(r.sets[at]!, h.granularityMs);
  }
  rd.end();
}

function mergeFineIntoHours(set: Rollups["sets"][number], oldGranularityMs: number): void {
  const { fine, coarse } = set, ids = new Int32Array(set.dims.length);
  fine.retain((cell) => {
    coarse.mergeFrom(fine, cell, Math.floor((fine.bucketOf(cell) * oldGranularityMs) / HOUR_MS), ids);
    return false;
  });
}
