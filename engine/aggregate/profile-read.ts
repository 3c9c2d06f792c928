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
import { CHUNK_BITS, CHUNK_MASK, type ProfileSlots } from "./profile-slots.ts";
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
  readonly recentItems: number;
  readonly tagsMax: number;
  readonly items: ValueIds;
  readonly campaigns: ValueIds;
  readonly channels: ValueIds;
  readonly tags: ValueIds;
}

export function eventsOf(sl: ProfileSlots, s: number): number {
  return sl.chunks[s >>> CHUNK_BITS]!.u32[(s & CHUNK_MASK) * (sl.layout.bytes >> 2) + sl.layout.events]!;
}

export function profileOf(sl: ProfileSlots, d: ProfileDictionaries, s: number, user: string, nowMs: number): UserProfile {
  const L = sl.layout, ch = sl.chunks[s >>> CHUNK_BITS]!, l = s & CHUNK_MASK, f = ch.f64, u = ch.u32;
  const o8 = l * (L.bytes >> 3), o4 = l * (L.bytes >> 2), o2 = l * (L.bytes >> 1);
  const counts: Record<string, Record<string, number>> = {};
  for (const t of d.countTypes) counts[t] = {};
  const windows: Record<string, { from: number; to: number }> = {};
  const T = d.countTypes.length;
  for (let w = 0; w < PROFILE_WINDOWS.length; w++) {
    const { name, bucketMs, buckets: n } = PROFILE_WINDOWS[w]!;
    const B = Math.floor(nowMs / bucketMs), h = u[o4 + L.heads + w]!;
    windows[name] = { from: (B - n + 1) * bucketMs, to: (B + 1) * bucketMs };
    // Buckets in both the window [B - n + 1, B] and the ring (h - n, h].
    const lo = Math.max(B, h) - n + 1, hi = Math.min(h, B), base = o2 + L.rings[w]!;
    for (let t = 0; t < T; t++) counts[d.countTypes[t]!]![name] = ringSum(ch.u16, base + t * n, n, lo, hi);
  }
  const campaign = u[o4 + L.campaign]!, channel = u[o4 + L.channel]!;
  return {
    user, first_seen: f[o8 + L.firstSeen]!, last_seen: f[o8 + L.lastSeen]!, events: u[o4 + L.events]!, sessions: u[o4 + L.sessions]!,
    counts, windows, recent: recentOf(u, o4 + L.recent, d), orders: u[o4 + L.orders]!, spend: Math.round(f[o8 + L.spend]! * 1e6) / 1e6,
    last_campaign: campaign === 0 ? null : { value: d.campaigns.value(campaign - 1), ts: f[o8 + L.campaignTs]! },
    last_channel: channel === 0 ? null : { value: d.channels.value(channel - 1), ts: f[o8 + L.channelTs]! },
    tags: tagsAt(u, o4 + L.tags, d.tagsMax, d.tags),
  };
}

function recentOf(u: Uint32Array, base: number, d: ProfileDictionaries): Record<string, RecentItem[]> {
  const out: Record<string, RecentItem[]> = {};
  const n = d.recentItems;
  for (let l = 0; l < d.listNames.length; l++) {
    const list: RecentItem[] = [];
    for (let k = base + 2 * n * l, end = k + 2 * n; k < end; k += 2) {
      const v = u[k]!;
      if (v === 0) break;
      list.push({ item: d.items.value(v - 1), ts: u[k + 1]! * 1000 });
    }
    out[d.listNames[l]!] = list;
  }
  return out;
}

function tagsAt(u: Uint32Array, base: number, n: number, tags: ValueIds): string[] {
  const out: string[] = [];
  for (let k = base; k < base + n; k++) {
    const v = u[k]!;
    if (v === 0) break;
    out.push(tags.value(v - 1));
  }
  return out;
}

export function tagsOf(sl: ProfileSlots, tags: ValueIds, s: number): string[] {
  const u = sl.chunks[s >>> CHUNK_BITS]!.u32;
  return tagsAt(u, (s & CHUNK_MASK) * (sl.layout.bytes >> 2) + sl.layout.tags, sl.config.tagsMax, tags);
}
