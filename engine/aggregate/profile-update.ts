// The per-event updates of a profile slot (profile-slots.ts), as flat functions on typed arrays: no
// allocation, no JS value per user. Each function states the exact rule the tests compute
// independently.

import { BUCKET_COUNT_MAX } from "./profile-config.ts";

/**
 * Window ring update. The ring of a slot holds buckets (head - n, head] of one window for every
 * counted type, bucket b at position b % n; `base` is the slot's first counter (slot * types * n).
 * An event of bucket b newer than head moves head to b, zeroing the buckets it passes; an event of
 * a bucket still in the ring adds 1 to its type's counter (saturating at BUCKET_COUNT_MAX); an
 * older one is outside every window a lookup at or after head can ask for, so dropping it is exact.
 * Returns false when the event was older than the ring.
 */
export function ringAdd(counts: Uint16Array, heads: Uint32Array, headAt: number, base: number, types: number, n: number, b: number, type: number): boolean {
  const h = heads[headAt]!;
  if (b > h) {
    // A loop, not fill(): the range is a few dozen counters and a native call costs more.
    if (b - h >= n) for (let i = base, end = base + types * n; i < end; i++) counts[i] = 0;
    else {
      for (let k = h + 1; k <= b; k++) {
        const p = base + (k % n);
        for (let t = 0; t < types; t++) counts[p + t * n] = 0;
      }
    }
    heads[headAt] = b;
  } else if (b <= h - n) return false;
  if (type >= 0) {
    const i = base + type * n + (b % n);
    if (counts[i]! < BUCKET_COUNT_MAX) counts[i] = counts[i]! + 1;
  }
  return true;
}

/** Sum of a ring's counters of one type over buckets [lo, hi] (the caller clips to the ring). */
export function ringSum(counts: Uint16Array, base: number, n: number, lo: number, hi: number): number {
  let sum = 0;
  for (let b = lo; b <= hi; b++) sum += counts[base + (b % n)]!;
  return sum;
}

/**
 * Recent items: the list at [base, base + 2n) holds pairs (item id + 1, event second) of the user's
 * distinct items ordered by the key of each item's latest event, (event time in whole seconds, log
 * position), newest first; an item id of 0 marks the end of the list. An event is newer than every
 * event fed before it, so its key beats every key of the same second: it goes before the first entry
 * whose second is <= its own. An item already listed with a later second keeps its place; otherwise
 * it moves to the new place. Keys only grow, so an item pushed out of the top n can only come back
 * through a new event: the list is exactly the top n.
 */
export function recentInsert(a: Uint32Array, base: number, n: number, item1: number, sec: number): void {
  let len = 0, at = -1;
  for (; len < n; len++) {
    const v = a[base + 2 * len]!;
    if (v === 0) break;
    if (v === item1) at = len;
  }
  if (at >= 0) {
    if (a[base + 2 * at + 1]! > sec) return;
    for (let k = 2 * at, end = 2 * (len - 1); k < end; k++) a[base + k] = a[base + k + 2]!;
    a[base + 2 * --len] = 0;
  }
  let j = 0;
  while (j < len && a[base + 2 * j + 1]! > sec) j++;
  if (j >= n) return;
  for (let k = 2 * (len < n ? len : n - 1) + 1; k > 2 * j + 1; k--) a[base + k] = a[base + k - 2]!;
  a[base + 2 * j] = item1;
  a[base + 2 * j + 1] = sec;
}

/**
 * Sessions: a user remembers the hashes of its k most recently seen distinct session ids, most recent
 * first, in log order. An event whose session is among them moves it to the front; any other is a new
 * session (returns true) and pushes out the least recent. So `sessions` counts session ids not seen
 * among the user's last k distinct ones: equal to COUNT(DISTINCT session_id) unless a user returns
 * to a session after k others began (a tab left open across k other visits), which counts it again.
 */
export function sessionSeen(hashes: Uint32Array, base: number, k: number, h: number): boolean {
  let at = k - 1, fresh = true;
  for (let j = 0; j < k; j++) {
    const v = hashes[base + j]!;
    if (v === h) { at = j; fresh = false; break; }
    if (v === 0) { at = j; break; }
  }
  for (let j = at; j > 0; j--) hashes[base + j] = hashes[base + j - 1]!;
  hashes[base] = h;
  return fresh;
}

/** 32-bit hash of a session id, never 0 (0 marks an empty place): FNV-1a over UTF-16 units, murmur3's finalizer. */
export function sessionHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 1;
}
