import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { bitWidth, packedBytes, packInts, unpackInts } from "../../../../engine/column/bit-pack.ts";

const SEED = Number(process.env.SEED ?? 99);
console.log(`bit-pack tests: SEED=${SEED}`);

describe("bit packing", () => {
  test("bit widths and packed sizes", () => {
    expect({
      widths: [0, 1, 2, 3, 255, 256, 2 ** 31, 2 ** 32 - 1].map(bitWidth),
      bytes: [[10, 0], [10, 8], [10, 16], [10, 32], [10, 3], [3, 31]].map(([n, w]) => packedBytes(n!, w!)),
      kinds: [0, 5, 8, 16, 32].map((w) => packInts(new Float64Array([1, 1]), 2, 1, w)?.constructor.name ?? null),
    }).toEqual({
      widths: [0, 1, 2, 2, 8, 9, 32, 32],
      bytes: [0, 10, 20, 40, 4, 12],
      kinds: [null, "Uint32Array", "Uint8Array", "Uint16Array", "Uint32Array"],
    });
  });

  test("round-trips any width from any start (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (width, n, s, c) => {
        const max = width === 32 ? 2 ** 32 - 1 : 2 ** width - 1;
        const base = -12345;
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) values[i] = base + Math.floor(((Math.imul(i + 1, 0x9e3779b1) >>> 0) / 2 ** 32) * (max + 1));
        values[0] = base + max; // the widest value always occurs
        const packed = packInts(values, n, base, width);
        const start = s % n, count = c % (n - start + 1);
        const out = new Uint32Array(count + 1).fill(7);
        unpackInts(packed, width, start, count, out);
        const want = Array.from(values.subarray(start, start + count), (v) => v - base);
        expect(Array.from(out.subarray(0, count))).toEqual(want);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
