// The portable Roaring serialization (RoaringFormatSpec, shared by CRoaring, Java, Go, roaring-wasm),
// so our bytes are readable by any Roaring library and theirs by us. All integers little-endian.
//
//   without run containers (cookie 12346; what serialize() writes):
//     u32 12346 | u32 n | n x (u16 key, u16 cardinality - 1) | n x u32 offset | n containers
//   with run containers (cookie 12347; written by other libraries after run optimization, read here):
//     u32 12347 | (n - 1) << 16 | ceil(n / 8) bytes: bit i set = container i is a run container
//     | n x (u16 key, u16 cardinality - 1) | n x u32 offset, only when n >= 4 | n containers
//
//   array container (cardinality <= 4096):  cardinality x u16, ascending
//   bitset container (cardinality > 4096):  1024 x u64, bit v = value v (8192 bytes)
//   run container:                          u16 runs | runs x (u16 start, u16 length - 1)
//
// Offsets count from the first byte. In memory, containers of more than 2048 values are bitsets
// (roaring-containers.ts): those of 2049-4096 values are written and read as arrays here. We keep
// no run containers in memory: runs are expanded on read into an array or a bitset.
//
// Reading is strict: keys strictly ascending, cardinalities matching the contents (array values
// strictly ascending, bitset popcount, run lengths), offsets where the containers are, no byte
// missing or left over. Any mismatch is EngineError data_corrupt; every loop is bounded by the
// input's length, so no input can hang or crash the reader.

import { assert } from "../core/assert.ts";
import { EngineError } from "../core/errors.ts";
import { ARRAY_MAX, Containers } from "./roaring-containers.ts";
import { BITSET_WORDS, bitsetToArray, popcount, setBits, setRange } from "./roaring-bitset.ts";
import { strictlyAscending } from "./roaring-array.ts";

const SERIAL_COOKIE_NO_RUN = 12346;
const SERIAL_COOKIE = 12347;
/** With run containers, offsets are written only from this many containers on. */
const NO_OFFSET_THRESHOLD = 4;
const BITSET_BYTES = 8 * 1024;
/** Containers of at most this many values are arrays in the format (more: bitsets). */
const FORMAT_ARRAY_MAX = 4096;
/** A container's values on their way between an in-memory bitset and a format array. */
const scratch16 = new Uint16Array(FORMAT_ARRAY_MAX);

// Containers are copied to and from bytes as typed-array memory, which is the format's byte order only
// on little-endian machines: every platform Bun runs on.
assert(new Uint8Array(new Uint16Array([1]).buffer)[0] === 1, "the portable Roaring format is read and written as little-endian memory");

function bytesOf(a: Uint16Array | Int32Array, from: number, n: number): Uint8Array {
  const width = a.BYTES_PER_ELEMENT;
  return new Uint8Array(a.buffer, a.byteOffset + from * width, n * width);
}

/** Bytes serialize() writes. */
export function serializedSize(c: Containers): number {
  let size = 8 + 8 * c.n;
  for (let i = 0; i < c.n; i++) size += c.card(i) > FORMAT_ARRAY_MAX ? BITSET_BYTES : 2 * c.card(i);
  return size;
}

export function serialize(c: Containers): Uint8Array {
  const n = c.n, out = new Uint8Array(serializedSize(c));
  const view = new DataView(out.buffer);
  view.setUint32(0, SERIAL_COOKIE_NO_RUN, true);
  view.setUint32(4, n, true);
  let at = 8 + 8 * n;
  for (let i = 0; i < n; i++) {
    view.setUint16(8 + 4 * i, c.key(i), true);
    view.setUint16(10 + 4 * i, c.card(i) - 1, true);
    view.setUint32(8 + 4 * n + 4 * i, at, true);
    if (c.card(i) > FORMAT_ARRAY_MAX) {
      out.set(bytesOf(c.bitset(i), 0, BITSET_WORDS), at);
      at += BITSET_BYTES;
    } else {
      const values = c.isBitset(i) ? scratch16 : c.pool, from = c.isBitset(i) ? 0 : c.where(i);
      if (c.isBitset(i)) bitsetToArray(c.bitset(i), scratch16, 0);
      out.set(bytesOf(values, from, c.card(i)), at);
      at += 2 * c.card(i);
    }
  }
  return out;
}

function corrupt(why: string): EngineError {
  return new EngineError("data_corrupt", `roaring bitmap: ${why}`);
}

interface Layout {
  n: number;
  /** Offset of the run flags, or -1 (no run containers). */
  runFlags: number;
  header: number;
  /** Offset of the offsets table, or -1 when absent. */
  offsets: number;
  data: number;
}

function layoutOf(bytes: Uint8Array, view: DataView): Layout {
  if (bytes.length < 4) throw corrupt(`${bytes.length} bytes, shorter than a cookie`);
  const cookie = view.getUint32(0, true);
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    const n = (cookie >>> 16) + 1, header = 4 + ((n + 7) >>> 3);
    const offsets = n >= NO_OFFSET_THRESHOLD ? header + 4 * n : -1;
    return { n, runFlags: 4, header, offsets, data: header + 4 * n + (offsets >= 0 ? 4 * n : 0) };
  }
  if (cookie !== SERIAL_COOKIE_NO_RUN) throw corrupt(`unknown cookie ${cookie}`);
  if (bytes.length < 8) throw corrupt(`${bytes.length} bytes, shorter than the header`);
  const n = view.getUint32(4, true);
  if (n > 65_536) throw corrupt(`${n} containers, at most 65536 exist`);
  return { n, runFlags: -1, header: 8, offsets: 8 + 4 * n, data: 8 + 8 * n };
}

export function deserialize(bytes: Uint8Array): Containers {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const L = layoutOf(bytes, view);
  const n = L.n;
  if (L.data > bytes.length) throw corrupt(`${n} containers need a ${L.data}-byte header, got ${bytes.length} bytes`);
  const c = new Containers();
  if (n === 0) {
    if (bytes.length !== 8) throw corrupt(`${bytes.length - 8} bytes after an empty bitmap`);
    return c;
  }
  c.reserveMeta(n);
  let slots = 0;
  for (let i = 0, previous = -1; i < n; i++) {
    const key = view.getUint16(L.header + 4 * i, true), card = view.getUint16(L.header + 4 * i + 2, true) + 1;
    if (key <= previous) throw corrupt(`container ${i} key ${key} is not above the previous key ${previous}`);
    previous = key;
    if (card <= ARRAY_MAX) slots += card;
    c.push(key);
    c.setCard(i, card);
  }
  c.pool = new Uint16Array(slots);
  let at = L.data, poolAt = 0;
  for (let i = 0; i < n; i++) {
    if (L.offsets >= 0 && view.getUint32(L.offsets + 4 * i, true) !== at) {
      throw corrupt(`container ${i} offset ${view.getUint32(L.offsets + 4 * i, true)}, expected ${at}`);
    }
    const card = c.card(i);
    const run = L.runFlags >= 0 && (bytes[L.runFlags + (i >>> 3)]! & (1 << (i & 7))) !== 0;
    if (run) at = readRuns(bytes, view, at, c, i, poolAt);
    else if (card <= FORMAT_ARRAY_MAX) at = readArray(bytes, at, c, i, poolAt);
    else at = readBitset(bytes, at, c, i);
    if (card <= ARRAY_MAX) poolAt += card;
  }
  if (at !== bytes.length) throw corrupt(`${bytes.length - at} bytes after the last container`);
  c.poolEnd = slots;
  c.resize();
  return c;
}

function need(bytes: Uint8Array, at: number, length: number, i: number): void {
  if (at + length > bytes.length) throw corrupt(`container ${i} needs ${length} bytes at offset ${at}, only ${bytes.length - at} left`);
}

/** A format array, kept as an array in the pool (at most ARRAY_MAX values) or turned into a bitset. */
function readArray(bytes: Uint8Array, at: number, c: Containers, i: number, poolAt: number): number {
  const card = c.card(i), inPool = card <= ARRAY_MAX;
  need(bytes, at, 2 * card, i);
  const values = inPool ? c.pool : scratch16, from = inPool ? poolAt : 0;
  bytesOf(values, from, card).set(bytes.subarray(at, at + 2 * card));
  if (!strictlyAscending(values, from, card)) throw corrupt(`array container ${i} is not strictly ascending`);
  if (inPool) {
    c.setArray(i, poolAt, card, card);
  } else {
    const words = new Int32Array(BITSET_WORDS);
    setBits(words, scratch16, 0, card);
    c.setBitset(i, words, card);
  }
  return at + 2 * card;
}

function readBitset(bytes: Uint8Array, at: number, c: Containers, i: number): number {
  need(bytes, at, BITSET_BYTES, i);
  const words = new Int32Array(BITSET_WORDS);
  bytesOf(words, 0, BITSET_WORDS).set(bytes.subarray(at, at + BITSET_BYTES));
  const card = c.card(i), counted = popcount(words);
  if (counted !== card) throw corrupt(`bitset container ${i} holds ${counted} values, its header says ${card}`);
  c.setBitset(i, words, card);
  return at + BITSET_BYTES;
}

/** A run container, expanded into an array or a bitset by its cardinality. */
function readRuns(bytes: Uint8Array, view: DataView, at: number, c: Containers, i: number, poolAt: number): number {
  need(bytes, at, 2, i);
  const runs = view.getUint16(at, true);
  need(bytes, at + 2, 4 * runs, i);
  const card = c.card(i);
  const words = card > ARRAY_MAX ? new Int32Array(BITSET_WORDS) : null;
  let total = 0, next = 0;
  for (let r = 0; r < runs; r++) {
    const start = view.getUint16(at + 2 + 4 * r, true), length = view.getUint16(at + 4 + 4 * r, true) + 1;
    if (start < next) throw corrupt(`run container ${i}: run ${r} starts at ${start}, inside or before the previous run`);
    if (start + length > 65_536) throw corrupt(`run container ${i}: run ${r} ends past 65535`);
    total += length;
    if (total > card) throw corrupt(`run container ${i} holds more than its cardinality ${card}`);
    if (words !== null) setRange(words, start, start + length);
    else for (let v = start; v < start + length; v++) c.pool[poolAt + total - length + v - start] = v;
    next = start + length;
  }
  if (total !== card) throw corrupt(`run container ${i} holds ${total} values, its header says ${card}`);
  if (words !== null) c.setBitset(i, words, card);
  else c.setArray(i, poolAt, card, card);
  return at + 2 + 4 * runs;
}
