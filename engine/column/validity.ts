// Validity bitmaps: bit i (byte i >> 3, bit i & 7, LSB first) set = row i holds a value. This is the
// layout of the batch codec, so batch bitmaps are read in place. A null bitmap means "no nulls".
//
// Rank directories let a sealed chunk, which stores only its non-null values back to back, find the
// dense index of any row without counting from the start: rank[b] = set bits before row b * RANK_ROWS.

/** Rows per rank-directory entry; a multiple of 8, and SCAN_BATCH_ROWS is a multiple of it. */
export const RANK_ROWS = 512;

/** Set bits of each byte value. */
export const POPCOUNT8 = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

export function bitmapBytes(rows: number): number {
  return (rows + 7) >> 3;
}

export function isValid(bitmap: Uint8Array | null, row: number): boolean {
  return bitmap === null || (bitmap[row >> 3]! & (1 << (row & 7))) !== 0;
}

/** Set bits in rows [0, rows). */
export function countValid(bitmap: Uint8Array, rows: number): number {
  const full = rows >> 3;
  let n = 0;
  for (let i = 0; i < full; i++) n += POPCOUNT8[bitmap[i]!]!;
  if (rows & 7) n += POPCOUNT8[bitmap[full]! & ((1 << (rows & 7)) - 1)]!;
  return n;
}

/** Builds the rank directory of a bitmap over `rows` rows. */
export function buildRank(bitmap: Uint8Array, rows: number): Uint32Array {
  const blocks = Math.ceil(rows / RANK_ROWS);
  const rank = new Uint32Array(blocks);
  const bytesPerBlock = RANK_ROWS >> 3, last = bitmapBytes(rows);
  let n = 0;
  for (let b = 0; b < blocks; b++) {
    rank[b] = n;
    const end = Math.min(last, (b + 1) * bytesPerBlock);
    for (let i = b * bytesPerBlock; i < end; i++) n += POPCOUNT8[bitmap[i]!]!;
  }
  return rank;
}

/** Set bits before `row`, a multiple of 8. */
export function rankAt(bitmap: Uint8Array, rank: Uint32Array, row: number): number {
  const b = Math.floor(row / RANK_ROWS);
  let n = rank[b]!;
  const end = row >> 3;
  for (let i = b * (RANK_ROWS >> 3); i < end; i++) n += POPCOUNT8[bitmap[i]!]!;
  return n;
}

/** Set bits in rows [row, row + count), `row` a multiple of 8. */
export function countValidFrom(bitmap: Uint8Array, row: number, count: number): number {
  const first = row >> 3, full = count >> 3;
  let n = 0;
  for (let i = 0; i < full; i++) n += POPCOUNT8[bitmap[first + i]!]!;
  if (count & 7) n += POPCOUNT8[bitmap[first + full]! & ((1 << (count & 7)) - 1)]!;
  return n;
}
