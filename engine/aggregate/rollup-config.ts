// What the continuous rollups count, and at which grain. Defaults need no configuration: per-minute
// cells for the whole stream and for each of campaign, channel, country, device and type, kept at
// minute grain for 48 h and at hour grain for 400 days.

import { z } from "zod";
import { EngineError } from "../core/errors.ts";

const HOUR_MS = 3_600_000;

export interface RollupConfig {
  /** Level-0 bucket width; divides an hour. */
  readonly granularityMs: number;
  /** Level-0 cells older than this (behind the newest event time) are merged into hour cells. */
  readonly fineRetentionMs: number;
  /** Hour cells older than this are dropped. */
  readonly coarseRetentionMs: number;
  /** An event older than the newest event time by more than this is counted as late. */
  readonly lateAfterMs: number;
  /** Dimension sets (each a list of string columns); the empty set (totals) is always kept. */
  readonly dimensions: readonly (readonly string[])[];
  /** Event types counted as page views, clicks, impressions and conversions. */
  readonly types: { readonly pv: readonly string[]; readonly click: readonly string[]; readonly impression: readonly string[]; readonly conversion: readonly string[] };
  readonly hllPrecision: number;
}

export const DEFAULT_ROLLUP_CONFIG: RollupConfig = {
  granularityMs: 60_000,
  fineRetentionMs: 48 * HOUR_MS,
  coarseRetentionMs: 400 * 24 * HOUR_MS,
  lateAfterMs: 60_000,
  dimensions: [["campaign"], ["channel"], ["country"], ["device"], ["type"]],
  types: { pv: ["page_view", "screen_view"], click: ["click"], impression: ["impression"], conversion: ["purchase", "conversion", "signup"] },
  hllPrecision: 14,
};

const names = z.array(z.string().min(1)).max(64);

/** The `rollups` section of the config file. */
export const rollupFileSchema = z.strictObject({
  granularity_ms: z.number().int().min(1000).max(HOUR_MS).refine((g) => HOUR_MS % g === 0, "must divide an hour (3600000)").optional(),
  fine_retention_ms: z.number().int().min(HOUR_MS).optional(),
  coarse_retention_ms: z.number().int().min(HOUR_MS).optional(),
  late_after_ms: z.number().int().min(0).optional(),
  dimensions: z.array(z.array(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/)).min(1).max(4)).max(32).optional(),
  types: z.strictObject({ pv: names.optional(), click: names.optional(), impression: names.optional(), conversion: names.optional() }).optional(),
  hll_precision: z.number().int().min(4).max(18).optional(),
  /** Bytes of encoded GET /v1/metrics answers kept for repeated asks (server/routes/answer-cache.ts); 0: none. */
  answer_cache_bytes: z.number().int().min(0).optional(),
});

export function rollupConfigFrom(file: z.infer<typeof rollupFileSchema> | undefined, stringColumns: ReadonlySet<string>): RollupConfig {
  const d = DEFAULT_ROLLUP_CONFIG;
  const dimensions = file?.dimensions ?? d.dimensions;
  for (const set of dimensions) {
    for (const c of set) {
      if (!stringColumns.has(c)) throw new EngineError("bad_config", `rollups.dimensions: ${c} is not a string column of events (one of ${[...stringColumns].join(", ")})`);
    }
    if (new Set(set).size !== set.length) throw new EngineError("bad_config", `rollups.dimensions: [${set.join(", ")}] names a column twice`);
  }
  const keys = dimensions.map((s) => [...s].sort().join(","));
  if (new Set(keys).size !== keys.length) throw new EngineError("bad_config", "rollups.dimensions lists the same set twice");
  const fine = file?.fine_retention_ms ?? d.fineRetentionMs;
  return {
    granularityMs: file?.granularity_ms ?? d.granularityMs,
    fineRetentionMs: Math.ceil(fine / HOUR_MS) * HOUR_MS,
    coarseRetentionMs: file?.coarse_retention_ms ?? d.coarseRetentionMs,
    lateAfterMs: file?.late_after_ms ?? d.lateAfterMs,
    dimensions,
    types: { ...d.types, ...file?.types },
    hllPrecision: file?.hll_precision ?? d.hllPrecision,
  };
}

/** SQL-friendly name of a dimension set's table: rollup_total, rollup_campaign, rollup_campaign_country. */
export function rollupTableName(dims: readonly string[]): string {
  return dims.length === 0 ? "rollup_total" : `rollup_${dims.join("_")}`;
}
