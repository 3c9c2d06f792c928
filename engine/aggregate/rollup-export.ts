// The rollups as SQL tables, one per dimension set: rollup_total, rollup_campaign, ... Each row is a
// cell: its bucket start and width (fine buckets, or hours before the horizon), its dimension
// values, its measures, and `uv`, the cell's own distinct-user estimate. UV does not add up across
// rows (a user active in two minutes is one user in the hour): GET /v1/metrics merges the sketches.

import type { DerivedColumnValues, DerivedRows, DerivedTableSource } from "./derived-table.ts";
import { MEASURES, type CellTable } from "./rollup-cells.ts";
import { rollupTableName } from "./rollup-config.ts";
import { HOUR_MS, type Rollups } from "./rollups.ts";

/** Keys: level * 2^40 + cell, so fine and hour cells never collide. */
const LEVEL_KEY = 2 ** 40;

export function rollupTables(r: Rollups): DerivedTableSource[] {
  return r.sets.map((_, s) => rollupTable(r, s));
}

function rollupTable(r: Rollups, s: number): DerivedTableSource {
  const dims = r.sets[s]!.dims;
  let seen: { fine: CellTable; coarse: CellTable; fineGen: number; coarseGen: number } | null = null;
  return {
    name: rollupTableName(dims),
    columns: [
      { name: "bucket", type: "TIMESTAMP" }, { name: "bucket_ms", type: "BIGINT" },
      ...dims.map((d) => ({ name: d, type: "VARCHAR" as const })),
      ...MEASURES.map((m) => ({ name: m, type: m === "revenue" || m === "cost" ? "DOUBLE" as const : "BIGINT" as const })),
      { name: "uv", type: "BIGINT" },
    ],
    changes(all: boolean): DerivedRows {
      const set = r.sets[s]!;
      // A sweep renumbers cells (generation), a restore replaces the tables: then copy everything.
      const full = all || seen === null || seen.fine !== set.fine || seen.coarse !== set.coarse ||
        seen.fineGen !== set.fine.generation || seen.coarseGen !== set.coarse.generation;
      const fineCells = full ? allCells(set.fine) : Array.from(set.fine.takeDirty());
      const coarseCells = full ? allCells(set.coarse) : Array.from(set.coarse.takeDirty());
      if (full) { set.fine.takeDirty(); set.coarse.takeDirty(); }
      seen = { fine: set.fine, coarse: set.coarse, fineGen: set.fine.generation, coarseGen: set.coarse.generation };
      return rows(r, dims, [[set.fine, 0, r.config.granularityMs, fineCells], [set.coarse, 1, HOUR_MS, coarseCells]], full);
    },
  };
}

function allCells(t: CellTable): number[] {
  return Array.from({ length: t.count }, (_, i) => i);
}

function rows(r: Rollups, dims: readonly string[], parts: [CellTable, number, number, number[]][], full: boolean): DerivedRows {
  const count = parts.reduce((n, p) => n + p[3].length, 0);
  const keys = new Float64Array(count), bucket = new Float64Array(count), width = new Float64Array(count), uv = new Float64Array(count);
  const dimVals = dims.map(() => new Array<string | null>(count));
  const measures = MEASURES.map(() => new Float64Array(count));
  let i = 0;
  for (const [t, level, bucketMs, cells] of parts) {
    for (const c of cells) {
      keys[i] = level * LEVEL_KEY + c;
      bucket[i] = t.bucketOf(c) * bucketMs;
      width[i] = bucketMs;
      for (let k = 0; k < dims.length; k++) { const id = t.idOf(c, k); dimVals[k]![i] = id < 0 ? null : r.dimIds.get(dims[k]!)!.value(id); }
      for (let m = 0; m < MEASURES.length; m++) measures[m]![i] = t.measures[m]![c]!;
      uv[i] = Math.round(t.uvOf(c));
      i++;
    }
  }
  const columns: DerivedColumnValues[] = [
    { type: "TIMESTAMP", values: bucket, validity: null }, { type: "BIGINT", values: width, validity: null },
    ...dimVals.map((values) => ({ type: "VARCHAR" as const, values })),
    ...measures.map((values, m) => ({ type: MEASURES[m] === "revenue" || MEASURES[m] === "cost" ? "DOUBLE" as const : "BIGINT" as const, values, validity: null })),
    { type: "BIGINT", values: uv, validity: null },
  ];
  return { full, count, keys, columns };
}
