// The memory of live user profiles: one fixed-size slot per user, every field a typed array indexed
// by slot (struct of arrays), so a million profiles are a few dozen objects for the garbage collector
// whatever their contents. Slot s's part of a strided array is [s * stride, (s + 1) * stride).
//
//   per slot                         type       stride                     empty value
//   user (dense id, users ValueIds)  i32        1                          -
//   prev, next (recency list)        i32        1                          -1
//   events, orders, sessions         u32        1                          0
//   firstSeen, lastSeen, spend       f64        1                          0 (events = 0: unset)
//   campaign, channel (id + 1)       i32        1                          0 = none
//   campaignTs, channelTs            f64        1                          -
//   heads (newest bucket per ring)   i32        windows                    0
//   counts[w] (ring w)               u16        countTypes x buckets(w)    0
//   sessionHashes (MRU first)        u32        sessionsRemembered         0 = none
//   recentItem (item id + 1)         i32        lists x recentItems        0 = none
//   recentSec (event time, s)        u32        lists x recentItems        -
//   tags (tag id + 1)                i32        tagsMax                    0 = none
//
// Arrays are reserved for usersMax slots at once: the OS commits pages as slots are first written
// (an untouched reservation costs no resident memory on Linux), and nothing is ever copied to grow,
// so no ingest or lookup ever waits for a resize. Slots are used in order 0, 1, 2, ... and reused
// after an eviction, so resident memory follows highWater * bytesPerSlot.
//
// Recency: a doubly linked list through prev/next, most recently seen at `head`, least at `tail`.

import { PROFILE_WINDOWS, type ProfileConfig } from "./profile-config.ts";

export class ProfileSlots {
  readonly capacity: number;
  readonly types: number;
  readonly lists: number;
  readonly listItems: number;
  readonly sessionsK: number;
  readonly tagsMax: number;
  readonly user: Int32Array;
  readonly prev: Int32Array;
  readonly next: Int32Array;
  readonly events: Uint32Array;
  readonly orders: Uint32Array;
  readonly sessions: Uint32Array;
  readonly firstSeen: Float64Array;
  readonly lastSeen: Float64Array;
  readonly spend: Float64Array;
  readonly campaign: Int32Array;
  readonly campaignTs: Float64Array;
  readonly channel: Int32Array;
  readonly channelTs: Float64Array;
  readonly heads: Int32Array;
  readonly counts: Uint16Array[];
  readonly sessionHashes: Uint32Array;
  readonly recentItem: Int32Array;
  readonly recentSec: Uint32Array;
  readonly tags: Int32Array;
  /** Slots ever used (slots [0, highWater) hold users). */
  highWater = 0;
  head = -1;
  tail = -1;

  constructor(c: ProfileConfig) {
    const n = (this.capacity = c.usersMax);
    this.types = c.countTypes.length;
    this.lists = c.recentLists.length;
    this.listItems = c.recentItems;
    this.sessionsK = c.sessionsRemembered;
    this.tagsMax = c.tagsMax;
    this.user = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.events = new Uint32Array(n);
    this.orders = new Uint32Array(n);
    this.sessions = new Uint32Array(n);
    this.firstSeen = new Float64Array(n);
    this.lastSeen = new Float64Array(n);
    this.spend = new Float64Array(n);
    this.campaign = new Int32Array(n);
    this.campaignTs = new Float64Array(n);
    this.channel = new Int32Array(n);
    this.channelTs = new Float64Array(n);
    this.heads = new Int32Array(n * PROFILE_WINDOWS.length);
    this.counts = PROFILE_WINDOWS.map((w) => new Uint16Array(n * this.types * w.buckets));
    this.sessionHashes = new Uint32Array(n * this.sessionsK);
    this.recentItem = new Int32Array(n * this.lists * this.listItems);
    this.recentSec = new Uint32Array(n * this.lists * this.listItems);
    this.tags = new Int32Array(n * this.tagsMax);
  }

  /** Bytes one slot occupies across every array. */
  get bytesPerSlot(): number {
    let ringBytes = 0;
    for (const w of PROFILE_WINDOWS) ringBytes += 2 * this.types * w.buckets;
    return 4 * 3 + 4 * 3 + 8 * 3 + (4 + 8) * 2 + 4 * PROFILE_WINDOWS.length + ringBytes +
      4 * this.sessionsK + 8 * this.lists * this.listItems + 4 * this.tagsMax;
  }

  /** Zeroes slot s (a fresh or evicted slot) and puts it at the head of the recency list for `user`. */
  claim(s: number, user: number): void {
    this.user[s] = user;
    this.events[s] = 0;
    this.orders[s] = 0;
    this.sessions[s] = 0;
    this.firstSeen[s] = 0;
    this.lastSeen[s] = 0;
    this.spend[s] = 0;
    this.campaign[s] = 0;
    this.channel[s] = 0;
    const W = PROFILE_WINDOWS.length;
    // Heads at bucket 0: the first event is a whole ring ahead and clears its counters.
    this.heads.fill(0, s * W, (s + 1) * W);
    this.sessionHashes.fill(0, s * this.sessionsK, (s + 1) * this.sessionsK);
    const li = this.lists * this.listItems;
    this.recentItem.fill(0, s * li, (s + 1) * li);
    this.tags.fill(0, s * this.tagsMax, (s + 1) * this.tagsMax);
    if (s >= this.highWater) this.highWater = s + 1;
    this.prev[s] = -1;
    this.next[s] = this.head;
    if (this.head >= 0) this.prev[this.head] = s;
    this.head = s;
    if (this.tail < 0) this.tail = s;
  }

  /** Moves slot s to the head of the recency list. */
  touch(s: number): void {
    if (this.head === s) return;
    const p = this.prev[s]!, n = this.next[s]!;
    // s is not the head, so it has a predecessor.
    this.next[p] = n;
    if (n >= 0) this.prev[n] = p; else this.tail = p;
    this.prev[s] = -1;
    this.next[s] = this.head;
    this.prev[this.head] = s;
    this.head = s;
  }

  /** Unlinks the least recently seen slot and returns it (the caller claims it again). */
  takeTail(): number {
    const s = this.tail;
    const p = this.prev[s]!;
    this.tail = p;
    if (p >= 0) this.next[p] = -1; else this.head = -1;
    return s;
  }
}
