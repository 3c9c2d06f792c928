// Per user (dense ids of the shared user ValueIds): the R most recently seen distinct items with the
// event time in seconds, and the last P distinct items bought. Fixed-size rings in typed arrays
// indexed by user id, grown by doubling up to usersMax ids; users past it get no rings (counted).
//
// recent: slots fill in order and are never emptied, so the first -1 ends a user's list; a new item
// replaces the one seen longest ago. bought: a ring with a head, so the oldest purchase goes first.
// Persisted by user key string (the shared dictionary's ids are not this module's to persist).

import { ByteReader, ByteWriter } from "./byte-codec.ts";
import type { ValueIds } from "./value-ids.ts";

/** Event times are kept as u32 seconds from 2000-01-01 (LIMITS.TS_MIN_MS): enough until 2136. */
export const EPOCH_S = 946_684_800;

export function toSec(tMs: number): number {
  return Math.min(0xffff_ffff, Math.max(0, Math.floor(tMs / 1000) - EPOCH_S));
}

/** Users gathered between two yields of encodeSteps. */
const STEP_USERS = 4096;

export class UserRings {
  recent = new Int32Array(0);
  recentSec = new Uint32Array(0);
  bought = new Int32Array(0);
  boughtHead = new Uint8Array(0);
  /** Rows of users with ids >= usersMax. */
  untracked = 0;

  constructor(readonly r: number, readonly p: number, readonly usersMax: number) {}

  get capacity(): number {
    return this.boughtHead.length;
  }

  /** Makes room for `uid`; false when it is past usersMax. */
  ensure(uid: number): boolean {
    if (uid < this.capacity) return true;
    if (uid >= this.usersMax) { this.untracked++; return false; }
    const n = Math.min(this.usersMax, Math.max(uid + 1, this.capacity * 2, 1024));
    const recent = new Int32Array(n * this.r).fill(-1), bought = new Int32Array(n * this.p).fill(-1);
    const recentSec = new Uint32Array(n * this.r), head = new Uint8Array(n);
    recent.set(this.recent); bought.set(this.bought); recentSec.set(this.recentSec); head.set(this.boughtHead);
    this.recent = recent; this.bought = bought; this.recentSec = recentSec; this.boughtHead = head;
    return true;
  }

  has(uid: number): boolean {
    return uid >= 0 && uid < this.capacity && this.recent[uid * this.r]! >= 0;
  }

  view(uid: number, item: number, sec: number): void {
    const base = uid * this.r, recent = this.recent, secs = this.recentSec;
    let oldestAt = base, oldest = Infinity;
    for (let j = base; j < base + this.r; j++) {
      const it = recent[j]!;
      if (it === item) { if (sec > secs[j]!) secs[j] = sec; return; }
      if (it < 0) { oldestAt = j; break; }
      if (secs[j]! < oldest) { oldest = secs[j]!; oldestAt = j; }
    }
    recent[oldestAt] = item;
    secs[oldestAt] = sec;
  }

  buy(uid: number, item: number): void {
    const base = uid * this.p, bought = this.bought;
    for (let j = base; j < base + this.p; j++) if (bought[j] === item) return;
    const h = this.boughtHead[uid]!;
    bought[base + h] = item;
    this.boughtHead[uid] = (h + 1) % this.p;
  }

  get bytes(): number {
    return this.recent.byteLength + this.recentSec.byteLength + this.bought.byteLength + this.boughtHead.byteLength;
  }

  /** Users with history, by key string, then their rings (bought oldest first); a yield every STEP_USERS users gathered (checkpoints between requests). */
  *encodeSteps(w: ByteWriter, users: ValueIds): Generator<void, void, void> {
    const keys: string[] = [], uids: number[] = [];
    for (let u = 0; u < this.capacity; u++) if (this.has(u)) { keys.push(users.value(u)); uids.push(u); }
    const n = uids.length, r = this.r, p = this.p;
    const recent = new Int32Array(n * r), sec = new Uint32Array(n * r), bought = new Int32Array(n * p);
    yield;
    for (let i = 0; i < n; i++) {
      if (i > 0 && i % STEP_USERS === 0) yield;
      const u = uids[i]!;
      recent.set(this.recent.subarray(u * r, u * r + r), i * r);
      sec.set(this.recentSec.subarray(u * r, u * r + r), i * r);
      for (let j = 0; j < p; j++) bought[i * p + j] = this.bought[u * p + (this.boughtHead[u]! + j) % p]!;
    }
    yield;
    w.u32(r).u32(p).f64(this.untracked).json(keys).array(recent, n * r).array(sec, n * r).array(bought, n * p);
  }

  /** Replaces the state (user ids from `users`, inserting keys it lacks); other R and P keep the newest. */
  decode(rd: ByteReader, users: ValueIds, itemCount: number): void {
    const r = rd.u32(), p = rd.u32(), untracked = rd.f64(), keys = rd.json<string[]>();
    const recent = rd.i32s(), sec = rd.u32s(), bought = rd.i32s();
    const n = keys.length;
    if (!Array.isArray(keys) || recent.length !== n * r || sec.length !== n * r || bought.length !== n * p) rd.fail("user rings of mismatched lengths");
    for (const a of [recent, bought]) for (const it of a) if (it < -1 || it >= itemCount) rd.fail(`user ring item ${it} out of range`);
    this.recent = new Int32Array(0); this.recentSec = new Uint32Array(0); this.bought = new Int32Array(0); this.boughtHead = new Uint8Array(0);
    this.untracked = untracked;
    for (let i = 0; i < n; i++) {
      const uid = users.idOf(String(keys[i]));
      if (!this.ensure(uid)) continue;
      // The same R keeps slot order (evictions go on as before); another keeps the newest first.
      const js = Array.from({ length: r }, (_, j) => i * r + j).filter((j) => recent[j]! >= 0);
      if (r !== this.r) js.sort((a, b) => sec[b]! - sec[a]! || a - b);
      for (let j = 0; j < Math.min(this.r, js.length); j++) {
        this.recent[uid * this.r + j] = recent[js[j]!]!;
        this.recentSec[uid * this.r + j] = sec[js[j]!]!;
      }
      for (let j = 0; j < p; j++) if (bought[i * p + j]! >= 0) this.buy(uid, bought[i * p + j]!);
    }
  }
}
