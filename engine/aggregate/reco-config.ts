// What the recommender (recommender.ts) counts and every bound on its memory. Defaults need no
// configuration: item views, carts and purchases count; co-occurrence follows the last week,
// trending the last day; a few hundred MB at most for a million items and users.
//
// Every size below is a hard cap: state never grows past it, and what a cap turns away is counted
// (Recommender.stats()). Validation happens once here (EngineError bad_config); the hot paths
// assert nothing about the config. Memory at the default caps, all full:
//
//   neighbour summaries  neighbourBlocksMax * M * 28 B      131072 * 50 * 28  = 183 MB
//   open sessions        sessionsMax * (K * 17 + 17) B       65536 * 289      =  19 MB (allocated at start)
//   user rings           usersMax * (R * 8 + P * 4 + 1) B    1048576 * 145    = 152 MB
//   per item             61 B (popularity, heaps, serving scratch) + the item's string
//
// Arrays grow by doubling as ids appear, so a small catalog or audience costs what it uses.

import { EngineError } from "../core/errors.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export interface RecoTypeWeight {
  /** How much one event of this type counts, in co-occurrence and in popularity (> 0). */
  readonly weight: number;
  /** A purchase: excluded from the buyer's recommendations, and a pair both bought is a co-purchase. */
  readonly purchase?: boolean;
}

export interface RecoConfig {
  /** Event types that count (with an item_id); every other type is ignored. */
  readonly types: Readonly<Record<string, RecoTypeWeight>>;
  /** M: neighbours kept per item (one Space-Saving summary of M counters). */
  readonly neighboursPerItem: number;
  /** Items with a neighbour summary at once; past it the least active summary is recycled. */
  readonly neighbourBlocksMax: number;
  /** Distinct items ever; events of further items are counted and ignored. */
  readonly itemsMax: number;
  /** Distinct categories; further categories leave their items without one. */
  readonly categoriesMax: number;
  /** Dense user ids (of the shared user ValueIds) with rings; users past it get no history. */
  readonly usersMax: number;
  /** Open sessions tracked at once (a power of two); past it the least recently active is dropped. */
  readonly sessionsMax: number;
  /** K: distinct items remembered per open session. */
  readonly sessionItems: number;
  /** A session with no event for this long (event time) is over; its next event starts afresh. */
  readonly sessionGapMs: number;
  /** Two items of a session co-occur when their events are at most this far apart. */
  readonly coWindowMs: number;
  /** Half-life of co-occurrence counts (event time); Infinity keeps them forever. */
  readonly coHalfLifeMs: number;
  /** Half-life of popularity (trending). */
  readonly trendHalfLifeMs: number;
  /** C: trending candidates kept, globally and per category (exact top-C). */
  readonly trendCandidates: number;
  /** R: a user's recent items (seeds). */
  readonly recentItems: number;
  /** P: a user's last purchased items (excluded from results). */
  readonly purchasedItems: number;
  /** Weight of a user's most recent item as a seed, relative to the context item (1). */
  readonly recentSeedWeight: number;
  /** A recent item's seed weight halves every this long before the request time. */
  readonly seedHalfLifeMs: number;
  /** Weight of trending (score of the most popular candidate) relative to a perfect co-occurrence (1). */
  readonly trendingWeight: number;
  /** Co-occurrence support (in event weights as of now) at which a similarity keeps half its value. */
  readonly supportShrink: number;
  /** > 0: a user's recent items not bought come back with this weight times their seed weight, reason "recent". */
  readonly recentWeight: number;
  /** Largest k a request may ask for. */
  readonly kMax: number;
}

export const DEFAULT_RECO_CONFIG: RecoConfig = {
  types: {
    page_view: { weight: 1 }, view_item: { weight: 1 }, add_to_cart: { weight: 2 }, purchase: { weight: 4, purchase: true },
  },
  neighboursPerItem: 50,
  neighbourBlocksMax: 1 << 17,
  itemsMax: 1 << 21,
  categoriesMax: 1 << 16,
  usersMax: 1 << 20,
  sessionsMax: 1 << 16,
  sessionItems: 16,
  sessionGapMs: 30 * MINUTE_MS,
  coWindowMs: 30 * MINUTE_MS,
  coHalfLifeMs: 7 * DAY_MS,
  trendHalfLifeMs: DAY_MS,
  trendCandidates: 128,
  recentItems: 10,
  purchasedItems: 16,
  recentSeedWeight: 0.5,
  seedHalfLifeMs: DAY_MS,
  trendingWeight: 0.05,
  supportShrink: 1,
  recentWeight: 0,
  kMax: 100,
};

type IntKey = "neighboursPerItem" | "neighbourBlocksMax" | "itemsMax" | "categoriesMax" | "usersMax" | "sessionsMax" |
  "sessionItems" | "trendCandidates" | "recentItems" | "purchasedItems" | "kMax";

/** Inclusive integer ranges: ring positions are kept in bytes (<= 255), ids in int32. */
const INT_RANGES: Record<IntKey, [number, number]> = {
  neighboursPerItem: [1, 1024], neighbourBlocksMax: [16, 1 << 26], itemsMax: [16, 1 << 28], categoriesMax: [1, 1 << 24],
  usersMax: [1, 1 << 28], sessionsMax: [16, 1 << 26], sessionItems: [2, 255], trendCandidates: [1, 4096],
  recentItems: [1, 255], purchasedItems: [1, 255], kMax: [1, 10_000],
};

/** The defaults with `overrides` applied, validated. */
export function recoConfig(overrides: Partial<RecoConfig> = {}): RecoConfig {
  const c: RecoConfig = { ...DEFAULT_RECO_CONFIG, ...overrides };
  for (const [key, [lo, hi]] of Object.entries(INT_RANGES) as [IntKey, [number, number]][]) {
    const v = c[key];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new EngineError("bad_config", `recommendations.${key} is ${v}, must be an integer in [${lo}, ${hi}]`);
  }
  if ((c.sessionsMax & (c.sessionsMax - 1)) !== 0) throw new EngineError("bad_config", `recommendations.sessionsMax is ${c.sessionsMax}, must be a power of two`);
  for (const key of ["sessionGapMs", "coWindowMs", "coHalfLifeMs", "trendHalfLifeMs", "seedHalfLifeMs"] as const) {
    if (!(c[key] > 0)) throw new EngineError("bad_config", `recommendations.${key} is ${c[key]}, must be > 0`);
  }
  for (const key of ["recentSeedWeight", "trendingWeight", "supportShrink", "recentWeight"] as const) {
    if (!(c[key] >= 0 && Number.isFinite(c[key]))) throw new EngineError("bad_config", `recommendations.${key} is ${c[key]}, must be finite and >= 0`);
  }
  const types = Object.entries(c.types);
  if (types.length === 0) throw new EngineError("bad_config", "recommendations.types is empty: no event would count");
  for (const [name, t] of types) {
    // Weights are kept as float32 in session rings: one that rounds to 0 or infinity would not count.
    if (!(Math.fround(t.weight) > 0 && Math.fround(t.weight) < Infinity)) throw new EngineError("bad_config", `recommendations.types.${name}.weight is ${t.weight}, must be in (1e-38, 3e38)`);
  }
  return c;
}
