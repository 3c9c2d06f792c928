// Rows [from, to) of a table pulled out of the store into plain transferable arrays, so a worker can
// encode them as Parquet (parquet-worker.ts) while this thread serves requests. Dictionary columns
// travel as codes into a small local dictionary of only the values the range uses; unique strings
// (event ids) as strings. Reading is one scan; nothing here touches Parquet.

import { ColumnType, isStringType, type TableSchema } from "../../engine/core/types.ts";
import type { Table, Vector } from "../../engine/store/table.ts";

export type PartColumn =
  | { kind: "f64"; values: Float64Array; valid: Uint8Array }
  | { kind: "i32"; values: Int32Array; valid: Uint8Array }
  | { kind: "bool"; values: Uint8Array; valid: Uint8Array }
  /** codes index `dict`; -1 is null. */
  | { kind: "dict"; codes: Int32Array; dict: string[] }
  | { kind: "strings"; values: (string | null)[] };

export interface PartRows {
  readonly schema: TableSchema;
  readonly rowCount: number;
  readonly columns: PartColumn[];
}

function isValid(v: Vector, i: number): boolean {
  return v.validity === null || (v.validity[i >> 3]! & (1 << (i & 7))) !== 0;
}

function newColumn(type: ColumnType, unique: boolean, n: number): PartColumn {
  if (isStringType(type)) return unique ? { kind: "strings", values: [] } : { kind: "dict", codes: new Int32Array(n), dict: [] };
  if (type === ColumnType.INT32) return { kind: "i32", values: new Int32Array(n), valid: new Uint8Array(n) };
  if (type === ColumnType.BOOL) return { kind: "bool", values: new Uint8Array(n), valid: new Uint8Array(n) };
  return { kind: "f64", values: new Float64Array(n), valid: new Uint8Array(n) };
}

export function extractRows(table: Table, from: number, to: number): PartRows {
  const x = extractor(table, from, to);
  for (const batch of table.scan({ columns: x.names, fromRow: from })) if (x.take(batch)) break;
  return x.result();
}

/** Longest stretch of extraction between two yields to the event loop. */
const EXTRACT_SLICE_MS = 2;

/**
 * The same, yielding to the event loop once a slice of time is spent: compaction pulls 65,536 rows
 * at a time on the serving thread, which would otherwise hold lookups back for tens of ms. Yielding
 * by time, not per batch, keeps a small range (many small segments) from taking many loop turns.
 * The scan's snapshot keeps the rows consistent while ingest goes on in between.
 */
export async function extractRowsAsync(table: Table, from: number, to: number): Promise<PartRows> {
  const x = extractor(table, from, to);
  let sliceStart = performance.now();
  for (const batch of table.scan({ columns: x.names, fromRow: from })) {
    if (x.take(batch)) break;
    if (performance.now() - sliceStart >= EXTRACT_SLICE_MS) {
      await new Promise<void>((r) => setImmediate(r));
      sliceStart = performance.now();
    }
  }
  return x.result();
}

function extractor(table: Table, from: number, to: number) {
  const schema = table.schema, n = to - from;
  const names = schema.columns.map((c) => c.name);
  const columns = schema.columns.map((c) => newColumn(c.type, !!c.unique, n));
  const local = columns.map(() => new Map<number, number>());
  /** Copies the batch's rows in [from, to); true once `to` is reached. */
  const take = (batch: { firstRow: number; rowCount: number; vectors: readonly Vector[] }): boolean => {
    const lo = Math.max(0, from - batch.firstRow), hi = Math.min(batch.rowCount, to - batch.firstRow);
    for (let c = 0; c < columns.length; c++) {
      const v = batch.vectors[c]!, col = columns[c]!;
      for (let i = lo, r = batch.firstRow + lo - from; i < hi; i++, r++) {
        const ok = isValid(v, i);
        switch (col.kind) {
          case "f64": col.valid[r] = ok ? 1 : 0; col.values[r] = ok ? v.f64![i]! : 0; break;
          case "i32": col.valid[r] = ok ? 1 : 0; col.values[r] = ok ? v.i32![i]! : 0; break;
          case "bool": col.valid[r] = ok ? 1 : 0; col.values[r] = ok ? v.u8![i]! : 0; break;
          case "strings": col.values.push(ok ? v.strings!(i) : null); break;
          case "dict": {
            if (!ok) { col.codes[r] = -1; break; }
            const code = v.codes![i]!, m = local[c]!;
            let k = m.get(code);
            if (k === undefined) { k = col.dict.length; col.dict.push(v.dict!.get(code)); m.set(code, k); }
            col.codes[r] = k;
          }
        }
      }
    }
    return batch.firstRow + batch.rowCount >= to;
  };
  return { names, take, result: (): PartRows => ({ schema, rowCount: n, columns }) };
}

/** Strings as one UTF-8 heap and offsets (string i = heap[offsets[i], offsets[i+1])); nulls bit-flagged. */
export interface PackedStrings { heap: Uint8Array; offsets: Uint32Array; nulls: Uint8Array }

/** Rows on their way to the worker: every string list packed, so nothing is cloned string by string. */
export interface PackedPartRows {
  readonly schema: TableSchema;
  readonly rowCount: number;
  readonly columns: (Exclude<PartColumn, { kind: "dict" | "strings" }> | { kind: "dict"; codes: Int32Array; dict: PackedStrings } | { kind: "strings"; values: PackedStrings })[];
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/** Strings per packing step: a step of ids or URLs stays within a few ms on the serving thread. */
const PACK_STEP = 8192;

async function packStrings(list: readonly (string | null)[], pause: () => Promise<void>): Promise<PackedStrings> {
  const offsets = new Uint32Array(list.length + 1), nulls = new Uint8Array(list.length);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (let from = 0; from < list.length; from += PACK_STEP) {
    if (from > 0) await pause();
    const to = Math.min(list.length, from + PACK_STEP);
    // ASCII (ids, most dimension values): one native join and encode, offsets from the lengths.
    const part = list.slice(from, to).map((s) => s ?? "").join("");
    const ascii = !/[^\x00-\x7f]/.test(part);
    const bytes = ascii ? utf8.encode(part) : new Uint8Array(part.length * 3);
    let w = 0;
    for (let i = from; i < to; i++) {
      const s = list[i]!;
      if (s === null) nulls[i] = 1;
      else if (ascii) w += s.length;
      else w += utf8.encodeInto(s, bytes.subarray(w)).written;
      offsets[i + 1] = at + w;
    }
    pieces.push(ascii ? bytes : bytes.slice(0, w));
    at += w;
  }
  const heap = new Uint8Array(at);
  let p = 0;
  for (const piece of pieces) { heap.set(piece, p); p += piece.byteLength; }
  return { heap, offsets, nulls };
}

function unpackStrings(p: PackedStrings): (string | null)[] {
  const out = new Array<string | null>(p.offsets.length - 1);
  for (let i = 0; i < out.length; i++) out[i] = p.nulls[i] ? null : utf8d.decode(p.heap.subarray(p.offsets[i]!, p.offsets[i + 1]!));
  return out;
}

/**
 * Rows ready to post to the compaction worker, and the buffers to transfer with them: structured
 * cloning 65,536 event ids one string at a time held the serving thread for ~80 ms; packed, the post
 * copies nothing.
 */
export async function packRows(rows: PartRows, pause: () => Promise<void> = async () => {}): Promise<{ packed: PackedPartRows; transfer: ArrayBuffer[] }> {
  const transfer: ArrayBuffer[] = [];
  const columns: PackedPartRows["columns"] = [];
  for (const c of rows.columns) {
    await pause();
    columns.push(await packColumn(c, transfer, pause));
  }
  return { packed: { schema: rows.schema, rowCount: rows.rowCount, columns }, transfer };
}

async function packColumn(c: PartColumn, transfer: ArrayBuffer[], pause: () => Promise<void>): Promise<PackedPartRows["columns"][number]> {
  if (c.kind === "dict") {
    const dict = await packStrings(c.dict, pause);
    transfer.push(c.codes.buffer as ArrayBuffer, dict.heap.buffer as ArrayBuffer, dict.offsets.buffer as ArrayBuffer, dict.nulls.buffer as ArrayBuffer);
    return { kind: "dict" as const, codes: c.codes, dict };
  }
  if (c.kind === "strings") {
    const values = await packStrings(c.values, pause);
    transfer.push(values.heap.buffer as ArrayBuffer, values.offsets.buffer as ArrayBuffer, values.nulls.buffer as ArrayBuffer);
    return { kind: "strings" as const, values };
  }
  transfer.push(c.values.buffer as ArrayBuffer, c.valid.buffer as ArrayBuffer);
  return c;
}

export function unpackRows(p: PackedPartRows): PartRows {
  return {
    schema: p.schema, rowCount: p.rowCount,
    columns: p.columns.map((c): PartColumn => {
      if (c.kind === "dict") return { kind: "dict", codes: c.codes, dict: unpackStrings(c.dict) as string[] };
      if (c.kind === "strings") return { kind: "strings", values: unpackStrings(c.values) };
      return c;
    }),
  };
}
