// A segment: up to `capacity` consecutive rows of a table. It starts as the mutable tail (raw
// TailColumns), is frozen when full (or by Table.seal), and is then sealed one column at a time:
// sealing column c replaces raw[c] by an immutable, compressed chunks[c] and drops the raw arrays.
//
// Invariants: rowCount only grows, and only while not frozen; exactly one of raw[c] and chunks[c] is
// non-null; a chunk is final. timeMin/timeMax bound the non-null values of the table's time column
// (running while mutable, exact once frozen; NaN never counts), so scans can prune the segment.

import { chunkBytes, type ColumnChunk } from "../column/column-chunk.ts";
import type { ColumnType } from "../core/types.ts";
import { TailColumn } from "./tail-column.ts";

export interface ColumnSpec {
  readonly type: ColumnType;
  readonly unique: boolean;
}

export class Segment {
  rowCount = 0;
  frozen = false;
  readonly raw: (TailColumn | null)[];
  readonly chunks: (ColumnChunk | null)[];
  sealedColumns = 0;
  /** Order in which columns seal, fixed when sealing starts (seal.ts). */
  sealOrder: Int32Array | null = null;
  timeMin = Infinity;
  timeMax = -Infinity;

  constructor(readonly capacity: number, columns: readonly ColumnSpec[], heapBytesMax: number, raw?: TailColumn[]) {
    this.raw = raw ?? columns.map((c) => new TailColumn(c.type, c.unique, capacity, heapBytesMax));
    this.chunks = columns.map(() => null);
  }

  get sealed(): boolean {
    return this.sealedColumns === this.chunks.length;
  }

  /** Bytes of column `c`: its chunk once sealed, else its raw tail arrays. */
  columnBytes(c: number): number {
    const chunk = this.chunks[c];
    return chunk ? chunkBytes(chunk) : this.raw[c]!.byteSize();
  }

  /** Installs the sealed chunk of column `c` and lets its raw arrays go. */
  setChunk(c: number, chunk: ColumnChunk): void {
    this.chunks[c] = chunk;
    this.raw[c] = null;
    this.sealedColumns++;
  }
}
