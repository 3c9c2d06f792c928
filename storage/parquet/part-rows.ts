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
  const schema = table.schema, n = to - from;
  const names = schema.columns.map((c) => c.name);
  const columns = schema.columns.map((c) => newColumn(c.type, !!c.unique, n));
  const local = columns.map(() => new Map<number, number>());
  for (const batch of table.scan({ columns: names, fromRow: from })) {
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
    if (batch.firstRow + batch.rowCount >= to) break;
  }
  return { schema, rowCount: n, columns };
}

/** The typed arrays of `rows`, to transfer to a worker instead of copying. */
export function transferables(rows: PartRows): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const c of rows.columns) {
    if (c.kind === "dict") out.push(c.codes.buffer as ArrayBuffer);
    else if (c.kind !== "strings") out.push(c.values.buffer as ArrayBuffer, c.valid.buffer as ArrayBuffer);
  }
  return out;
}
