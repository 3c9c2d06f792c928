// The global dictionary of one string column: every distinct value gets a dense code 0, 1, 2, ... in
// first-seen order, and codes never change, so sealed segments and queries can hold codes forever.
//
// Everything lives in four typed arrays, never in JS objects per value (a Map of a million strings
// makes the garbage collector pause for hundreds of milliseconds):
//
//   heap     UTF-8 bytes of all values, back to back          value c = heap[offsets[c] .. offsets[c+1])
//   offsets  u32, size + 1 entries
//   hashes   u32 hash of each value, so the table can grow without reading the heap again
//   slots    i32 open-addressing table (power-of-two size, linear probing), -1 = empty, else a code
//
// Invariants: slots holds every code exactly once; load (size / slots.length) stays <= 0.6; the heap
// stays below DICTIONARY_BYTES_MAX (u32 offsets). Inserting never creates a JS string.

import type { StringHeapBuilder } from "./string-heap.ts";
import { EngineError } from "../core/errors.ts";
import { LIMITS } from "../core/limits.ts";

const EMPTY = -1;
const LOAD_MAX = 0.6;
const CACHE_SIZE = 1024; // decoded strings kept by get(): direct-mapped by code
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

export interface StringDictionaryOptions {
  /** Overrides LIMITS.DICTIONARY_BYTES_MAX (tests trigger the limit with a small value). */
  readonly bytesMax?: number;
  /** Overrides LIMITS.DICTIONARY_CODES_MAX. */
  readonly codesMax?: number;
}

/**
 * murmur3-style 32-bit hash of bytes[start, end): four bytes per multiply (values are typically 10-60
 * bytes and hashing is most of the cost of a dictionary hit), then the murmur3 finalizer so linear
 * probing sees well-spread low bits.
 */
export function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x9747b28c ^ (end - start);
  let i = start;
  for (const last = end - 3; i < last; i += 4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let shift = 0; i < end; i++, shift += 8) k |= b[i]! << shift;
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class StringDictionary {
  private heap = new Uint8Array(1024);
  private heapUsed = 0;
  private offsets = new Uint32Array(65);
  private hashes = new Uint32Array(64);
  private slots = new Int32Array(128).fill(EMPTY);
  private count = 0;
  private scratch = new Uint8Array(256);
  private readonly cacheCodes = new Int32Array(CACHE_SIZE).fill(EMPTY);
  private readonly cacheStrings: string[] = new Array<string>(CACHE_SIZE).fill("");
  private readonly bytesMax: number;
  private readonly codesMax: number;

  constructor(options: StringDictionaryOptions = {}) {
    this.bytesMax = options.bytesMax ?? LIMITS.DICTIONARY_BYTES_MAX;
    this.codesMax = options.codesMax ?? LIMITS.DICTIONARY_CODES_MAX;
  }

  /** Number of distinct values (codes are 0 .. size - 1). */
  get size(): number {
    return this.count;
  }

  /** Bytes of every typed array the dictionary holds, spare capacity included. */
  get byteSize(): number {
    return this.heap.byteLength + this.offsets.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }

  /** Finds or inserts the value held in bytes[start, end) (UTF-8) and returns its code. */
  codeOfBytes(bytes: Uint8Array, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    const found = this.lookup(bytes, start, end, h);
    if (found >= 0) return found;
    return this.insert(bytes, start, end, h);
  }

  /**
   * Why `values` more distinct values of `bytes` UTF-8 bytes in all might not fit, or null when they
   * fit. An upper bound (some values may already be here): ingest checks it before logging a batch,
   * so a batch in the WAL never fails to apply.
   */
  roomFor(values: number, bytes: number): string | null {
    if (this.count + values > this.codesMax) return `${this.count} values + up to ${values} more exceed ${this.codesMax}`;
    if (this.heapUsed + bytes > this.bytesMax) return `${this.heapUsed} bytes + up to ${bytes} more exceed ${this.bytesMax}`;
    return null;
  }

  /** The code of `s`, or -1 when the dictionary does not hold it. Never inserts. */
  find(s: string): number {
    if (this.scratch.length < s.length * 3) this.scratch = new Uint8Array(s.length * 3);
    const len = utf8.encodeInto(s, this.scratch).written;
    return this.lookup(this.scratch, 0, len, hashBytes(this.scratch, 0, len));
  }

  /** The value of `code` (0 <= code < size). */
  get(code: number): string {
    const slot = code & (CACHE_SIZE - 1);
    if (this.cacheCodes[slot] === code) return this.cacheStrings[slot]!;
    const s = utf8d.decode(this.heap.subarray(this.offsets[code]!, this.offsets[code + 1]!));
    this.cacheCodes[slot] = code;
    this.cacheStrings[slot] = s;
    return s;
  }

  /** Appends the UTF-8 bytes of `code`'s value to `out` without decoding it (compaction). */
  appendTo(code: number, out: StringHeapBuilder): void {
    const b0 = this.offsets[code]!, b1 = this.offsets[code + 1]!;
    out.reserve(b1 - b0);
    const at = out.size;
    out.heap.set(this.heap.subarray(b0, b1), at);
    out.close(at + b1 - b0, false);
  }

  /** UTF-8 length of the value of `code`, without decoding it. */
  byteLengthOf(code: number): number {
    return this.offsets[code + 1]! - this.offsets[code]!;
  }

  /**
   * Evaluates `pred` once per distinct value: result[code] is 1 when the value matches, else 0 (one
   * byte per code, so a filter tests a row with one load). Codes inserted later are not covered.
   */
  matchCodes(pred: (s: string) => boolean): Uint8Array {
    const out = new Uint8Array(this.count);
    for (let c = 0; c < this.count; c++) if (pred(this.get(c))) out[c] = 1;
    return out;
  }

  private lookup(bytes: Uint8Array, start: number, end: number, h: number): number {
    const slots = this.slots, mask = slots.length - 1, len = end - start;
    const heap = this.heap, offsets = this.offsets, hashes = this.hashes;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const code = slots[i]!;
      if (code === EMPTY) return -1;
      if (hashes[code] !== h) continue;
      const at = offsets[code]!;
      if (offsets[code + 1]! - at !== len) continue;
      let k = 0;
      while (k < len && heap[at + k] === bytes[start + k]) k++;
      if (k === len) return code;
    }
  }

  private insert(bytes: Uint8Array, start: number, end: number, h: number): number {
    const code = this.count, len = end - start;
    if (code >= this.codesMax) {
      throw new EngineError("store_limit", `string dictionary holds ${code} values, the most allowed is ${this.codesMax}`);
    }
    if (this.heapUsed + len > this.bytesMax) {
      throw new EngineError("store_limit", `string dictionary of ${this.heapUsed} bytes cannot take ${len} more: limit ${this.bytesMax}`);
    }
    if (this.heapUsed + len > this.heap.length) this.growHeap(this.heapUsed + len);
    if (code === this.hashes.length) this.growCodes();
    // Copy by hand: a subarray() view per inserted value would be an allocation on the append path.
    const heap = this.heap, at = this.heapUsed;
    for (let k = 0; k < len; k++) heap[at + k] = bytes[start + k]!;
    this.heapUsed = at + len;
    this.offsets[code + 1] = this.heapUsed;
    this.hashes[code] = h;
    this.count = code + 1;
    if (this.count > this.slots.length * LOAD_MAX) this.rehash(this.slots.length * 2);
    else this.place(code, h);
    return code;
  }

  private place(code: number, h: number): void {
    const slots = this.slots, mask = slots.length - 1;
    let i = h & mask;
    while (slots[i] !== EMPTY) i = (i + 1) & mask;
    slots[i] = code;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(EMPTY);
    for (let c = 0; c < this.count; c++) this.place(c, this.hashes[c]!);
  }

  // Growth by 1.5x rather than 2x: the spare capacity counts in memoryBytes and is never returned.
  private growHeap(need: number): void {
    const size = Math.min(this.bytesMax, Math.max(need, Math.ceil(this.heap.length * 1.5)));
    const heap = new Uint8Array(size);
    heap.set(this.heap.subarray(0, this.heapUsed));
    this.heap = heap;
  }

  private growCodes(): void {
    const cap = Math.ceil(this.hashes.length * 1.5);
    const hashes = new Uint32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const offsets = new Uint32Array(cap + 1);
    offsets.set(this.offsets);
    this.offsets = offsets;
  }
}
