// The memory of live user profiles: one fixed-size slot per user, all its fields contiguous, in
// chunks of CHUNK_SLOTS slots, each chunk one ArrayBuffer seen through typed views (u8, f64, u32,
// u16). A million profiles are a hundred-odd objects for the garbage collector, whatever they hold.
//
// One event touches one user's fields: contiguous, they share a page and a few cache lines, where
// one typed array per field (tried first) cost a TLB and cache miss per field, 3-5x slower ingest
// at a million users. Slot s is at chunk s >> CHUNK_BITS, byte (s & CHUNK_MASK) * layout.bytes.
//
//   slot layout (elements of the view named; offsets computed by slotLayout for the config)
//   f64   firstSeen lastSeen spend campaignTs channelTs
//   u32   events orders sessions campaign channel            campaign, channel: id + 1, 0 = none
//         head:<window> (one per window)                     newest bucket of that window's ring
//         sessionHashes  x sessionsRemembered                most recent first, 0 = none
//         recent         x lists x recentItems x 2           (item id + 1, event second), 0 = end
//         tags           x tagsMax                           tag id + 1, 0 = end
//   u16   ring:<window>  x countTypes x buckets              bucket b at b % buckets
//
// With the default config a slot is 824 bytes: rings 460 (5 types x 46 buckets x 2), recent items
// 240 (3 lists x 10 x 8), f64 fields 40, tags 32, sessions 16, u32 fields 20, heads 12, padding 4;
// with the recency and user-id entries (12) and the dense-id index (4), 840 bytes per user.
//
// The recency list (links: prev and next side by side) and each slot's dense user id live apart, in
// compact Int32Arrays reserved for usersMax (the OS commits pages as they are first written): moving
// a slot to the front writes its two neighbours, which are then far likelier to be in cache.
//
// Chunks are allocated as slots reach them and never copied or freed, so no event or lookup waits
// for a resize; slots are used in order 0, 1, 2, ... and reused after an eviction.

import { PROFILE_WINDOWS, type ProfileConfig } from "./profile-config.ts";

export const CHUNK_BITS = 14;
export const CHUNK_SLOTS = 1 << CHUNK_BITS;
export const CHUNK_MASK = CHUNK_SLOTS - 1;

export type FieldKind = "f64" | "u32" | "u16";

export interface SlotField {
  readonly name: string;
  readonly kind: FieldKind;
  /** What the groups are (a checkpoint of another config matches them by name), or null for one group. */
  readonly groupsBy: "types" | "lists" | null;
  readonly groups: number;
  /** Elements per group. */
  readonly width: number;
  /** First element, in units of its kind, from the slot's start. */
  readonly at: number;
}

export interface SlotLayout {
  /** Slot size in bytes, a multiple of 8. */
  readonly bytes: number;
  readonly fields: readonly SlotField[];
  readonly firstSeen: number; readonly lastSeen: number; readonly spend: number; readonly campaignTs: number; readonly channelTs: number;
  readonly events: number; readonly orders: number; readonly sessions: number; readonly campaign: number; readonly channel: number;
  /** u32 offset of the head of window 0 (the others follow). */
  readonly heads: number;
  readonly sessionHashes: number;
  readonly recent: number;
  readonly tags: number;
  /** u16 offset of each window's ring. */
  readonly rings: readonly number[];
}

const SIZE: Record<FieldKind, number> = { f64: 8, u32: 4, u16: 2 };

export const ringName = (w: { name: string; bucketMs: number; buckets: number }) => `ring:${w.name}:${w.bucketMs}x${w.buckets}`;
export const headName = (w: { name: string; bucketMs: number; buckets: number }) => `head:${w.name}:${w.bucketMs}x${w.buckets}`;

export function slotLayout(c: ProfileConfig): SlotLayout {
  const T = c.countTypes.length, fields: SlotField[] = [];
  let bytes = 0;
  const add = (name: string, kind: FieldKind, width = 1, groupsBy: SlotField["groupsBy"] = null, groups = 1): number => {
    const at = bytes / SIZE[kind];
    fields.push({ name, kind, groupsBy, groups, width, at });
    bytes += groups * width * SIZE[kind];
    return at;
  };
  // f64 first, then u32, then u16: each starts aligned for its size.
  const f = { firstSeen: add("firstSeen", "f64"), lastSeen: add("lastSeen", "f64"), spend: add("spend", "f64"), campaignTs: add("campaignTs", "f64"), channelTs: add("channelTs", "f64") };
  const u = { events: add("events", "u32"), orders: add("orders", "u32"), sessions: add("sessions", "u32"), campaign: add("campaign", "u32"), channel: add("channel", "u32") };
  const heads = PROFILE_WINDOWS.map((w) => add(headName(w), "u32"))[0]!;
  const sessionHashes = add("sessionHashes", "u32", c.sessionsRemembered);
  const recent = add("recent", "u32", 2 * c.recentItems, "lists", c.recentLists.length);
  const tags = add("tags", "u32", c.tagsMax);
  const rings = PROFILE_WINDOWS.map((w) => add(ringName(w), "u16", w.buckets, "types", T));
  return { bytes: Math.ceil(bytes / 8) * 8, fields, ...f, ...u, heads, sessionHashes, recent, tags, rings };
}

export interface SlotChunk {
  readonly u8: Uint8Array;
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  readonly u16: Uint16Array;
}

export function newChunk(layout: SlotLayout): SlotChunk {
  const buf = new ArrayBuffer(CHUNK_SLOTS * layout.bytes);
  return { u8: new Uint8Array(buf), f64: new Float64Array(buf), u32: new Uint32Array(buf), u16: new Uint16Array(buf) };
}

export class ProfileSlots {
  readonly layout: SlotLayout;
  readonly capacity: number;
  readonly chunks: SlotChunk[] = [];
  /** Dense user id of each slot. */
  readonly user: Int32Array;
  /** Recency list: slot s's predecessor at 2s, its successor at 2s + 1 (one cache line for both). */
  readonly links: Int32Array;
  /** Slots ever used: [0, highWater) hold users. */
  highWater = 0;
  head = -1;
  tail = -1;

  constructor(readonly config: ProfileConfig) {
    this.layout = slotLayout(config);
    this.capacity = config.usersMax;
    this.user = new Int32Array(this.capacity);
    this.links = new Int32Array(2 * this.capacity);
  }

  /** Bytes one user occupies: its slot and its recency and user-id entries. */
  get bytesPerSlot(): number {
    return this.layout.bytes + 12;
  }

  /** Bytes of the chunks allocated and of the recency arrays' pages in use. */
  get bytes(): number {
    return this.chunks.length * CHUNK_SLOTS * this.layout.bytes + this.highWater * 12;
  }

  /** Zeroes slot s (fresh or evicted), gives it to `user`, and puts it at the front of the recency list. */
  claim(s: number, user: number): void {
    const k = s >>> CHUNK_BITS;
    while (this.chunks.length <= k) this.chunks.push(newChunk(this.layout));
    const ch = this.chunks[k]!, from = (s & CHUNK_MASK) * this.layout.bytes;
    // Heads zeroed too: the first event is then a whole ring ahead and clears its counters.
    ch.u8.fill(0, from, from + this.layout.bytes);
    this.user[s] = user;
    if (s >= this.highWater) this.highWater = s + 1;
    this.link(s);
  }

  /** Puts slot s (unlinked) at the front of the recency list. */
  private link(s: number): void {
    const L = this.links;
    L[2 * s] = -1;
    L[2 * s + 1] = this.head;
    if (this.head >= 0) L[2 * this.head] = s;
    this.head = s;
    if (this.tail < 0) this.tail = s;
  }

  /** Moves slot s to the front of the recency list. */
  touch(s: number): void {
    if (this.head === s) return;
    const L = this.links, p = L[2 * s]!, n = L[2 * s + 1]!;
    // s is not the head, so it has a predecessor.
    L[2 * p + 1] = n;
    if (n >= 0) L[2 * n] = p; else this.tail = p;
    this.link(s);
  }

  /** Unlinks the least recently seen slot and returns it (the caller claims it again). */
  takeTail(): number {
    const s = this.tail, p = this.links[2 * s]!;
    this.tail = p;
    if (p >= 0) this.links[2 * p + 1] = -1; else this.head = -1;
    return s;
  }

  /** Rebuilds the recency list as 0, 1, ..., highWater - 1 (most recent first). */
  linkInOrder(): void {
    const n = this.highWater;
    for (let j = 0; j < n; j++) { this.links[2 * j] = j - 1; this.links[2 * j + 1] = j + 1 < n ? j + 1 : -1; }
    this.head = n > 0 ? 0 : -1;
    this.tail = n - 1;
  }

  /** Slots from the most to the least recently seen. */
  order(): Int32Array {
    const out = new Int32Array(this.highWater);
    let k = 0;
    for (let s = this.head; s >= 0; s = this.links[2 * s + 1]!) out[k++] = s;
    return out;
  }
}
