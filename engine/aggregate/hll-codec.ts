// The stable binary encoding of a HyperLogLog sketch (engine/aggregate/hll.ts), version 1.
//
//    0         1         2         3
//   +---------+---------+---------+- - - - - - - - - - - - - - - - - - - - - - - - - - - - -+
//   | version | p       | kind    | body                                                   |
//   | = 1     | 4..18   | 0 or 1  |                                                        |
//   +---------+---------+---------+- - - - - - - - - - - - - - - - - - - - - - - - - - - - -+
//
//   kind 0, sparse:  count            varint, 0 <= count <= sparseMax(p) = 3 * 2^(p - 4) (4 at p = 4;
//                                     hll.ts: a sketch past it is dense, so changing it is a new version)
//                    delta[count]     varint each: entry[i] - entry[i - 1], with entry[-1] = 0
//                    entry = idx' << 6 | rank' as in engine/aggregate/hll-sparse.ts: idx' strictly
//                    increasing, 1 <= rank' <= 40, entry < 2^31
//
//   kind 1, dense:   2^p registers of 6 bits, four to three bytes, little-endian:
//                    +--------+--------+--------+
//                    |r1 |  r0 |r2| r1 |  r3 |r2|    bits: r0 = b0 & 63, r1 = (b0 >> 6) | (b1 & 15) << 2,
//                    +--------+--------+--------+          r2 = (b1 >> 4) | (b2 & 3) << 4, r3 = b2 >> 2
//                    each register <= 65 - p
//
// varint: unsigned LEB128 (7 bits a byte, low group first, high bit = more follows), at most 5
// bytes, minimal (no trailing zero group). Size: 3 + ~4-5 bytes per element for a small sparse
// sketch; 3 + 0.75 * 2^p bytes dense (12 KiB + 3 at p = 14).
//
// Decoding validates everything and accepts only canonical bytes, so decode(b) succeeding implies
// encode(decode(b)) equals b. Malformed input throws EngineError("data_corrupt"): these bytes are
// persisted state, and a sketch that fails to decode is corrupt storage, not a client's mistake.
// Decoding reads every byte at most once and allocates at most one array, bounded by the input length.

import { EngineError } from "../core/errors.ts";
import { SPARSE_RANK_MAX, entryIndex, entryRank } from "./hll-sparse.ts";

export const HLL_FORMAT_VERSION = 1;
export const KIND_SPARSE = 0;
export const KIND_DENSE = 1;
const HEADER_BYTES = 3;

/** A sketch's state as the codec sees it: exactly one of entries (sparse) or registers (dense). */
export interface HllState {
  readonly p: number;
  readonly entries: Uint32Array | null;
  readonly count: number;
  readonly registers: Uint8Array | null;
}

export function encodeHll(s: HllState): Uint8Array {
  if (s.registers !== null) {
    const regs = s.registers, out = new Uint8Array(HEADER_BYTES + (regs.length / 4) * 3);
    out[0] = HLL_FORMAT_VERSION; out[1] = s.p; out[2] = KIND_DENSE;
    for (let i = 0, o = HEADER_BYTES; i < regs.length; i += 4, o += 3) {
      const v = regs[i]! | (regs[i + 1]! << 6) | (regs[i + 2]! << 12) | (regs[i + 3]! << 18);
      out[o] = v; out[o + 1] = v >>> 8; out[o + 2] = v >>> 16;
    }
    return out;
  }
  const entries = s.entries!, n = s.count;
  let size = HEADER_BYTES + varintSize(n);
  for (let i = 0, prev = 0; i < n; i++) { size += varintSize(entries[i]! - prev); prev = entries[i]!; }
  const out = new Uint8Array(size);
  out[0] = HLL_FORMAT_VERSION; out[1] = s.p; out[2] = KIND_SPARSE;
  let o = putVarint(out, HEADER_BYTES, n);
  for (let i = 0, prev = 0; i < n; i++) { o = putVarint(out, o, entries[i]! - prev); prev = entries[i]!; }
  return out;
}

/** Decodes and validates; `sparseMaxOf(p)` is the largest sparse count a sketch of precision p holds. */
export function decodeHll(b: Uint8Array, sparseMaxOf: (p: number) => number): HllState {
  if (b.length < HEADER_BYTES) corrupt(`hll encoding of ${b.length} bytes is shorter than its ${HEADER_BYTES}-byte header`);
  if (b[0] !== HLL_FORMAT_VERSION) corrupt(`hll encoding version ${b[0]} is not ${HLL_FORMAT_VERSION}`);
  const p = b[1]!;
  if (p < 4 || p > 18) corrupt(`hll precision ${p} is outside 4..18`);
  if (b[2] === KIND_DENSE) return { p, entries: null, count: 0, registers: decodeDense(b, p) };
  if (b[2] !== KIND_SPARSE) corrupt(`hll encoding kind ${b[2]} is neither sparse (0) nor dense (1)`);
  const cur = { at: HEADER_BYTES };
  const n = getVarint(b, cur);
  const max = sparseMaxOf(p);
  if (n > max) corrupt(`hll sparse count ${n} exceeds ${max} at precision ${p}`);
  if (n > b.length - cur.at) corrupt(`hll sparse count ${n} exceeds the ${b.length - cur.at} bytes left`);
  const entries = new Uint32Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const e = prev + getVarint(b, cur);
    const rank = entryRank(e);
    if (e >= 2 ** 31) corrupt(`hll sparse entry ${e} at ${i} exceeds 2^31`);
    if (rank < 1 || rank > SPARSE_RANK_MAX) corrupt(`hll sparse rank ${rank} at ${i} is outside 1..${SPARSE_RANK_MAX}`);
    if (i > 0 && entryIndex(e) <= entryIndex(prev)) corrupt(`hll sparse index ${entryIndex(e)} at ${i} does not follow ${entryIndex(prev)}`);
    entries[i] = e;
    prev = e;
  }
  if (cur.at !== b.length) corrupt(`hll sparse encoding has ${b.length - cur.at} trailing bytes`);
  return { p, entries, count: n, registers: null };
}

function decodeDense(b: Uint8Array, p: number): Uint8Array {
  const m = 1 << p, want = HEADER_BYTES + (m / 4) * 3, max = 65 - p;
  if (b.length !== want) corrupt(`hll dense encoding of ${b.length} bytes is not ${want} at precision ${p}`);
  const regs = new Uint8Array(m);
  let worst = 0;
  for (let i = 0, o = HEADER_BYTES; i < m; i += 4, o += 3) {
    const v = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);
    const r0 = v & 63, r1 = (v >>> 6) & 63, r2 = (v >>> 12) & 63, r3 = v >>> 18;
    regs[i] = r0; regs[i + 1] = r1; regs[i + 2] = r2; regs[i + 3] = r3;
    worst = Math.max(worst, r0, r1, r2, r3);
  }
  if (worst > max) {
    const i = regs.findIndex((r) => r > max);
    corrupt(`hll register ${i} holds ${regs[i]}, more than ${max} at precision ${p}`);
  }
  return regs;
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function putVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) { out[at++] = (v & 0x7f) | 0x80; v >>>= 7; }
  out[at++] = v;
  return at;
}

/** Reads a minimal LEB128 varint of at most 5 bytes (value < 2^35) at cur.at and advances cur. */
function getVarint(b: Uint8Array, cur: { at: number }): number {
  let v = 0, scale = 1;
  for (let k = 0; k < 5; k++, scale *= 128) {
    if (cur.at >= b.length) corrupt(`hll varint runs past the end at byte ${cur.at}`);
    const byte = b[cur.at++]!;
    v += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (byte === 0 && k > 0) corrupt(`hll varint ending at byte ${cur.at - 1} is not minimal`);
      return v;
    }
  }
  corrupt(`hll varint ending at byte ${cur.at - 1} is longer than 5 bytes`);
}

function corrupt(message: string): never {
  throw new EngineError("data_corrupt", message);
}
