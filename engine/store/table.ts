// A table of the in-memory store: rows in segments of segmentRows rows, the last one the mutable
// tail, the others frozen and sealed (compressed, with zone maps) column by column. String columns
// share one global dictionary each; unique string columns keep their values per segment.
//
// The class only delegates: appending is append.ts, sealing seal.ts, scanning scan.ts. All of them
// run on the caller's thread; an append does bounded work (its rows plus about one column of sealing).

import type { DecodedBatch } from "../core/batch-codec.ts";
import { EngineError } from "../core/errors.ts";
import type { TableSchema } from "../core/types.ts";
import { ENCODING_NAMES } from "../column/column-chunk.ts";
import type { StringDictionary } from "../column/string-dictionary.ts";
import { appendBatch, mapDictionaries, restoreDictionaries, type DictMaps } from "./append.ts";
import { scanReaders, scanTable, type ScanBatch, type ScanOptions, type ScanReaders } from "./scan.ts";
import type { SealOffload } from "./seal-offload.ts";
import { evictBefore, sealedRowEnd, startAtRow } from "./evict.ts";
import { sealAll, sealSome } from "./seal.ts";
import { createTableState, type TableOptions, type TableState } from "./table-state.ts";

export type { Vector } from "../column/vector.ts";
export type { CodePredicate, DenseView, ScanBatch, ScanOptions, ScanReaders, ScanStats } from "./scan.ts";
export { DROP, KEEP, newScanStats, newViewMarks, UNKNOWN, type ViewMarks } from "./scan.ts";
export type { TableOptions } from "./table-state.ts";
export type { DictMaps } from "./append.ts";

export interface ColumnMemory {
  readonly name: string;
  /** Chunks, raw tail arrays and the global dictionary of the column. */
  readonly bytes: number;
  readonly dictionaryBytes: number;
  readonly dictionaryValues: number;
  /** Sealed chunks by encoding name. */
  readonly encodings: Readonly<Record<string, number>>;
}

export class Table {
  readonly schema: TableSchema;
  private readonly t: TableState;

  constructor(schema: TableSchema, options: TableOptions = {}) {
    this.schema = schema;
    this.t = createTableState(schema, options);
  }

  /** Row index one past the last row appended (rows ever appended, counting those evicted). */
  get rowCount(): number {
    return this.t.rowCount;
  }

  /** Row index of the first row still in memory; rows before it live only in Parquet. */
  get rowBase(): number {
    return this.t.rowBase;
  }

  /** Rows in memory (the rest, below rowBase, were compacted to Parquet and evicted). */
  get memoryRowCount(): number {
    return this.t.rowCount - this.t.rowBase;
  }

  /** Row index one past the leading run of sealed segments: what compaction may write out. */
  get sealedRowEnd(): number {
    return sealedRowEnd(this.t);
  }

  /** Recovery, before any append: row indexes start at `row` (rows below it are in Parquet only). */
  startAtRow(row: number): void {
    startAtRow(this.t, row);
  }

  /** Drops leading sealed segments that end by `row` and that `evictable` accepts; returns rows dropped. */
  evictBefore(row: number, evictable: (timeMax: number, bytes: number) => boolean): number {
    return evictBefore(this.t, row, evictable);
  }

  get segmentCount(): number {
    return this.t.segments.length;
  }

  /** Batch columns the schema does not know, counted once per batch. */
  get ignoredColumns(): number {
    return this.t.ignoredColumns;
  }

  /**
   * Appends the rows of `batch` whose bit in `drop` is clear (null = all) and returns how many. Batch
   * columns match schema columns by name; a schema column missing from the batch is null, a batch
   * column the schema lacks is ignored, a type mismatch is EngineError("internal").
   */
  appendBatch(batch: DecodedBatch, drop: Uint8Array | null, maps: DictMaps | null = null): number {
    const n = appendBatch(this.t, batch, drop, maps);
    if (this.t.sealInline) sealSome(this.t, n);
    return n;
  }

  /** Global codes for the batch's string values, new values inserted now (see append.ts). */
  mapDictionaries(batch: DecodedBatch): DictMaps {
    return mapDictionaries(this.t, batch);
  }

  /** Replay: re-inserts the values a logged map gave new codes; false when they do not line up. */
  restoreDictionaries(batch: DecodedBatch, maps: DictMaps): boolean {
    return restoreDictionaries(this.t, batch, maps);
  }

  /**
   * Recovery: while `offload` is given, frozen segments are sealed by its worker (handOverFrozen after
   * each append); null seals on this thread again. Await offload.drain() before anything scans.
   */
  sealWith(offload: SealOffload | null): void {
    this.t.sealInline = offload === null;
  }

  handOverFrozen(offload: SealOffload): void {
    offload.handOver(this.t);
  }

  /** Closes the tail now, even if not full, and seals every pending column (checkpoint, shutdown, benches). */
  seal(): void {
    sealAll(this.t);
  }

  /** Batches valid until the next iteration only; see scan.ts. Throws bad_argument for an unknown column. */
  scan(opts: ScanOptions): Generator<ScanBatch> {
    return scanTable(this.t, opts);
  }

  /** Reusable readers for repeated scans of the same columns (ScanOptions.readers). */
  scanReaders(columns: readonly string[]): ScanReaders {
    return scanReaders(this.t, columns);
  }

  columnIndex(name: string): number {
    return this.t.byName.get(name) ?? -1;
  }

  /** Throws store_limit when mapping `batch`'s strings could overflow a dictionary. Changes nothing. */
  checkRoom(batch: DecodedBatch): void {
    for (const col of batch.columns) {
      const dict = this.dictionary(col.name);
      if (dict === null || col.dictOffsets === null) continue;
      const why = dict.roomFor(col.dictOffsets.length - 1, col.dictHeap!.byteLength);
      if (why !== null) {
        throw new EngineError("store_limit", `table ${this.schema.name}, column ${col.name}: dictionary full (${why}); the batch was not logged`);
      }
    }
  }

  /** The global dictionary of a string column (to resolve query constants); null for other columns. */
  dictionary(name: string): StringDictionary | null {
    const c = this.t.byName.get(name);
    return c === undefined ? null : this.t.columns[c]!.dict;
  }

  /** byteLength of every typed array the table holds: segments, tails, dictionaries, sealing scratch. */
  memoryBytes(): number {
    let sum = 0;
    for (const r of this.t.sealReaders.values()) sum += r.scratchBytes();
    for (const c of this.columnMemory()) sum += c.bytes;
    return sum;
  }

  columnMemory(): ColumnMemory[] {
    return this.t.columns.map((col, c) => {
      const encodings: Record<string, number> = {};
      let bytes = col.dict?.byteSize ?? 0;
      for (const seg of this.t.segments) {
        bytes += seg.columnBytes(c);
        const chunk = seg.chunks[c];
        if (chunk) encodings[ENCODING_NAMES[chunk.encoding]] = (encodings[ENCODING_NAMES[chunk.encoding]] ?? 0) + 1;
      }
      return {
        name: col.def.name, bytes, dictionaryBytes: col.dict?.byteSize ?? 0, dictionaryValues: col.dict?.size ?? 0, encodings,
      };
    });
  }
}
