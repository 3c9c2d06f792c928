// Open sessions for co-occurrence: per session, its last K distinct items with the event time, the
// largest type weight seen and whether it was bought. Bounded by construction: a set-associative
// table of `slots` sessions (WAYS per set, chosen by a 64-bit hash of the session key) and K items
// each, all typed arrays allocated once.
//
// Sessions end by event time: an event more than gapMs after its session's last event starts the
// session afresh (expired), and a new session takes an empty or ended way of its set, else the least
// recently active one (evicted: that session's later events start afresh, so its pairs with earlier
// items are lost). Keys are hashes of the session_id string (or of the user key for events without a
// session), so they survive a restart; two sessions colliding on 64 bits would share a ring.

import { ByteReader, ByteWriter } from "./byte-codec.ts";

export const WAYS = 4;

/** A 32-bit murmur3-style hash of a string's UTF-16 units (stable across processes and restarts). */
export function hashString(s: string, seed: number): number {
  let h = seed ^ s.length;
  for (let i = 0; i < s.length; i++) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Direct-mapped cache of key -> 64-bit hash of its string (one string decode per miss). */
export class KeyHashes {
  private readonly keys = new Int32Array(4096).fill(-1);
  private readonly los = new Int32Array(4096);
  private readonly his = new Int32Array(4096);
  lo = 0;
  hi = 0;

  constructor(private readonly seedLo: number, private readonly seedHi: number) {}

  /** Sets lo/hi and returns true when `key` is cached. */
  lookup(key: number): boolean {
    const s = key & 4095;
    if (this.keys[s] !== key) return false;
    this.lo = this.los[s]!;
    this.hi = this.his[s]!;
    return true;
  }

  put(key: number, value: string): void {
    const s = key & 4095;
    this.keys[s] = key;
    this.lo = this.los[s] = hashString(value, this.seedLo);
    this.hi = this.his[s] = hashString(value, this.seedHi);
  }

  clear(): void {
    this.keys.fill(-1);
  }
}

/** Sessions gathered between two yields of encodeSteps. */
const STEP_SESSIONS = 4096;

export class SessionTable {
  keyLo: Int32Array;
  keyHi: Int32Array;
  /** Event time of the session's newest event; -Infinity = empty way. */
  last: Float64Array;
  count: Uint8Array;
  /** K entries per slot. */
  item: Int32Array;
  ts: Float64Array;
  weight: Float32Array;
  bought: Uint8Array;
  expired = 0;
  evicted = 0;

  constructor(readonly slots: number, readonly k: number) {
    this.keyLo = new Int32Array(slots);
    this.keyHi = new Int32Array(slots);
    this.last = new Float64Array(slots).fill(-Infinity);
    this.count = new Uint8Array(slots);
    this.item = new Int32Array(slots * k);
    this.ts = new Float64Array(slots * k);
    this.weight = new Float32Array(slots * k);
    this.bought = new Uint8Array(slots * k);
  }

  /** The slot of session (lo, hi) for an event at t; the newest event time overall is watermark. */
  slotOf(lo: number, hi: number, t: number, watermark: number, gapMs: number): number {
    const base = (lo & (this.slots / WAYS - 1)) * WAYS, last = this.last;
    let victim = base, victimLast = Infinity;
    for (let s = base; s < base + WAYS; s++) {
      const l = last[s]!;
      if (l !== -Infinity && this.keyLo[s] === lo && this.keyHi[s] === hi) {
        if (t - l > gapMs) { this.count[s] = 0; this.expired++; }
        if (t > l) last[s] = t;
        return s;
      }
      if (l < victimLast) { victimLast = l; victim = s; }
    }
    if (victimLast !== -Infinity) {
      if (watermark - victimLast > gapMs) this.expired++;
      else this.evicted++;
    }
    this.keyLo[victim] = lo;
    this.keyHi[victim] = hi;
    last[victim] = t;
    this.count[victim] = 0;
    return victim;
  }

  get bytes(): number {
    return this.keyLo.byteLength + this.keyHi.byteLength + this.last.byteLength + this.count.byteLength +
      this.item.byteLength + this.ts.byteLength + this.weight.byteLength + this.bought.byteLength;
  }

  /** Open sessions only: slot numbers, then their keys and rings; a yield every STEP_SESSIONS sessions gathered (checkpoints between requests). */
  *encodeSteps(w: ByteWriter): Generator<void, void, void> {
    const used: number[] = [];
    for (let s = 0; s < this.slots; s++) if (this.last[s] !== -Infinity) used.push(s);
    const n = used.length, k = this.k;
    const slots = Int32Array.from(used), keys = new Int32Array(2 * n), last = new Float64Array(n), count = new Uint8Array(n);
    const item = new Int32Array(n * k), ts = new Float64Array(n * k), weight = new Float64Array(n * k), bought = new Uint8Array(n * k);
    for (let i = 0; i < n; i++) {
      if (i > 0 && i % STEP_SESSIONS === 0) yield;
      const s = used[i]!;
      keys[2 * i] = this.keyLo[s]!; keys[2 * i + 1] = this.keyHi[s]!; last[i] = this.last[s]!; count[i] = this.count[s]!;
      item.set(this.item.subarray(s * k, s * k + k), i * k); ts.set(this.ts.subarray(s * k, s * k + k), i * k);
      weight.set(this.weight.subarray(s * k, s * k + k), i * k); bought.set(this.bought.subarray(s * k, s * k + k), i * k);
    }
    yield;
    w.u32(this.slots).u32(k).f64(this.expired).f64(this.evicted);
    w.array(slots, n).array(keys, 2 * n).array(last, n).array(count, n).array(item, n * k).array(ts, n * k).array(weight, n * k).array(bought, n * k);
  }

  /** Replaces the state; sessions of a table of another shape are dropped (they are short-lived). */
  decode(r: ByteReader, itemCount: number): void {
    const slots = r.u32(), k = r.u32(), expired = r.f64(), evicted = r.f64();
    const used = r.i32s(), keys = r.i32s(), last = r.f64s(), count = r.u8s();
    const item = r.i32s(), ts = r.f64s(), weight = r.f64s(), bought = r.u8s();
    const n = used.length;
    if (keys.length !== 2 * n || last.length !== n || count.length !== n || item.length !== n * k || ts.length !== n * k || weight.length !== n * k || bought.length !== n * k) {
      r.fail("sessions of mismatched lengths");
    }
    this.last.fill(-Infinity);
    this.count.fill(0);
    this.expired = expired;
    this.evicted = evicted;
    if (slots !== this.slots || k !== this.k) return;
    for (let i = 0; i < n; i++) {
      const s = used[i]!;
      if (s < 0 || s >= slots || count[i]! > k) r.fail(`session slot ${s} out of range`);
      for (let j = 0; j < count[i]!; j++) if (item[i * k + j]! < 0 || item[i * k + j]! >= itemCount) r.fail(`session item out of range`);
      this.keyLo[s] = keys[2 * i]!; this.keyHi[s] = keys[2 * i + 1]!; this.last[s] = last[i]!; this.count[s] = count[i]!;
      this.item.set(item.subarray(i * k, i * k + k), s * k); this.ts.set(ts.subarray(i * k, i * k + k), s * k);
      this.weight.set(weight.subarray(i * k, i * k + k), s * k); this.bought.set(bought.subarray(i * k, i * k + k), s * k);
    }
  }
}
