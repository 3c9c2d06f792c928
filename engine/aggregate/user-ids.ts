// Dense user ids for bitmaps: each distinct user key (a user_id or anonymous_id string) gets the next
// u32 id, 0, 1, 2, ... in order of first sight, and keeps it forever, so a bitmap of ids stays valid
// and exports can map ids back to keys. Ids are never reclaimed.
//
// Layout (the same as engine/column/string-dictionary.ts, whose hash we reuse, plus encode/decode of
// the raw arrays): no JS object per user, so ten million users cost the collector nothing.
//
//   heap     UTF-8 bytes of all keys back to back          key of id i = heap[offsets[i] .. offsets[i+1])
//   offsets  u32, size + 1 entries
//   hashes   u32 hash of each key (rehashing never reads the heap)
//   slots    i32 open addressing (power-of-two size, linear probing), -1 = empty, else an id
//
// Invariants: slots holds every id exactly once; load stays <= 0.6; ids < idsMax (< 2^31, so an
// Int32Array can hold them with -1 for "none"); heap < bytesMax (u32 offsets).
//
// The hot path never sees strings: rows carry codes into the table's global dictionaries, and a
// CodeTranslation per global dictionary maps code -> dense id with one array load, filled on first
// sight of each code. Global codes do not survive a restart; encode() keeps only keys and ids.

import { assert } from "../core/assert.ts";
import { EngineError } from "../core/errors.ts";
import { hashBytes, type StringDictionary } from "../column/string-dictionary.ts";

const EMPTY = -1;
const LOAD_MAX = 0.6;
const IDS_MAX = 0x7fff_ffff;
const BYTES_MAX = 0xffff_ffff;
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface UserIdsOptions {
  /** Most ids handed out; past it idOf returns -1 (tests trigger the limit with a small value). */
  readonly idsMax?: number;
  /** Most UTF-8 bytes of keys. */
  readonly bytesMax?: number;
}

/**
 * code -> id of our own for one global dictionary: ids[code] is -1 until resolve(code) first runs
 * (so the hot path is `let id = code < ids.length ? ids[code] : -1; if (id < 0) id = t.resolve(code)`).
 * A resolver that returns -1 (a limit) leaves the entry at -1: asked again next time.
 */
export class CodeTranslation {
  ids: Int32Array;

  constructor(
    readonly dict: StringDictionary,
    private readonly resolver: (value: string) => number,
  ) {
    this.ids = new Int32Array(Math.max(64, dict.size)).fill(EMPTY);
  }

  /** The slow path: looks the value of `code` up (inserting it) and caches the answer. */
  resolve(code: number): number {
    if (code >= this.ids.length) {
      const grown = new Int32Array(Math.max(code + 1, this.dict.size, this.ids.length * 2)).fill(EMPTY);
      grown.set(this.ids);
      this.ids = grown;
    }
    const id = this.resolver(this.dict.get(code));
    this.ids[code] = id;
    return id;
  }
}

export class UserIds {
  private heap = new Uint8Array(1024);
  private heapUsed = 0;
  private offsets = new Uint32Array(65);
  private hashes = new Uint32Array(64);
  private slots = new Int32Array(128).fill(EMPTY);
  private count = 0;
  private scratch = new Uint8Array(256);
  private readonly translations = new WeakMap<StringDictionary, CodeTranslation>();
  private readonly idsMax: number;
  private readonly bytesMax: number;

  constructor(options: UserIdsOptions = {}) {
    this.idsMax = Math.min(options.idsMax ?? IDS_MAX, IDS_MAX);
    this.bytesMax = Math.min(options.bytesMax ?? BYTES_MAX, BYTES_MAX);
  }

  /** Ids handed out: 0 .. size - 1. */
  get size(): number {
    return this.count;
  }

  /** Bytes of every typed array held, spare capacity included. */
  get byteSize(): number {
    return this.heap.byteLength + this.offsets.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }

  /** The id of `key`, inserted when new; -1 when the key is new and a limit is reached. */
  idOf(key: string): number {
    const len = this.encodeKey(key);
    return this.idOfBytes(this.scratch, 0, len);
  }

  /** The id of `key`, or -1 when it was never seen. Never inserts. */
  find(key: string): number {
    const len = this.encodeKey(key);
    return this.lookup(this.scratch, 0, len, hashBytes(this.scratch, 0, len));
  }

  /** idOf for a key held as UTF-8 in bytes[start, end). */
  idOfBytes(bytes: Uint8Array, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    const found = this.lookup(bytes, start, end, h);
    return found >= 0 ? found : this.insert(bytes, start, end, h);
  }

  /** The key of `id` (0 <= id < size). */
  key(id: number): string {
    assert(id >= 0 && id < this.count, `user id ${id} out of range [0, ${this.count})`);
    return utf8d.decode(this.heap.subarray(this.offsets[id]!, this.offsets[id + 1]!));
  }

  /** The code -> id cache for one global dictionary (created on first use, kept while the dictionary lives). */
  translation(dict: StringDictionary): CodeTranslation {
    let t = this.translations.get(dict);
    if (t === undefined) this.translations.set(dict, (t = new CodeTranslation(dict, (key) => this.idOf(key))));
    return t;
  }

  /**
   * Layout: u32 count, u32 heap bytes, u32 offsets[count + 1], heap bytes; little-endian. Hashes and
   * slots are rebuilt on decode (hashing is ~10 ns a key; storing them would double the size).
   */
  encode(): Uint8Array {
    assert(LITTLE_ENDIAN, "encode assumes a little-endian machine");
    const n = this.count, offsetBytes = 4 * (n + 1);
    const out = new Uint8Array(8 + offsetBytes + this.heapUsed);
    const view = new DataView(out.buffer);
    view.setUint32(0, n, true);
    view.setUint32(4, this.heapUsed, true);
    out.set(new Uint8Array(this.offsets.buffer, 0, offsetBytes), 8);
    out.set(this.heap.subarray(0, this.heapUsed), 8 + offsetBytes);
    return out;
  }

  static decode(bytes: Uint8Array, options: UserIdsOptions = {}): UserIds {
    assert(LITTLE_ENDIAN, "decode assumes a little-endian machine");
    const corrupt = (why: string) => new EngineError("data_corrupt", `user ids: ${why}`);
    if (bytes.length < 12) throw corrupt(`${bytes.length} bytes is too short`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getUint32(0, true), heapBytes = view.getUint32(4, true);
    const expected = 8 + 4 * (n + 1) + heapBytes;
    if (expected !== bytes.length) throw corrupt(`${n} ids and ${heapBytes} key bytes need ${expected} bytes, got ${bytes.length}`);
    const u = new UserIds(options);
    if (n > u.idsMax) throw corrupt(`${n} ids exceed the limit ${u.idsMax}`);
    const offsets = new Uint32Array(n + 1);
    new Uint8Array(offsets.buffer).set(bytes.subarray(8, 8 + 4 * (n + 1)));
    if (offsets[0] !== 0 || offsets[n] !== heapBytes) throw corrupt("offsets do not span the key bytes");
    for (let i = 0; i < n; i++) if (offsets[i + 1]! < offsets[i]!) throw corrupt(`offsets decrease at id ${i}`);
    u.heap = bytes.slice(8 + 4 * (n + 1));
    u.heapUsed = heapBytes;
    u.offsets = offsets;
    u.hashes = new Uint32Array(Math.max(64, n));
    for (let i = 0; i < n; i++) u.hashes[i] = hashBytes(u.heap, offsets[i]!, offsets[i + 1]!);
    let size = 128;
    while (n > size * LOAD_MAX) size *= 2;
    u.slots = new Int32Array(size).fill(EMPTY);
    for (let i = 0; i < n; i++) {
      if (u.lookup(u.heap, offsets[i]!, offsets[i + 1]!, u.hashes[i]!) >= 0) throw corrupt(`id ${i} repeats an earlier key`);
      u.place(i, u.hashes[i]!);
    }
    u.count = n;
    if (u.offsets.length < u.hashes.length + 1) u.growCodesTo(u.hashes.length);
    return u;
  }

  private encodeKey(key: string): number {
    if (this.scratch.length < key.length * 3) this.scratch = new Uint8Array(key.length * 3);
    return utf8.encodeInto(key, this.scratch).written;
  }

  private lookup(bytes: Uint8Array, start: number, end: number, h: number): number {
    const slots = this.slots, mask = slots.length - 1, len = end - start;
    const heap = this.heap, offsets = this.offsets, hashes = this.hashes;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = slots[i]!;
      if (id === EMPTY) return -1;
      if (hashes[id] !== h) continue;
      const at = offsets[id]!;
      if (offsets[id + 1]! - at !== len) continue;
      let k = 0;
      while (k < len && heap[at + k] === bytes[start + k]) k++;
      if (k === len) return id;
    }
  }

  private insert(bytes: Uint8Array, start: number, end: number, h: number): number {
    const id = this.count, len = end - start;
    if (id >= this.idsMax || this.heapUsed + len > this.bytesMax) return -1;
    if (this.heapUsed + len > this.heap.length) {
      const heap = new Uint8Array(Math.min(this.bytesMax, Math.max(this.heapUsed + len, Math.ceil(this.heap.length * 1.5))));
      heap.set(this.heap.subarray(0, this.heapUsed));
      this.heap = heap;
    }
    if (id === this.hashes.length) this.growCodesTo(Math.ceil(this.hashes.length * 1.5));
    const heap = this.heap, at = this.heapUsed;
    for (let k = 0; k < len; k++) heap[at + k] = bytes[start + k]!;
    this.heapUsed = at + len;
    this.offsets[id + 1] = this.heapUsed;
    this.hashes[id] = h;
    this.count = id + 1;
    if (this.count > this.slots.length * LOAD_MAX) {
      this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
      for (let c = 0; c < this.count; c++) this.place(c, this.hashes[c]!);
    } else {
      this.place(id, h);
    }
    return id;
  }

  private place(id: number, h: number): void {
    const slots = this.slots, mask = slots.length - 1;
    let i = h & mask;
    while (slots[i] !== EMPTY) i = (i + 1) & mask;
    slots[i] = id;
  }

  private growCodesTo(cap: number): void {
    const hashes = new Uint32Array(cap);
    hashes.set(this.hashes.subarray(0, Math.min(this.hashes.length, cap)));
    this.hashes = hashes;
    const offsets = new Uint32Array(cap + 1);
    offsets.set(this.offsets.subarray(0, Math.min(this.offsets.length, cap + 1)));
    this.offsets = offsets;
  }
}
