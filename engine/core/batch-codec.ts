// The columnar batch: the one binary form of a set of rows. The ingest worker builds it, the WAL
// stores it verbatim inside a record, and the store decodes it on the live path and on replay alike,
// so what a query sees after a restart is byte-for-byte what it saw before.
//
// Layout (little-endian; `pad8` aligns to 8 bytes from the start of the batch):
//
//   +------+--------+-----------+----------+------------+--------+----------+-----
//   | u32  |  u32   |   u16     |  bytes   |    u16     |  pad8  | column 0 | ...
//   | magic| rowCnt | tableLen  | table    | columnCnt  |        |          |
//   +------+--------+-----------+----------+------------+--------+----------+-----
//
//   column:
//   +---------+--------+-------+-------+------+-----------------------------+----------+
//   |  u16    | bytes  |  u8   |  u8   | pad8 | validity: ceil(rows/8) bytes| body     |
//   | nameLen | name   | type  | flags |      | (flags & HAS_VALIDITY) pad8 |          |
//   +---------+--------+-------+-------+------+-----------------------------+----------+
//
//   body by type:
//     FLOAT64, TIMESTAMP  rows x f64
//     INT32               rows x i32, pad8
//     BOOL                rows x u8, pad8
//     STRING, JSON        u32 dictCount, u32 heapBytes, (dictCount+1) x u32 offsets, heap, pad8,
//                         u8 codeWidth (1|2|4), pad8, rows x codeWidth (codes into this batch's
//                         dictionary, which lists each distinct value once), pad8
//
// Validity bit i set means row i has a value. A null row holds 0 (or code 0) in its body.
// The dictionary is local to the batch: the store maps it to its own codes once per distinct value.

import { assert } from "./assert.ts";
import { EngineError } from "./errors.ts";
import { ColumnType, isKnownColumnType, isStringType } from "./types.ts";

export const BATCH_MAGIC = 0x31544243; // "CBT1"
const HAS_VALIDITY = 1;

export type Codes = Uint8Array | Uint16Array | Uint32Array;

export interface DecodedColumn {
  readonly name: string;
  readonly type: ColumnType;
  /** Bit i set = row i present; null when every row is present. */
  readonly validity: Uint8Array | null;
  /** FLOAT64/TIMESTAMP: Float64Array; INT32: Int32Array; BOOL: Uint8Array; strings: null. */
  readonly values: Float64Array | Int32Array | Uint8Array | null;
  /** Strings: offsets into heap, dictCount + 1 entries. */
  readonly dictOffsets: Uint32Array | null;
  readonly dictHeap: Uint8Array | null;
  readonly codes: Codes | null;
}

export interface DecodedBatch {
  readonly table: string;
  readonly rowCount: number;
  readonly columns: readonly DecodedColumn[];
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

export function isPresent(validity: Uint8Array | null, row: number): boolean {
  return validity === null || (validity[row >> 3]! & (1 << (row & 7))) !== 0;
}

export function dictString(col: DecodedColumn, code: number): string {
  const o = col.dictOffsets!;
  return utf8d.decode(col.dictHeap!.subarray(o[code]!, o[code + 1]!));
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Decodes a batch. `bytes` may sit at any offset; data are copied out only when misaligned. */
export function decodeBatch(bytes: Uint8Array): DecodedBatch {
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string, at: number): never => {
    throw new EngineError("wal_corrupt", `batch: ${what} at byte ${at} of ${bytes.byteLength}`);
  };
  const need = (at: number, n: number) => { if (at + n > bytes.byteLength) fail(`truncated (${n} bytes needed)`, at); };
  need(0, 10);
  if (view.getUint32(0, true) !== BATCH_MAGIC) fail("bad magic", 0);
  const rowCount = view.getUint32(4, true);
  const tableLen = view.getUint16(8, true);
  need(10, tableLen + 2);
  const table = utf8d.decode(bytes.subarray(10, 10 + tableLen));
  const columnCount = view.getUint16(10 + tableLen, true);
  let at = pad8(12 + tableLen);
  const columns: DecodedColumn[] = [];
  const validityBytes = (rowCount + 7) >> 3;
  for (let c = 0; c < columnCount; c++) {
    need(at, 2);
    const nameLen = view.getUint16(at, true);
    need(at + 2, nameLen + 2);
    const name = utf8d.decode(bytes.subarray(at + 2, at + 2 + nameLen));
    const type = bytes[at + 2 + nameLen]! as ColumnType;
    const flags = bytes[at + 3 + nameLen]!;
    if (!isKnownColumnType(type)) fail(`unknown column type ${type} for ${name}`, at);
    at = pad8(at + 4 + nameLen);
    let validity: Uint8Array | null = null;
    if (flags & HAS_VALIDITY) {
      need(at, validityBytes);
      validity = bytes.subarray(at, at + validityBytes);
      at = pad8(at + validityBytes);
    }
    const base = bytes.byteOffset;
    let values: DecodedColumn["values"] = null;
    let dictOffsets: Uint32Array | null = null, dictHeap: Uint8Array | null = null, codes: Codes | null = null;
    if (type === ColumnType.FLOAT64 || type === ColumnType.TIMESTAMP) {
      need(at, rowCount * 8);
      values = new Float64Array(bytes.buffer, base + at, rowCount);
      at += rowCount * 8;
    } else if (type === ColumnType.INT32) {
      need(at, rowCount * 4);
      values = new Int32Array(bytes.buffer, base + at, rowCount);
      at = pad8(at + rowCount * 4);
    } else if (type === ColumnType.BOOL) {
      need(at, rowCount);
      values = bytes.subarray(at, at + rowCount);
      at = pad8(at + rowCount);
    } else {
      need(at, 8);
      const dictCount = view.getUint32(at, true);
      const heapBytes = view.getUint32(at + 4, true);
      at += 8;
      need(at, (dictCount + 1) * 4 + heapBytes);
      dictOffsets = new Uint32Array(bytes.buffer, base + at, dictCount + 1);
      at += (dictCount + 1) * 4;
      dictHeap = bytes.subarray(at, at + heapBytes);
      at = pad8(at + heapBytes);
      if (dictOffsets[dictCount] !== heapBytes) fail(`dictionary of ${name} does not end at its heap`, at);
      need(at, 1);
      const width = bytes[at]!;
      at += 8;
      need(at, rowCount * width);
      if (width === 1) codes = bytes.subarray(at, at + rowCount);
      else if (width === 2) codes = new Uint16Array(bytes.buffer, base + at, rowCount);
      else if (width === 4) codes = new Uint32Array(bytes.buffer, base + at, rowCount);
      else fail(`code width ${width} for ${name}`, at);
      at = pad8(at + rowCount * width);
      for (let r = 0; r < rowCount; r++) if (codes![r]! >= Math.max(dictCount, 1)) fail(`code out of range in ${name}`, at);
    }
    columns.push({ name, type, validity, values, dictOffsets, dictHeap, codes });
  }
  return { table, rowCount, columns };
}

interface ColumnBuild {
  name: string;
  type: ColumnType;
  validity: Uint8Array;
  hasNull: boolean;
  num: Float64Array | Int32Array | Uint8Array | null;
  codes: Uint32Array | null;
  dict: Map<string, number> | null;
  dictList: string[] | null;
}

/**
 * Builds a batch row by row for a fixed list of columns, then encodes it. Strings are collected in a
 * per-batch dictionary (a JS Map is right here: it lives for one batch and holds its distinct values).
 */
export class BatchBuilder {
  readonly table: string;
  private readonly cols: ColumnBuild[];
  private capacity: number;
  rowCount = 0;

  constructor(table: string, columns: readonly { name: string; type: ColumnType }[], capacity = 1024) {
    this.table = table;
    this.capacity = Math.max(8, capacity);
    this.cols = columns.map((c) => ({
      name: c.name, type: c.type, hasNull: false,
      validity: new Uint8Array((this.capacity + 7) >> 3),
      num: isStringType(c.type) ? null : allocNum(c.type, this.capacity),
      codes: isStringType(c.type) ? new Uint32Array(this.capacity) : null,
      dict: isStringType(c.type) ? new Map() : null,
      dictList: isStringType(c.type) ? [] : null,
    }));
  }

  /** Starts a new row (all columns null) and returns its index. */
  addRow(): number {
    if (this.rowCount === this.capacity) this.grow();
    return this.rowCount++;
  }

  /** Drops the last row, e.g. when validation fails half-way through it. */
  dropLastRow(): void {
    assert(this.rowCount > 0, "dropLastRow on empty batch");
    const r = --this.rowCount;
    for (const c of this.cols) {
      c.validity[r >> 3]! &= ~(1 << (r & 7));
      if (c.num) c.num[r] = 0;
      if (c.codes) c.codes[r] = 0;
    }
  }

  setNumber(col: number, row: number, v: number): void {
    const c = this.cols[col]!;
    c.num![row] = v;
    c.validity[row >> 3]! |= 1 << (row & 7);
  }

  setString(col: number, row: number, s: string): void {
    const c = this.cols[col]!;
    let code = c.dict!.get(s);
    if (code === undefined) {
      code = c.dictList!.length;
      c.dict!.set(s, code);
      c.dictList!.push(s);
    }
    c.codes![row] = code;
    c.validity[row >> 3]! |= 1 << (row & 7);
  }

  private grow(): void {
    const cap = this.capacity * 2;
    for (const c of this.cols) {
      const v = new Uint8Array((cap + 7) >> 3); v.set(c.validity); c.validity = v;
      if (c.num) { const n = allocNum(c.type, cap); n.set(c.num as never); c.num = n; }
      if (c.codes) { const n = new Uint32Array(cap); n.set(c.codes); c.codes = n; }
    }
    this.capacity = cap;
  }

  /** Encodes the rows added so far. The builder must not be used afterwards. */
  finish(): Uint8Array {
    const n = this.rowCount;
    const tableBytes = utf8.encode(this.table);
    const validityBytes = (n + 7) >> 3;
    // Every dictionary is encoded into heapScratch, one after another, before anything is written:
    // the output's size depends on them. heapScratch does not move once they are all in.
    const parts: ColumnParts[] = [];
    let heapAt = 0;
    for (const c of this.cols) {
      const p = encodeColumnParts(c, n, validityBytes, heapAt);
      parts.push(p);
      heapAt += p.heapBytes;
    }
    let size = pad8(12 + tableBytes.length);
    for (const p of parts) size += p.size;
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    view.setUint32(0, BATCH_MAGIC, true);
    view.setUint32(4, n, true);
    view.setUint16(8, tableBytes.length, true);
    out.set(tableBytes, 10);
    view.setUint16(10 + tableBytes.length, this.cols.length, true);
    let at = pad8(12 + tableBytes.length);
    for (const p of parts) at = p.write(out, view, at);
    assert(at === size, `batch size ${at} != ${size}`);
    if (heapScratch.length > HEAP_SCRATCH_KEEP_BYTES_MAX) heapScratch = new Uint8Array(HEAP_SCRATCH_BYTES);
    return out;
  }
}

function allocNum(type: ColumnType, cap: number): Float64Array | Int32Array | Uint8Array {
  if (type === ColumnType.INT32) return new Int32Array(cap);
  if (type === ColumnType.BOOL) return new Uint8Array(cap);
  return new Float64Array(cap);
}

// The UTF-8 of every dictionary of the batch being finished, column after column: one growing
// buffer instead of a Uint8Array per distinct string (TextEncoder.encode allocates each time).
// A huge batch may grow it; finish() then lets it go rather than keep that memory for the worker's life.
const HEAP_SCRATCH_BYTES = 1 << 16, HEAP_SCRATCH_KEEP_BYTES_MAX = 1 << 22;
let heapScratch = new Uint8Array(HEAP_SCRATCH_BYTES);

/**
 * Encodes `list` into heapScratch at `at` and fills `offsets` (relative to `at`); returns the bytes
 * written. Fast path: the strings joined, one encodeInto. When the output has one byte per UTF-16
 * unit the text is ASCII, so each string's byte offset is its character offset. Otherwise each
 * string is encoded alone, as joining could pair a trailing high surrogate with the next string's
 * low surrogate, which encoding each alone turns into two U+FFFD.
 */
function encodeDictionary(list: readonly string[], offsets: Uint32Array, at: number): number {
  const joined = list.join("");
  ensureHeapScratch(at + joined.length * 3);
  const { read, written } = utf8.encodeInto(joined, heapScratch.subarray(at));
  assert(read === joined.length, "heap scratch too small");
  let total = 0;
  if (written === joined.length) {
    for (let i = 0; i < list.length; i++) { offsets[i] = total; total += list[i]!.length; }
  } else {
    for (let i = 0; i < list.length; i++) {
      offsets[i] = total;
      total += utf8.encodeInto(list[i]!, heapScratch.subarray(at + total)).written;
    }
  }
  offsets[list.length] = total;
  return total;
}

function ensureHeapScratch(bytes: number): void {
  if (bytes <= heapScratch.length) return;
  const next = new Uint8Array(Math.max(bytes, heapScratch.length * 2));
  next.set(heapScratch);
  heapScratch = next;
}

/** True when bits [0, n) of `validity` are all set: whole bytes first, then the tail's bits. */
function allSet(validity: Uint8Array, n: number): boolean {
  const whole = n >> 3;
  for (let i = 0; i < whole; i++) if (validity[i] !== 0xff) return false;
  const rest = n & 7;
  return rest === 0 || (validity[whole]! & ((1 << rest) - 1)) === (1 << rest) - 1;
}

interface ColumnParts { size: number; heapBytes: number; write(out: Uint8Array, view: DataView, at: number): number }

function encodeColumnParts(c: ColumnBuild, n: number, validityBytes: number, heapAt: number): ColumnParts {
  const name = utf8.encode(c.name);
  const allPresent = allSet(c.validity, n);
  const head = pad8(4 + name.length) + (allPresent ? 0 : pad8(validityBytes));
  let bodySize: number;
  let heapBytes = 0, offsets: Uint32Array | null = null, width = 0;
  if (c.num) {
    bodySize = pad8(n * c.num.BYTES_PER_ELEMENT);
  } else {
    const list = c.dictList!;
    offsets = new Uint32Array(list.length + 1);
    heapBytes = encodeDictionary(list, offsets, heapAt);
    width = list.length <= 0x100 ? 1 : list.length <= 0x10000 ? 2 : 4;
    bodySize = 8 + pad8((list.length + 1) * 4 + heapBytes) + 8 + pad8(n * width);
  }
  return {
    size: head + bodySize,
    heapBytes,
    write(out: Uint8Array, view: DataView, at: number): number {
      view.setUint16(at, name.length, true);
      out.set(name, at + 2);
      out[at + 2 + name.length] = c.type;
      out[at + 3 + name.length] = allPresent ? 0 : HAS_VALIDITY;
      at = pad8(at + 4 + name.length);
      if (!allPresent) { out.set(c.validity.subarray(0, validityBytes), at); at = pad8(at + validityBytes); }
      if (c.num) {
        const src = new Uint8Array(c.num.buffer, 0, n * c.num.BYTES_PER_ELEMENT);
        out.set(src, at);
        return at + pad8(src.length);
      }
      view.setUint32(at, offsets!.length - 1, true);
      view.setUint32(at + 4, heapBytes, true);
      at += 8;
      out.set(new Uint8Array(offsets!.buffer), at);
      out.set(heapScratch.subarray(heapAt, heapAt + heapBytes), at + offsets!.byteLength);
      at = pad8(at + offsets!.byteLength + heapBytes);
      out[at] = width;
      at += 8;
      const codes = c.codes!.subarray(0, n);
      if (width === 1) out.set(codes, at);
      else if (width === 2) new Uint16Array(out.buffer, at, n).set(codes);
      else new Uint32Array(out.buffer, at, n).set(codes);
      return at + pad8(n * width);
    },
  };
}
