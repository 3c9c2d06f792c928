// What a live user profile keeps (engine/aggregate/profile-store.ts), and the sliding windows it
// counts events over. Defaults need no configuration.
//
// Windows. Each window is a ring of `buckets` counters of `bucketMs` each, per user and counted type,
// keyed by the event's *effective time* te = min(ts, received_at) (a client clock ahead of the
// server cannot push a ring past the present). At lookup time `now`, with B = floor(now / bucketMs):
//
//   window W counts the user's events of type T with  B - (buckets - 1) <= floor(te / bucketMs) <= B,
//   i.e. te in [from, to) = [(B - buckets + 1) * bucketMs, (B + 1) * bucketMs),
//   each bucket's count saturating at 65535 (u16 counters).
//
// So a window covers its nominal length plus the elapsed part of the current bucket: "1h" is 13
// five-minute buckets (60 to 65 minutes back), "24h" 25 one-hour buckets, "7d" 8 UTC days. The count
// is exact (equal to the SQL in test/unit/engine/aggregate/profile-store.test.ts) whenever `now` is
// not before the user's newest effective time, which always holds on a live server (te <= received_at
// <= now); a lookup dated earlier than that sees only the buckets the ring still holds.
//
// Memory per counted type and user: 2 bytes x (13 + 25 + 8) = 92 bytes; 460 bytes for the five
// default types, the largest part of a profile. One-minute buckets for 1h would cost 122 bytes more
// per type for a precision no audience rule needs; u8 counters would save a third but saturate at 255
// impressions in five minutes, which infinite-scroll feeds reach.

import { z } from "zod";
import { EngineError } from "../core/errors.ts";

export interface ProfileWindow {
  /** Name in the profile JSON. Stable: checkpoints match rings by name. */
  readonly name: string;
  readonly bucketMs: number;
  readonly buckets: number;
}

const MINUTE_MS = 60_000, HOUR_MS = 3_600_000, DAY_MS = 86_400_000;

export const PROFILE_WINDOWS: readonly ProfileWindow[] = [
  { name: "1h", bucketMs: 5 * MINUTE_MS, buckets: 13 },
  { name: "24h", bucketMs: HOUR_MS, buckets: 25 },
  { name: "7d", bucketMs: DAY_MS, buckets: 8 },
];

/** Largest value of a window bucket counter (u16). */
export const BUCKET_COUNT_MAX = 0xffff;

export interface RecentList {
  /** Name in the profile JSON ("viewed"). */
  readonly name: string;
  /** Event types whose item_id enters the list. */
  readonly types: readonly string[];
}

export interface ProfileConfig {
  /** Event types counted over the windows. */
  readonly countTypes: readonly string[];
  /** Lists of the last distinct items per user. */
  readonly recentLists: readonly RecentList[];
  /** Items kept per list. */
  readonly recentItems: number;
  /** Types whose revenue adds to spend and which count as orders. */
  readonly purchaseTypes: readonly string[];
  /** Types whose |revenue| is subtracted from spend. */
  readonly refundTypes: readonly string[];
  /** Distinct session ids remembered per user (see profile-update.ts for what `sessions` counts). */
  readonly sessionsRemembered: number;
  /** Tags per user. */
  readonly tagsMax: number;
  /** Users kept; past it the least recently seen is evicted. Arrays are reserved for this many. */
  readonly usersMax: number;
}

export const DEFAULT_PROFILE_CONFIG: ProfileConfig = {
  countTypes: ["page_view", "click", "add_to_cart", "purchase", "impression"],
  recentLists: [
    { name: "viewed", types: ["view_item", "page_view", "screen_view"] },
    { name: "carted", types: ["add_to_cart"] },
    { name: "purchased", types: ["purchase"] },
  ],
  recentItems: 10,
  purchaseTypes: ["purchase"],
  refundTypes: ["refund"],
  sessionsRemembered: 4,
  tagsMax: 8,
  usersMax: 1_000_000,
};

export const PROFILE_LIMITS = {
  COUNT_TYPES_MAX: 32,
  RECENT_LISTS_MAX: 8,
  RECENT_ITEMS_MAX: 100,
  SESSIONS_REMEMBERED_MAX: 16,
  TAGS_MAX: 64,
  /** UTF-16 length of one tag. */
  TAG_LENGTH_MAX: 128,
  /** Bytes of the largest per-user array, so every array stays a valid typed array on every engine. */
  ARRAY_BYTES_MAX: 2 ** 31,
} as const;

const names = z.array(z.string().min(1).max(64)).max(64);

/** The `profiles` section of the config file. */
export const profileFileSchema = z.strictObject({
  count_types: names.optional(),
  recent_lists: z.array(z.strictObject({ name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/), types: names })).optional(),
  recent_items: z.number().int().min(1).optional(),
  purchase_types: names.optional(),
  refund_types: names.optional(),
  sessions_remembered: z.number().int().min(1).optional(),
  tags_max: z.number().int().min(0).optional(),
  users_max: z.number().int().min(1).optional(),
});

export function profileConfigFrom(file: z.infer<typeof profileFileSchema> | undefined): ProfileConfig {
  const d = DEFAULT_PROFILE_CONFIG;
  return checkProfileConfig({
    countTypes: file?.count_types ?? d.countTypes,
    recentLists: file?.recent_lists ?? d.recentLists,
    recentItems: file?.recent_items ?? d.recentItems,
    purchaseTypes: file?.purchase_types ?? d.purchaseTypes,
    refundTypes: file?.refund_types ?? d.refundTypes,
    sessionsRemembered: file?.sessions_remembered ?? d.sessionsRemembered,
    tagsMax: file?.tags_max ?? d.tagsMax,
    usersMax: file?.users_max ?? d.usersMax,
  });
}

/** Throws bad_config naming the bound a config breaks; returns it unchanged otherwise. */
export function checkProfileConfig(c: ProfileConfig): ProfileConfig {
  const L = PROFILE_LIMITS;
  const bad = (why: string): never => { throw new EngineError("bad_config", `profiles: ${why}`); };
  if (c.countTypes.length > L.COUNT_TYPES_MAX) bad(`${c.countTypes.length} count types, at most ${L.COUNT_TYPES_MAX}`);
  if (new Set(c.countTypes).size !== c.countTypes.length) bad("count_types names a type twice");
  if (c.recentLists.length > L.RECENT_LISTS_MAX) bad(`${c.recentLists.length} recent lists, at most ${L.RECENT_LISTS_MAX}`);
  if (new Set(c.recentLists.map((l) => l.name)).size !== c.recentLists.length) bad("recent_lists names a list twice");
  if (!(c.recentItems >= 1 && c.recentItems <= L.RECENT_ITEMS_MAX)) bad(`recent_items ${c.recentItems} is not in 1..${L.RECENT_ITEMS_MAX}`);
  if (!(c.sessionsRemembered >= 1 && c.sessionsRemembered <= L.SESSIONS_REMEMBERED_MAX)) bad(`sessions_remembered ${c.sessionsRemembered} is not in 1..${L.SESSIONS_REMEMBERED_MAX}`);
  if (!(c.tagsMax >= 0 && c.tagsMax <= L.TAGS_MAX)) bad(`tags_max ${c.tagsMax} is not in 0..${L.TAGS_MAX}`);
  if (!(Number.isInteger(c.usersMax) && c.usersMax >= 1)) bad(`users_max ${c.usersMax} is not a positive integer`);
  const widest = Math.max(...PROFILE_WINDOWS.map((w) => 2 * w.buckets * c.countTypes.length), 8 * c.recentItems * c.recentLists.length, 8);
  const usersLimit = Math.floor(L.ARRAY_BYTES_MAX / widest);
  if (c.usersMax > usersLimit) bad(`users_max ${c.usersMax} needs a ${c.usersMax * widest}-byte array, at most ${L.ARRAY_BYTES_MAX}: at most ${usersLimit} users with this config`);
  return c;
}
