import { describe, expect, test } from "bun:test";
import { buildRank, countValid, countValidFrom, isValid, rankAt, RANK_ROWS } from "../../../../engine/column/validity.ts";

describe("validity bitmaps", () => {
  test("counts and ranks agree with a bit-by-bit count", () => {
    const rows = RANK_ROWS * 3 + 77;
    const bitmap = new Uint8Array((rows + 7) >> 3);
    for (let r = 0; r < rows; r++) if ((r * 7919) % 5 < 2 || r % 97 === 0) bitmap[r >> 3]! |= 1 << (r & 7);
    const naive = (from: number, to: number) => { let n = 0; for (let r = from; r < to; r++) n += isValid(bitmap, r) ? 1 : 0; return n; };
    const rank = buildRank(bitmap, rows);
    const starts = [0, 8, 504, 512, 520, 1024, 1536, rows & ~7];
    expect({
      total: countValid(bitmap, rows),
      ranks: starts.map((s) => rankAt(bitmap, rank, s)),
      ranges: starts.map((s) => countValidFrom(bitmap, s, Math.min(100, rows - s))),
      nullBitmap: isValid(null, 5),
    }).toEqual({
      total: naive(0, rows),
      ranks: starts.map((s) => naive(0, s)),
      ranges: starts.map((s) => naive(s, s + Math.min(100, rows - s))),
      nullBitmap: true,
    });
  });
});
