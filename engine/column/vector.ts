// A Vector is one column of one scan batch: typed arrays plus a validity bitmap, never JS values per
// row. Exactly one value array is set, by type:
//
//   FLOAT64, TIMESTAMP  f64          INT32  i32          BOOL  u8 (0 or 1 as appended)
//   STRING, JSON        codes + dict (codes into the column's global dictionary)
//   unique STRING       strings(i)   (ColumnDef.unique: no dictionary; decodes row i on demand), and
//                       appendUtf8(lo, hi, out): rows [lo, hi) as bytes, no string made (compaction)
//
// validity: bit i (byte i >> 3, bit i & 7) set = row i of the batch holds a value; null = no nulls.
// The value at a null row is unspecified (code 0 for strings, "" from strings(); a float may be
// anything), so consumers check validity or mask. Arrays are at least the
// batch's rowCount long. They are views into store memory or scratch reused by the next batch, so a
// consumer must not keep a vector, or any array it holds, past the next iteration of the scan.

import type { ColumnType } from "../core/types.ts";
import type { StringDictionary } from "./string-dictionary.ts";
import type { StringHeapBuilder } from "./string-heap.ts";

export interface Vector {
  type: ColumnType;
  validity: Uint8Array | null;
  f64: Float64Array | null;
  i32: Int32Array | null;
  u8: Uint8Array | null;
  codes: Uint32Array | null;
  dict: StringDictionary | null;
  strings?: (i: number) => string;
  appendUtf8?: (lo: number, hi: number, out: StringHeapBuilder) => void;
}

export function emptyVector(type: ColumnType, dict: StringDictionary | null): Vector {
  return { type, validity: null, f64: null, i32: null, u8: null, codes: null, dict, strings: undefined, appendUtf8: undefined };
}
