// A profile slot as the JSON the lookup routes answer with. Reads typed arrays only; the answer is
// the only allocation (and the item, campaign, channel and tag strings, decoded through the
// dictionaries' caches).
//
//   {
//     "user": "cus_1a2b3c4d",                         the key looked up (user_id, else anonymous_id)
//     "first_seen": 1767225600000,                    min event time (ts), epoch ms
//     "last_seen": 1767312000000,                     max event time (ts), epoch ms
//     "events": 812,                                  events fed since the profile was created
//     "sessions": 37,                                 see profile-update.ts sessionSeen
//     "counts": { "page_view": { "1h": 3, "24h": 40, "7d": 310 }, ... one per counted type },
//     "windows": { "1h": { "from": ms, "to": ms }, "24h": ..., "7d": ... },   the effective-time
//                                                     range [from, to) each window counted
//     "recent": { "viewed": [ { "item": "sku-1", "ts": ms } ], "carted": [], "purchased": [] },
//                                                     distinct items, newest first; ts to the second
//     "orders": 3,                                    purchase-type events
//     "spend": 129.5,                                 purchase revenue - |refund revenue|, 6 decimals
//     "last_campaign": { "value": "spring", "ts": ms } | null,   by event time, ties to the later row
//     "last_channel": { "value": "email", "ts": ms } | null,
//     "tags": ["vip"]                                 as set by setTags, in the order given
//   }

import { PROFILE_WINDOWS } from "./profile-config.ts";
import type { ProfileSlots } from "./profile-slots.ts";
import { ringSum } from "./profile-update.ts";
import type { ValueIds } from "./value-ids.ts";

export interface RecentItem { item: string; ts: number }
export interface Touch { value: string; ts: number }

export interface UserProfile {
  user: string;
  first_seen: number;
  last_seen: number;
  events: number;
  sessions: number;
  counts: Record<string, Record<string, number>>;
  windows: Record<string, { from: number; to: number }>;
  recent: Record<string, RecentItem[]>;
  orders: number;
  spend: number;
  last_campaign: Touch | null;
  last_channel: Touch | null;
  tags: string[];
}

export interface ProfileDictionaries {
  readonly countTypes: readonly string[];
  readonly listNames: readonly string[];
  readonly items: ValueIds;
  readonly campaigns: ValueIds;
  readonly channels: ValueIds;
  readonly tags: ValueIds;
}

export function profileOf(sl: ProfileSlots, d: ProfileDictionaries, s: number, user: string, nowMs: number): UserProfile {
  const counts: Record<string, Record<string, number>> = {};
  for (const t of d.countTypes) counts[t] = {};
  const windows: Record<string, { from: number; to: number }> = {};
  const T = sl.types, W = PROFILE_WINDOWS.length;
  for (let w = 0; w < W; w++) {
    const { name, bucketMs, buckets: n } = PROFILE_WINDOWS[w]!;
    const B = Math.floor(nowMs / bucketMs), h = sl.heads[s * W + w]!;
    windows[name] = { from: (B - n + 1) * bucketMs, to: (B + 1) * bucketMs };
    // Buckets in both the window [B - n + 1, B] and the ring (h - n, h].
    const lo = Math.max(B, h) - n + 1, hi = Math.min(h, B);
    const ring = sl.counts[w]!, base = s * T * n;
    for (let t = 0; t < T; t++) counts[d.countTypes[t]!]![name] = ringSum(ring, base + t * n, n, lo, hi);
  }
  return {
    user, first_seen: sl.firstSeen[s]!, last_seen: sl.lastSeen[s]!, events: sl.events[s]!, sessions: sl.sessions[s]!,
    counts, windows, recent: recentOf(sl, d, s), orders: sl.orders[s]!, spend: Math.round(sl.spend[s]! * 1e6) / 1e6,
    last_campaign: sl.campaign[s] === 0 ? null : { value: d.campaigns.value(sl.campaign[s]! - 1), ts: sl.campaignTs[s]! },
    last_channel: sl.channel[s] === 0 ? null : { value: d.channels.value(sl.channel[s]! - 1), ts: sl.channelTs[s]! },
    tags: tagsOf(sl, d.tags, s),
  };
}

function recentOf(sl: ProfileSlots, d: ProfileDictionaries, s: number): Record<string, RecentItem[]> {
  const out: Record<string, RecentItem[]> = {};
  const n = sl.listItems;
  for (let l = 0; l < sl.lists; l++) {
    const list: RecentItem[] = [];
    const base = (s * sl.lists + l) * n;
    for (let k = 0; k < n; k++) {
      const v = sl.recentItem[base + k]!;
      if (v === 0) break;
      list.push({ item: d.items.value(v - 1), ts: sl.recentSec[base + k]! * 1000 });
    }
    out[d.listNames[l]!] = list;
  }
  return out;
}

export function tagsOf(sl: ProfileSlots, tags: ValueIds, s: number): string[] {
  const out: string[] = [];
  for (let k = s * sl.tagsMax, end = k + sl.tagsMax; k < end; k++) {
    const v = sl.tags[k]!;
    if (v === 0) break;
    out.push(tags.value(v - 1));
  }
  return out;
}
