// What social listening tracks: the brands (each with its aliases, flagged as a competitor or not),
// which event type is a post, and the bounds of its state. The `social` section of the config file,
// validated once here; everything has a default, so an absent section still scores posts and
// tracks trending terms (with no brands).
//
//   "social": {
//     "post_type": "social_post",
//     "brands": [
//       { "name": "apple", "aliases": ["Apple", "苹果", "iPhone"] },
//       { "name": "samsung", "aliases": ["三星", "Galaxy"], "competitor": true }
//     ],
//     "retention_minutes": 1440, "trending_window_minutes": 60, "trending_capacity": 1000,
//     "language_from_props": true
//   }

import { z } from "zod";
import { EngineError } from "../core/errors.ts";
import type { BrandDef } from "./brand-matcher.ts";

export const SOCIAL_LIMITS = {
  BRANDS_MAX: 256,
  ALIASES_MAX: 64,
  ALIAS_LENGTH_MAX: 100,
  /** A week of minutes per brand and measure. */
  RETENTION_MINUTES_MAX: 7 * 1440,
  TRENDING_WINDOW_MINUTES_MAX: 1440,
  TRENDING_CAPACITY_MAX: 100_000,
} as const;

export interface SocialConfig {
  /** Rows of `events` with this type are posts. */
  readonly postType: string;
  readonly brands: readonly BrandDef[];
  /** Per-minute series kept for this many minutes behind the newest post's minute. */
  readonly retentionMinutes: number;
  /** Trending panes (one per minute): the longest window trending() answers. */
  readonly trendingWindowMinutes: number;
  /** Space-Saving counters per pane: counts are overestimated by at most (terms in window) / capacity. */
  readonly trendingCapacity: number;
  /** Read a "language" (or "lang") field from props when the table has no `language` column. */
  readonly languageFromProps: boolean;
}

export const DEFAULT_SOCIAL_CONFIG: SocialConfig = {
  postType: "social_post", brands: [], retentionMinutes: 1440, trendingWindowMinutes: 60, trendingCapacity: 1000, languageFromProps: true,
};

const L = SOCIAL_LIMITS;
const alias = z.string().trim().min(1, "must not be empty").max(L.ALIAS_LENGTH_MAX, `must be at most ${L.ALIAS_LENGTH_MAX} characters`);

/** The `social` section of the config file. */
export const socialFileSchema = z.strictObject({
  post_type: z.string().min(1).max(64).optional(),
  brands: z.array(z.strictObject({
    name: alias,
    aliases: z.array(alias).max(L.ALIASES_MAX, `at most ${L.ALIASES_MAX} aliases`).optional(),
    competitor: z.boolean().optional(),
  })).max(L.BRANDS_MAX, `at most ${L.BRANDS_MAX} brands`).optional(),
  retention_minutes: z.number().int().min(60).max(L.RETENTION_MINUTES_MAX).optional(),
  trending_window_minutes: z.number().int().min(1).max(L.TRENDING_WINDOW_MINUTES_MAX).optional(),
  trending_capacity: z.number().int().min(16).max(L.TRENDING_CAPACITY_MAX).optional(),
  language_from_props: z.boolean().optional(),
});

export type SocialFile = z.infer<typeof socialFileSchema>;

/** Validates the section (raw JSON) and fills defaults; errors are bad_config naming the field. */
export function socialConfigFrom(raw: unknown): SocialConfig {
  if (raw === undefined) return DEFAULT_SOCIAL_CONFIG;
  const r = socialFileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new EngineError("bad_config", `social.${i.path.join(".")}: ${i.message}`);
  }
  const f = r.data, d = DEFAULT_SOCIAL_CONFIG;
  const brands = (f.brands ?? []).map((b) => ({ name: b.name, aliases: b.aliases ?? [], competitor: b.competitor ?? false }));
  const seen = new Set<string>();
  for (const b of brands) {
    if (seen.has(b.name)) throw new EngineError("bad_config", `social.brands: ${b.name} is listed twice`);
    seen.add(b.name);
  }
  const retentionMinutes = f.retention_minutes ?? d.retentionMinutes, trendingWindowMinutes = f.trending_window_minutes ?? d.trendingWindowMinutes;
  if (trendingWindowMinutes > retentionMinutes) {
    throw new EngineError("bad_config", `social.trending_window_minutes (${trendingWindowMinutes}) exceeds social.retention_minutes (${retentionMinutes})`);
  }
  return {
    postType: f.post_type ?? d.postType,
    brands,
    retentionMinutes,
    trendingWindowMinutes,
    trendingCapacity: f.trending_capacity ?? d.trendingCapacity,
    languageFromProps: f.language_from_props ?? d.languageFromProps,
  };
}
