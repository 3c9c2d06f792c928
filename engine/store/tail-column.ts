// One column of a segment while it is the mutable tail (and until that column is sealed): plain
// typed arrays allocated at the segment's full capacity, so appending never reallocates and scans
// hand out subarray views without copying.
//
// Invariants: rows [0, segment.rowCount) are written and never change afterwards; validity bits are
// maintained even when the column has no nulls (a scan may start handing the bitmap out later); a null
// row holds 0 / code 0; in a unique column a null row holds no heap bytes (offsets[r] = offsets[r+1]).
// The arrays start zeroed and a tail is never reused, so views taken by a paused scan stay valid.

import { EngineError } from "../core/errors.ts";
import { ColumnType, isStringType } from "../core/types.ts";
import { bitmapBytes } from "../column/validity.ts";

export interface TailParts {
  validity: Uint8Array; nullCount: number; f64: Float64Array | null; i32: Int32Array | null; u8: Uint8Array | null;
  codes: Uint32Array | null; heap: Uint8Array | null; offsets: Uint32Array | null;
}

export class TailColumn {
  readonly validity: Uint8Array;
  nullCount = 0;
  readonly f64: Float64Array | null = null;
  readonly i32: Int32Array | null = null;
  readonly u8: Uint8Array | null = null;
  readonly codes: Uint32Array | null = null;
  /** Unique columns: UTF-8 bytes of rows back to back, grown as needed. */
  heap: Uint8Array | null = null;
  /** Unique columns: capacity + 1 entries; row r is heap[offsets[r], offsets[r + 1]). */
  readonly offsets: Uint32Array | null = null;

  constructor(readonly type: ColumnType, readonly unique: boolean, capacity: number, private readonly heapBytesMax: number) {
    this.validity = new Uint8Array(bitmapBytes(capacity));
    if (type === ColumnType.FLOAT64 || type === ColumnType.TIMESTAMP) this.f64 = new Float64Array(capacity);
    else if (type === ColumnType.INT32) this.i32 = new Int32Array(capacity);
    else if (type === ColumnType.BOOL) this.u8 = new Uint8Array(capacity);
    else if (unique) {
      this.offsets = new Uint32Array(capacity + 1);
      // Sized for ids of about 40 bytes (a UUID is 36): growing by copies cost ~4% of replay.
      this.heap = new Uint8Array(Math.min(capacity * 40, 4 << 20, heapBytesMax));
    } else if (isStringType(type)) this.codes = new Uint32Array(capacity);
  }

  /** The arrays, to hand a frozen column to the seal worker (seal-offload.ts). */
  parts(): TailParts {
    return { validity: this.validity, nullCount: this.nullCount, f64: this.f64, i32: this.i32, u8: this.u8, codes: this.codes, heap: this.heap, offsets: this.offsets };
  }

  /** A column over arrays received from another thread (the seal worker's side of parts()). */
  static adopt(type: ColumnType, unique: boolean, p: TailParts): TailColumn {
    const col = new TailColumn(type, unique, 0, 0);
    Object.assign(col, p);
    return col;
  }

  byteSize(): number {
    return this.validity.byteLength + (this.f64?.byteLength ?? 0) + (this.i32?.byteLength ?? 0) +
      (this.u8?.byteLength ?? 0) + (this.codes?.byteLength ?? 0) + (this.heap?.byteLength ?? 0) +
      (this.offsets?.byteLength ?? 0);
  }

  /** Makes room for `more` heap bytes after `used`; the old heap stays intact for views already out. */
  reserveHeap(used: number, more: number): Uint8Array {
    const heap = this.heap!;
    if (used + more > this.heapBytesMax) {
      throw new EngineError("store_limit", `segment heap of ${used} bytes cannot take ${more} more: limit ${this.heapBytesMax}`);
    }
    if (used + more <= heap.length) return heap;
    const grown = new Uint8Array(Math.min(this.heapBytesMax, Math.max(used + more, heap.length * 2)));
    grown.set(heap.subarray(0, used));
    this.heap = grown;
    return grown;
  }
}
