// Bulk appends into a DuckDB table through data chunks of up to 2048 rows (DuckDB's vector size),
// written with one memory copy per fixed-width column and chunk, and one call per non-null string:
// no JS value object is created per cell. (Filling chunks value by value through the node-api vector
// classes, which keep validity as BigInt words, measured about 4M cells/s; this is several times that.)
//
// Input is column-major typed arrays with validity bitmaps in the store's layout (bit i of byte i >> 3
// set = row i holds a value), which is also DuckDB's layout (little-endian uint64 words):
//
//   DOUBLE     Float64Array               INTEGER  Int32Array       BOOLEAN  Uint8Array (0 or 1)
//   TIMESTAMP  Float64Array of epoch ms   BIGINT   Float64Array of integers
//   VARCHAR    (string | null)[]          (validity from the nulls)
//
// Timestamps are kept to the microsecond: ms * 1000, rounded.

import bindings from "@duckdb/node-bindings";
import {
  BIGINT, BOOLEAN, DOUBLE, DuckDBDataChunk, INTEGER, TIMESTAMP, VARCHAR,
  type DuckDBAppender, type DuckDBConnection, type DuckDBType,
} from "@duckdb/node-api";

export type AppendType = "BOOLEAN" | "INTEGER" | "BIGINT" | "DOUBLE" | "TIMESTAMP" | "VARCHAR";

export type AppendColumn =
  | { readonly type: "DOUBLE" | "TIMESTAMP" | "BIGINT"; readonly values: Float64Array; readonly validity: Uint8Array | null }
  | { readonly type: "INTEGER"; readonly values: Int32Array; readonly validity: Uint8Array | null }
  | { readonly type: "BOOLEAN"; readonly values: Uint8Array; readonly validity: Uint8Array | null }
  | { readonly type: "VARCHAR"; readonly values: readonly (string | null)[] };

const TYPES: Record<AppendType, DuckDBType> = { BOOLEAN, INTEGER, BIGINT, DOUBLE, TIMESTAMP, VARCHAR };
/** DuckDB's vector size: the most rows one data chunk holds (a multiple of 8, so chunk starts are byte-aligned in a bitmap). */
export const CHUNK_ROWS = 2048;
const TWO_32 = 4294967296;
const EXACT_MAX = 2 ** 53;

export interface ChunkAppender {
  /** Appends rows [0, rowCount) of `columns` (one per table column, in table order). */
  append(columns: readonly AppendColumn[], rowCount: number): void;
  /** Flushes and releases the appender; the rows are visible to later statements. */
  close(): void;
}

/** Reusable copy buffers: sources may be views of shared or unaligned memory, the copy is cheap. */
interface Scratch {
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly u8: Uint8Array;
  readonly validity: Uint8Array;
}

export async function openAppender(conn: DuckDBConnection, database: string, table: string, types: readonly AppendType[]): Promise<ChunkAppender> {
  const appender: DuckDBAppender = await conn.createAppender(table, "main", database);
  const duckTypes = types.map((t) => TYPES[t]);
  const buf = new ArrayBuffer(CHUNK_ROWS * 8);
  const scratch: Scratch = {
    f64: new Float64Array(buf), i32: new Int32Array(buf), i64: new BigInt64Array(buf), u8: new Uint8Array(buf), validity: new Uint8Array(CHUNK_ROWS / 8),
  };
  return {
    append(columns, rowCount) {
      if (columns.length !== types.length) throw new Error(`appender for ${table}: ${columns.length} columns given, table has ${types.length}`);
      for (let start = 0; start < rowCount; start += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, rowCount - start);
        const chunk = DuckDBDataChunk.create(duckTypes, n);
        for (let c = 0; c < columns.length; c++) {
          writeColumn(bindings.data_chunk_get_vector(chunk.chunk, c), columns[c]!, start, n, scratch);
        }
        appender.appendDataChunk(chunk);
      }
    },
    close() {
      appender.flushSync();
      appender.closeSync();
    },
  };
}

type Vector = ReturnType<typeof bindings.data_chunk_get_vector>;

function writeColumn(vector: Vector, col: AppendColumn, start: number, n: number, s: Scratch): void {
  switch (col.type) {
    case "VARCHAR": return writeStrings(vector, col.values, start, n, s);
    case "DOUBLE": s.f64.set(col.values.subarray(start, start + n)); copy(vector, s.f64, n * 8); break;
    case "INTEGER": s.i32.set(col.values.subarray(start, start + n)); copy(vector, s.i32, n * 4); break;
    case "BOOLEAN": s.u8.set(col.values.subarray(start, start + n)); copy(vector, s.u8, n); break;
    case "TIMESTAMP": writeInt64(col.values, start, n, 1000, s); copy(vector, s.i32, n * 8); break;
    case "BIGINT": writeInt64(col.values, start, n, 1, s); copy(vector, s.i32, n * 8); break;
  }
  if (col.validity !== null) {
    const bytes = (n + 7) >> 3;
    s.validity.set(col.validity.subarray(start >> 3, (start >> 3) + bytes));
    bindings.vector_ensure_validity_writable(vector);
    bindings.copy_data_to_vector_validity(vector, 0, s.validity.buffer as ArrayBuffer, 0, bytes);
  }
}

function copy(vector: Vector, from: ArrayBufferView, bytes: number): void {
  bindings.copy_data_to_vector(vector, 0, from.buffer as ArrayBuffer, from.byteOffset, bytes);
}

/**
 * values[start..start+n) * scale as little-endian int64, written as two 32-bit halves: no BigInt per
 * value while the product is an exact integer in a double (|x| < 2^53: any timestamp of this era).
 */
function writeInt64(values: Float64Array, start: number, n: number, scale: number, s: Scratch): void {
  const words = s.i32;
  for (let i = 0; i < n; i++) {
    const x = Math.round(values[start + i]! * scale);
    if (x > -EXACT_MAX && x < EXACT_MAX) {
      const hi = Math.floor(x / TWO_32);
      words[2 * i] = (x - hi * TWO_32) | 0;
      words[2 * i + 1] = hi;
    } else {
      s.i64[i] = Number.isFinite(x) ? BigInt(x) : 0n;
    }
  }
}

function writeStrings(vector: Vector, values: readonly (string | null)[], start: number, n: number, s: Scratch): void {
  let nulls = false;
  s.validity.fill(0xff, 0, (n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const v = values[start + i];
    if (v === null || v === undefined) {
      s.validity[i >> 3] = s.validity[i >> 3]! & ~(1 << (i & 7));
      nulls = true;
    } else {
      bindings.vector_assign_string_element(vector, i, v);
    }
  }
  if (nulls) {
    bindings.vector_ensure_validity_writable(vector);
    bindings.copy_data_to_vector_validity(vector, 0, s.validity.buffer as ArrayBuffer, 0, (n + 7) >> 3);
  }
}
