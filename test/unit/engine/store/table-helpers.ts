// Test helpers for the store: rows in, batches out, and a whole scan read back as plain values.

import { BatchBuilder, decodeBatch, type DecodedBatch } from "../../../../engine/core/batch-codec.ts";
import { ColumnType, isStringType } from "../../../../engine/core/types.ts";
import type { ScanOptions, Table } from "../../../../engine/store/table.ts";

export type Value = string | number | boolean | null;

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

/** A decoded batch holding `rows` (one value per column, null = absent). */
export function batchOf(table: string, columns: readonly ColumnSpec[], rows: readonly (readonly Value[])[]): DecodedBatch {
  const b = new BatchBuilder(table, columns, 4);
  for (const row of rows) {
    const r = b.addRow();
    columns.forEach((c, i) => {
      const v = row[i];
      if (v === null || v === undefined) return;
      if (isStringType(c.type)) b.setString(i, r, v as string);
      else b.setNumber(i, r, typeof v === "boolean" ? (v ? 1 : 0) : (v as number));
    });
  }
  return decodeBatch(b.finish());
}

/** -0 and NaN as strings, so toEqual compares floats exactly. */
export function exact(v: Value): Value {
  if (typeof v !== "number") return v;
  return Object.is(v, -0) ? "-0" : Number.isNaN(v) ? "NaN" : v;
}

/** Every row a scan returns, as plain values (exact() applied), plus the scan's batch sizes. */
export function readAll(table: Table, opts: ScanOptions): { rows: Value[][]; batches: number[] } {
  const rows: Value[][] = [], batches: number[] = [];
  for (const b of table.scan(opts)) {
    batches.push(b.rowCount);
    for (let i = 0; i < b.rowCount; i++) {
      rows.push(b.vectors.map((v) => {
        if (v.validity !== null && (v.validity[i >> 3]! & (1 << (i & 7))) === 0) return null;
        if (v.strings) return v.strings(i);
        if (v.codes) return v.dict!.get(v.codes[i]!);
        if (v.f64) return exact(v.f64[i]!);
        if (v.i32) return v.i32[i]!;
        return v.u8![i] === 1;
      }));
    }
  }
  return { rows, batches };
}

export function errorOf(f: () => unknown): { code: string; message: string } | null {
  try {
    f();
    return null;
  } catch (e) {
    return { code: (e as { code?: string }).code ?? "none", message: (e as Error).message };
  }
}

/** A canonical lower-case UUID text, different for every r (unique-string columns). */
export function uuidOf(r: number): string {
  const h = (x: number) => (x >>> 0).toString(16).padStart(8, "0");
  const s = h(Math.imul(r + 1, 0x9e3779b1)) + h(Math.imul(r + 7, 0x85ebca6b)) + h(r * 31) + h(Math.imul(r, 0xc2b2ae35));
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
