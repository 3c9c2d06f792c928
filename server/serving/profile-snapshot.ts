// The live profile as the bid scorer's features read it (engine/serving/bid-features.ts
// ProfileSnapshot): counts per type and window, recency, spend, orders, sessions, tags. Types the
// profile store does not count read as 0.

import type { ProfileStore } from "../../engine/aggregate/profile-store.ts";
import { PROFILE_COUNT_TYPES, PROFILE_WINDOWS, type ProfileSnapshot } from "../../engine/serving/bid-features.ts";

export function profileSnapshot(store: ProfileStore, key: string, nowMs: number, audiencesOf: (key: string) => string[] = () => []): ProfileSnapshot | null {
  const p = store.lookup(key, nowMs);
  if (p === undefined) return null;
  const counts = new Float64Array(PROFILE_COUNT_TYPES.length * PROFILE_WINDOWS.length);
  PROFILE_COUNT_TYPES.forEach((t, i) => PROFILE_WINDOWS.forEach((w, j) => { counts[i * PROFILE_WINDOWS.length + j] = p.counts[t]?.[w] ?? 0; }));
  return { counts, firstSeenMs: p.first_seen, lastSeenMs: p.last_seen, spend: p.spend, orders: p.orders, sessions: p.sessions, tags: p.tags, audiences: audiencesOf(key) };
}
