// A sealed column chunk: one column of one sealed segment, immutable, compressed, with its zone map.
//
// Only the non-null values are stored, back to back ("dense" order); the validity bitmap says which
// rows they belong to and a rank directory maps a row to its dense index. Both are dropped when the
// chunk has no nulls. Encodings of the dense values (numbers are written into segment files later:
// never renumber):
//
//   ALL_NULL  no values at all; no payload.
//   CONSTANT  every value equals `base` (compared with Object.is, so NaN and -0 qualify).
//   RAW       f64 holds the values (floats that no integer encoding represents exactly).
//   FOR       value = (base + packed[i]) / scale: frame of reference over integers k = value * scale,
//             scale in 1, 10, 100, 1000 (money with 2 decimals is exact at scale 100).
//   DELTA     k[i] = k[i - 1] + base + packed[i], k at each DELTA_BLOCK boundary kept in f64; value =
//             k / scale. For nearly sorted columns (received_at) whose steps are small.
//   RLE       runs: f64 = run values, u32 = exclusive dense end of each run.
//   UUID16    unique strings that are all canonical UUID text: bytes = 16 per value, flags = UUID_UPPER
//             when the hex digits are upper case.
//   HEAP      unique strings otherwise: bytes = UTF-8 heap, u32 = offsets (nonNull + 1 entries).
//   MAPPED    dictionary codes that are a function of another string column of the same segment, the
//             key (keyColumn, sealed earlier): a session's country, a campaign's channel. packed
//             is a map over the key's codes [keyMin, keyMin + keyCount): entry m = 0 means null, else the
//             code is base + m - 1. Rows whose key is null are null. No validity is stored: it follows
//             from the key and the map. Decoding is a gather, as fast as a dictionary lookup.
//
// String columns with a global dictionary store their codes with CONSTANT, FOR, DELTA, RLE or MAPPED.
// Zone map: min and max over non-null values (codes for strings; NaN ignored; +Inf/-Inf when there is
// no comparable value; NaN for unique columns), and nullCount. Code chunks of more than one block
// (FOR, DELTA, RLE) also keep a zone map per BLOCK_ROWS rows, `blocks` = [min0, max0, min1, ...]
// over the block's non-null codes (an all-null block has min 0xffffffff > max 0): codes are given
// in first-seen order, so a session's or a user's code appears in few blocks, and an equality scan
// skips the others (store/code-filter.ts). 8 bytes per 4096 rows.

import { LIMITS } from "../core/limits.ts";
import type { PackedData } from "./bit-pack.ts";

/** Rows per block zone map: scan batches, which start at multiples of it, cover one block each. */
export const BLOCK_ROWS = LIMITS.SCAN_BATCH_ROWS;

export const Encoding = {
  ALL_NULL: 0,
  CONSTANT: 1,
  RAW: 2,
  FOR: 3,
  DELTA: 4,
  RLE: 5,
  UUID16: 6,
  HEAP: 7,
  MAPPED: 8,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

export const ENCODING_NAMES: Record<Encoding, string> = {
  0: "all_null", 1: "constant", 2: "raw", 3: "for", 4: "delta", 5: "rle", 6: "uuid16", 7: "heap", 8: "mapped",
};

/** Dense values between two absolute values kept by a DELTA chunk. */
export const DELTA_BLOCK = 1024;
export const UUID_UPPER = 1;

export interface ColumnChunk {
  readonly encoding: Encoding;
  readonly rowCount: number;
  readonly nullCount: number;
  readonly min: number;
  readonly max: number;
  /** Null when the chunk has no nulls (or no values at all: ALL_NULL). */
  readonly validity: Uint8Array | null;
  readonly rank: Uint32Array | null;
  readonly base: number;
  readonly scale: number;
  readonly width: number;
  readonly packed: PackedData | null;
  readonly f64: Float64Array | null;
  readonly u32: Uint32Array | null;
  readonly bytes: Uint8Array | null;
  readonly flags: number;
  /** MAPPED: the key column's index in the table, its smallest code in the segment, map entries. */
  readonly keyColumn: number;
  readonly keyMin: number;
  readonly keyCount: number;
  /** Code chunks of several blocks: [min, max] of each block's codes (see above); else null. */
  readonly blocks: Uint32Array | null;
}

/** Builds a chunk with every field present, so all chunks share one object shape. */
export function makeChunk(p: Partial<ColumnChunk> & Pick<ColumnChunk, "encoding" | "rowCount" | "nullCount">): ColumnChunk {
  return {
    encoding: p.encoding, rowCount: p.rowCount, nullCount: p.nullCount,
    min: p.min ?? NaN, max: p.max ?? NaN,
    validity: p.validity ?? null, rank: p.rank ?? null,
    base: p.base ?? 0, scale: p.scale ?? 1, width: p.width ?? 0,
    packed: p.packed ?? null, f64: p.f64 ?? null, u32: p.u32 ?? null, bytes: p.bytes ?? null,
    flags: p.flags ?? 0, keyColumn: p.keyColumn ?? -1, keyMin: p.keyMin ?? 0, keyCount: p.keyCount ?? 0,
    blocks: p.blocks ?? null,
  };
}

export function chunkBytes(c: ColumnChunk): number {
  return (c.validity?.byteLength ?? 0) + (c.rank?.byteLength ?? 0) + (c.packed?.byteLength ?? 0) +
    (c.f64?.byteLength ?? 0) + (c.u32?.byteLength ?? 0) + (c.bytes?.byteLength ?? 0) + (c.blocks?.byteLength ?? 0);
}
