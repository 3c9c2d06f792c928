// The state of one table, shared by the free functions that act on it (append.ts, seal.ts, scan.ts);
// Table only delegates. Built and validated once from the schema: everything after trusts it.
//
// Invariants: segments are in row order; every segment but the last is frozen; segments before
// firstUnsealed are fully sealed; rowCount - rowBase is the sum of segment row counts.

import { EngineError } from "../core/errors.ts";
import { LIMITS } from "../core/limits.ts";
import { ColumnType, isStringType, type ColumnDef, type TableSchema } from "../core/types.ts";
import { StringDictionary } from "../column/string-dictionary.ts";
import type { ColumnReader } from "./column-reader.ts";
import type { Segment } from "./segment.ts";

export interface TableOptions {
  /** Rows per segment (tests use small ones to cross segment boundaries); default LIMITS.SEGMENT_ROWS. */
  readonly segmentRows?: number;
  /** Overrides LIMITS.SEGMENT_HEAP_BYTES_MAX (tests trigger the limit with a small value). */
  readonly segmentHeapBytesMax?: number;
  /** Overrides LIMITS.DICTIONARY_BYTES_MAX for every string column (tests trigger the limit). */
  readonly dictionaryBytesMax?: number;
}

export interface StoreColumn {
  readonly def: ColumnDef;
  readonly type: ColumnType;
  readonly unique: boolean;
  /** The global dictionary of a non-unique string column, else null. */
  readonly dict: StringDictionary | null;
}

export interface TableState {
  readonly schema: TableSchema;
  readonly columns: readonly StoreColumn[];
  readonly byName: ReadonlyMap<string, number>;
  readonly timeIndex: number;
  readonly segmentRows: number;
  readonly heapBytesMax: number;
  readonly segments: Segment[];
  firstUnsealed: number;
  /**
   * Table row index of the first row still in memory: rows before it were compacted to Parquet and
   * evicted (storage/compaction). Row indexes are stable for the life of the data directory.
   */
  rowBase: number;
  /** Row index one past the last row (rowBase + the rows in segments). */
  rowCount: number;
  ignoredColumns: number;
  /** Key-column readers used while a segment seals (seal-mapped.ts); emptied when it is sealed. */
  readonly sealReaders: Map<number, ColumnReader>;
  /** False during recovery: frozen segments go to the seal worker instead (seal-offload.ts). */
  sealInline: boolean;
}

export function createTableState(schema: TableSchema, options: TableOptions = {}): TableState {
  const bad = (msg: string): never => { throw new EngineError("bad_config", `table ${schema.name}: ${msg}`); };
  const byName = new Map<string, number>();
  const columns = schema.columns.map((def, i): StoreColumn => {
    if (byName.has(def.name)) bad(`column ${def.name} declared twice`);
    byName.set(def.name, i);
    const str = isStringType(def.type);
    if (def.unique && !str) bad(`column ${def.name} is unique but not a string`);
    return { def, type: def.type, unique: !!def.unique, dict: str && !def.unique ? new StringDictionary({ bytesMax: options.dictionaryBytesMax }) : null };
  });
  const timeIndex = byName.get(schema.timeColumn) ?? -1;
  if (timeIndex < 0 || schema.columns[timeIndex]!.type !== ColumnType.TIMESTAMP) {
    bad(`time column ${schema.timeColumn} is not a TIMESTAMP column of the table`);
  }
  const segmentRows = options.segmentRows ?? LIMITS.SEGMENT_ROWS;
  if (!Number.isInteger(segmentRows) || segmentRows < 1 || segmentRows > LIMITS.SEGMENT_ROWS_MAX) {
    bad(`segment rows ${segmentRows} outside 1..${LIMITS.SEGMENT_ROWS_MAX}`);
  }
  return {
    schema, columns, byName, timeIndex, segmentRows,
    heapBytesMax: options.segmentHeapBytesMax ?? LIMITS.SEGMENT_HEAP_BYTES_MAX,
    segments: [], firstUnsealed: 0, rowBase: 0, rowCount: 0, ignoredColumns: 0, sealReaders: new Map(), sealInline: true,
  };
}
