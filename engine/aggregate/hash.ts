// The one 64-bit hash Caracal's sketches (HyperLogLog, engine/aggregate/hll.ts) are fed with, handed
// out as two u32 halves (lo = bits 0..31, hi = bits 32..63) so hot loops never touch a BigInt.
//
//   strings and bytes  wyhash (final v4, seed 0) of the UTF-8 bytes, computed by Bun.hash.wyhash.
//                      hashString(s) == hashBytes(utf8(s)) for every string (lone surrogates become
//                      U+FFFD on both paths), so a value hashes the same from a request, a dictionary
//                      code or raw bytes.
//   numbers            splitmix64's output function over the float64 bits (-0 as 0, one NaN): a
//                      bijection, so distinct ids never collide.
//   dictionary codes   CodeHashes: each distinct value of a StringDictionary hashed once, on first use.
//
// Invariant: the values are part of the persisted format (encoded sketches hold hash bits), so they
// must never change: test/unit/engine/aggregate/hash.test.ts pins wyhash's reference vectors, and a
// Bun upgrade that changed them would fail there before it corrupted a sketch.
//
// Why the BigUint64Array: Bun.hash.wyhash returns a BigInt. Splitting it with `h & 0xffffffffn` and
// `h >> 32n` allocates two more BigInts: 78 ns per 14-byte string against 30 ns for the hash call
// alone. Storing it into a BigUint64Array and reading the two u32 words through an aliasing
// Uint32Array costs 36 ns. Two 32-bit hashes with different seeds (2 x xxHash32: 49 ns) or UTF-8
// encoding plus a JS hash (38 ns) are no faster. bench/hll.bench.ts prints these figures again.
// Bun runs on little-endian machines only, so word 0 is the low half.

import { assert } from "../core/assert.ts";
import type { StringDictionary } from "../column/string-dictionary.ts";

const wide = new BigUint64Array(1);
const words = new Uint32Array(wide.buffer);
const float = new Float64Array(1);
const floatWords = new Uint32Array(float.buffer);

/** Writes the 64-bit hash of `s` (its UTF-8 bytes) as out[at] = lo, out[at + 1] = hi. */
export function hashString(s: string, out: Uint32Array, at: number): void {
  wide[0] = Bun.hash.wyhash(s, 0n);
  out[at] = words[0]!;
  out[at + 1] = words[1]!;
}

/** Writes the 64-bit hash of bytes[start, end) as out[at] = lo, out[at + 1] = hi. */
export function hashBytes(bytes: Uint8Array, start: number, end: number, out: Uint32Array, at: number): void {
  // Bun.hash takes no range: a view is one small allocation, skipped when the range is the whole array.
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  wide[0] = Bun.hash.wyhash(view, 0n);
  out[at] = words[0]!;
  out[at + 1] = words[1]!;
}

/**
 * Writes the 64-bit hash of the number `n` (an id, typically a dense integer) as out[at] = lo,
 * out[at + 1] = hi. Not the hash of String(n): a sketch must see one kind of key. About 12 ns: the
 * 64-bit multiplies cost 16-bit limbs in JS. A 4-round Feistel network over murmur3's 32-bit
 * finalizer measured 6 ns, but splitmix64 is a published mixer with known statistics, checked here
 * against a BigInt reference, and its values are persisted: the 6 ns are not worth a homemade one.
 */
export function hashNumber(n: number, out: Uint32Array, at: number): void {
  float[0] = n === 0 ? 0 : n === n ? n : NaN;
  mix64(floatWords[0]!, floatWords[1]!, out, at);
}

/**
 * splitmix64's output function (Steele, Lea, Flood 2014; the "Mix13" constants of D. Stafford) on
 * the 64-bit value hi:lo, in 32-bit halves: z += 0x9e3779b97f4a7c15; z = (z ^ z >>> 30) *
 * 0xbf58476d1ce4e5b9; z = (z ^ z >>> 27) * 0x94d049bb133111eb; z ^= z >>> 31.
 */
export function mix64(lo: number, hi: number, out: Uint32Array, at: number): void {
  let l = (lo >>> 0) + 0x7f4a7c15;
  let h = ((hi >>> 0) + 0x9e3779b9 + (l > 0xffffffff ? 1 : 0)) >>> 0;
  l >>>= 0;
  let l2 = ((l >>> 30) | (h << 2)) ^ l;
  let h2 = (h >>> 30) ^ h;
  mul64(l2, h2, 0x1ce4e5b9, 0xbf58476d, out, at);
  l = out[at]!;
  h = out[at + 1]!;
  l2 = ((l >>> 27) | (h << 5)) ^ l;
  h2 = (h >>> 27) ^ h;
  mul64(l2, h2, 0x133111eb, 0x94d049bb, out, at);
  l = out[at]!;
  h = out[at + 1]!;
  out[at] = ((l >>> 31) | (h << 1)) ^ l;
  out[at + 1] = (h >>> 31) ^ h;
}

/** (ah:al * bh:bl) mod 2^64 into out[at], out[at + 1]; the high word of al * bl from 16-bit limbs. */
function mul64(al: number, ah: number, bl: number, bh: number, out: Uint32Array, at: number): void {
  al >>>= 0;
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p01 = a0 * b1, p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  out[at] = Math.imul(al, bl);
  out[at + 1] = carry + Math.imul(al, bh) + Math.imul(ah, bl);
}

/**
 * The 64-bit hash of every value of one StringDictionary, by code, computed the first time a code is
 * asked for and kept in growable typed arrays (8 bytes a code plus a 1-byte flag). Valid because a
 * dictionary only grows and never changes a code's value; codes are process-local, so this cache is
 * never persisted (the hashes it holds are the persisted-stable values of hashString).
 */
export class CodeHashes {
  private pairs = new Uint32Array(0); // lo, hi of code c at 2c, 2c + 1
  private known = new Uint8Array(0); // 1 once code c is hashed
  private readonly scratch = new Uint32Array(2);

  constructor(private readonly dict: StringDictionary) {}

  /** Writes the hash of `code`'s value as out[at] = lo, out[at + 1] = hi. */
  fill(code: number, out: Uint32Array, at: number): void {
    if (code >= this.known.length || this.known[code] === 0) this.compute(code);
    out[at] = this.pairs[2 * code]!;
    out[at + 1] = this.pairs[2 * code + 1]!;
  }

  lo(code: number): number {
    if (code >= this.known.length || this.known[code] === 0) this.compute(code);
    return this.pairs[2 * code]!;
  }

  hi(code: number): number {
    if (code >= this.known.length || this.known[code] === 0) this.compute(code);
    return this.pairs[2 * code + 1]!;
  }

  /** Codes hashed so far. */
  get hashedCount(): number {
    let n = 0;
    for (let c = 0; c < this.known.length; c++) n += this.known[c]!;
    return n;
  }

  /** Bytes of the typed arrays held, spare capacity included. */
  get byteSize(): number {
    return this.pairs.byteLength + this.known.byteLength;
  }

  private compute(code: number): void {
    assert(code >= 0 && code < this.dict.size && Number.isInteger(code), `code ${code} outside dictionary of ${this.dict.size}`);
    if (code >= this.known.length) this.grow(code);
    hashString(this.dict.get(code), this.scratch, 0);
    this.pairs[2 * code] = this.scratch[0]!;
    this.pairs[2 * code + 1] = this.scratch[1]!;
    this.known[code] = 1;
  }

  // The dictionary's size is the natural capacity: codes below it are likely to be asked for next.
  private grow(code: number): void {
    const cap = Math.max(code + 1, this.dict.size, Math.ceil(this.known.length * 1.5), 64);
    const pairs = new Uint32Array(2 * cap);
    pairs.set(this.pairs);
    this.pairs = pairs;
    const known = new Uint8Array(cap);
    known.set(this.known);
    this.known = known;
  }
}
