// Rows [from, to) of a table pulled out of the store into plain transferable arrays, so a worker can
// encode them as Parquet (parquet-worker.ts) while this thread serves requests. Dictionary columns
// travel as codes into a small local dictionary of only the values the range uses; unique strings
// (event ids) as one UTF-8 heap. Both are copied from the store's bytes: no JS string is made on
// this thread (making and packing them cost ~1 us a row of the default schema, a quarter of the
// serving thread at 160k events/s). Reading is one scan; nothing here touches Parquet.

import { ColumnType, isStringType, type TableSchema } from "../../engine/core/types.ts";
import type { Table, Vector } from "../../engine/store/table.ts";
import { StringHeapBuilder, type PackedStrings } from "../../engine/column/string-heap.ts";
import { isValid } from "../../engine/column/validity.ts";
import { assert } from "../../engine/core/assert.ts";
import { CodeSlotMap } from "../../engine/aggregate/code-slot-map.ts";

export type PartColumn =
  | { kind: "f64"; values: Float64Array; valid: Uint8Array }
  | { kind: "i32"; values: Int32Array; valid: Uint8Array }
  | { kind: "bool"; values: Uint8Array; valid: Uint8Array }
  /** codes index `dict` (the values the range uses, as bytes); -1 is null. */
  | { kind: "dict"; codes: Int32Array; dict: PackedStrings }
  /** Unique strings, as bytes: they were never JS strings on the serving thread. */
  | { kind: "strings"; values: PackedStrings };

export interface PartRows {
  readonly schema: TableSchema;
  readonly rowCount: number;
  readonly columns: PartColumn[];
}

export function extractRows(table: Table, from: number, to: number): PartRows {
  const x = extractor(table, from, to);
  for (const batch of table.scan({ columns: x.names, fromRow: from })) if (x.take(batch)) break;
  return x.result();
}

/** Longest stretch of extraction between two yields to the event loop. */
const EXTRACT_SLICE_MS = 0.5;

/**
 * The same, yielding to the event loop once a slice of time is spent: compaction pulls 65,536 rows
 * at a time on the serving thread, which would otherwise hold lookups back for tens of ms. The time
 * is checked after each column of each batch (a lazy scan decodes one column at a time): one batch
 * of the default schema's 31 columns takes 2-3 ms, and checking only between batches left turns of
 * 6-10 ms. Yielding by time, not per batch, keeps a small range (many small segments) from taking
 * many loop turns. The scan's snapshot keeps the rows consistent while ingest goes on in between,
 * and its readers are its own, so the batch's vectors stay valid across a yield.
 */
export async function extractRowsAsync(table: Table, from: number, to: number): Promise<PartRows> {
  const x = extractor(table, from, to);
  let sliceStart = performance.now();
  for (const batch of table.scan({ columns: x.names, fromRow: from, lazy: true })) {
    const r = x.range(batch);
    if (r !== null) {
      for (let c = 0; c < x.names.length; c++) {
        batch.load(c, null, batch.rowCount);
        x.takeColumn(batch.vectors[c]!, c, r);
        if (performance.now() - sliceStart >= EXTRACT_SLICE_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }
      x.took(r);
    }
    if (x.reached(batch)) break;
  }
  return x.result();
}

/** Rows [lo, hi) of a batch, written from row r0 of the part. */
interface BatchRange { readonly lo: number; readonly hi: number; readonly r0: number }

type Builder =
  | { kind: "f64"; values: Float64Array; valid: Uint8Array }
  | { kind: "i32"; values: Int32Array; valid: Uint8Array }
  | { kind: "bool"; values: Uint8Array; valid: Uint8Array }
  /** local: global code -> local code (the part's dictionary is sized by the codes it uses, not the global one). */
  | { kind: "dict"; codes: Int32Array; dict: StringHeapBuilder; local: CodeSlotMap }
  | { kind: "strings"; heap: StringHeapBuilder };

function newBuilder(type: ColumnType, unique: boolean, n: number): Builder {
  if (isStringType(type)) return unique ? { kind: "strings", heap: new StringHeapBuilder(n) } : { kind: "dict", codes: new Int32Array(n), dict: new StringHeapBuilder(64, 1024), local: new CodeSlotMap() };
  if (type === ColumnType.INT32) return { kind: "i32", values: new Int32Array(n), valid: new Uint8Array(n) };
  if (type === ColumnType.BOOL) return { kind: "bool", values: new Uint8Array(n), valid: new Uint8Array(n) };
  return { kind: "f64", values: new Float64Array(n), valid: new Uint8Array(n) };
}

function extractor(table: Table, from: number, to: number) {
  const schema = table.schema, n = to - from;
  const names = schema.columns.map((c) => c.name);
  const columns = schema.columns.map((c) => newBuilder(c.type, !!c.unique, n));
  let taken = 0;
  /** The batch's rows in [from, to), or null when it has none. */
  const range = (batch: { firstRow: number; rowCount: number }): BatchRange | null => {
    const lo = Math.max(0, from - batch.firstRow), hi = Math.min(batch.rowCount, to - batch.firstRow);
    if (hi <= lo) return null;
    const r0 = batch.firstRow + lo - from;
    assert(r0 === taken, `rows extracted out of order at row ${batch.firstRow + lo}`);
    return { lo, hi, r0 };
  };
  const takeOne = (v: Vector, c: number, r: BatchRange): void => takeColumn(v, columns[c]!, r.lo, r.hi, r.r0);
  const took = (r: BatchRange): void => { taken += r.hi - r.lo; };
  const reached = (batch: { firstRow: number; rowCount: number }): boolean => batch.firstRow + batch.rowCount >= to;
  /** Copies the batch's rows in [from, to), a column at a time; true once `to` is reached. */
  const take = (batch: { firstRow: number; rowCount: number; vectors: readonly Vector[] }): boolean => {
    const r = range(batch);
    if (r !== null) {
      for (let c = 0; c < columns.length; c++) takeOne(batch.vectors[c]!, c, r);
      took(r);
    }
    return reached(batch);
  };
  // Unique strings are appended in row order: a short scan would shift them against the other columns.
  const result = (): PartRows => {
    assert(taken === n, `extracted ${taken} of rows [${from}, ${to})`);
    const out = columns.map((b): PartColumn => b.kind === "dict" ? { kind: "dict", codes: b.codes, dict: b.dict.finish() } : b.kind === "strings" ? { kind: "strings", values: b.heap.finish() } : b);
    return { schema, rowCount: n, columns: out };
  };
  return { names, take, range, takeColumn: takeOne, took, reached, result };
}

/** Rows [lo, hi) of one vector into the builder from row r0. */
function takeColumn(v: Vector, col: Builder, lo: number, hi: number, r0: number): void {
  const validity = v.validity;
  switch (col.kind) {
    case "f64": return copyNumbers(v.f64!, validity, col.values, col.valid, lo, hi, r0);
    case "i32": return copyNumbers(v.i32!, validity, col.values, col.valid, lo, hi, r0);
    case "bool": return copyNumbers(v.u8!, validity, col.values, col.valid, lo, hi, r0);
    case "strings": return v.appendUtf8!(lo, hi, col.heap);
    case "dict": {
      const codes = v.codes!, dict = v.dict!, out = col.codes, local = col.local;
      let lastCode = -1, lastLocal = -1;
      for (let i = lo, r = r0; i < hi; i++, r++) {
        if (!isValid(validity, i)) { out[r] = -1; continue; }
        const code = codes[i]!;
        if (code !== lastCode) {
          let k = local.get(code);
          if (k < 0) { k = local.size; local.set(code, k); dict.appendTo(code, col.dict); }
          lastCode = code;
          lastLocal = k;
        }
        out[r] = lastLocal;
      }
    }
  }
}

/** Values and a 0/1 valid flag per row; a null row's value is 0. */
function copyNumbers<A extends Float64Array | Int32Array | Uint8Array>(src: A, validity: Uint8Array | null, values: A, valid: Uint8Array, lo: number, hi: number, r0: number): void {
  if (validity === null) {
    values.set(src.subarray(lo, hi), r0);
    valid.fill(1, r0, r0 + hi - lo);
    return;
  }
  for (let i = lo, r = r0; i < hi; i++, r++) {
    const ok = isValid(validity, i);
    valid[r] = ok ? 1 : 0;
    values[r] = ok ? src[i]! : 0;
  }
}

/**
 * The buffers to transfer with `rows` when posting them to the compaction worker: every value is in
 * typed arrays (strings as UTF-8 heaps), so the post copies nothing and clones no string; structured
 * cloning 65,536 event ids one string at a time held the serving thread for ~80 ms.
 */
export function transferList(rows: PartRows): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (p: PackedStrings) => { out.add(p.heap.buffer as ArrayBuffer); out.add(p.offsets.buffer as ArrayBuffer); out.add(p.nulls.buffer as ArrayBuffer); };
  for (const c of rows.columns) {
    if (c.kind === "dict") (out.add(c.codes.buffer as ArrayBuffer), add(c.dict));
    else if (c.kind === "strings") add(c.values);
    else (out.add(c.values.buffer as ArrayBuffer), out.add(c.valid.buffer as ArrayBuffer));
  }
  return [...out];
}
