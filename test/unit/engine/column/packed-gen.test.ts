// Width-specialised kernels (packed-gen.ts) against the plain unpack (bit-pack.ts), every width,
// block-aligned starts, lengths with and without a tail, random values including the widest.
import { describe, expect, test } from "bun:test";
import { maskOf, packInts, unpackInts } from "../../../../engine/column/bit-pack.ts";
import { keepEqualRange, keepRange } from "../../../../engine/column/packed-kernels.ts";
import {
  combineI32Kernel, gatherI32Kernel, gatherU32Kernel, generated, keepKernel, unpackF64Kernel, unpackI32Kernel, unpackU32Kernel,
} from "../../../../engine/column/packed-gen.ts";

const SEED = Number(process.env.SEED ?? 4242);
console.log(`packed-gen tests: SEED=${SEED}`);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WIDTHS = Array.from({ length: 31 }, (_, i) => i + 1).filter((w) => w !== 8 && w !== 16);

describe("generated bit-unpacking kernels", () => {
  test("packed widths have kernels, unpacked ones (0, 8, 16, 32) do not", () => {
    expect([generated(0, 0), generated(5, 0), generated(5, 33), generated(8, 0), generated(16, 64), generated(31, 4096), generated(32, 0)])
      .toEqual([false, true, true, false, false, true, false]);
  });

  test("every kernel equals the plain unpack at every width", () => {
    const rand = rng(SEED), bad: string[] = [];
    for (const width of WIDTHS) {
      const count = 700, max = maskOf(width) >>> 0;
      const values = new Float64Array(count);
      for (let i = 0; i < count; i++) values[i] = Math.floor(rand() * (max + 1));
      values[3] = max;
      const data = packInts(values, count, 0, width) as Uint32Array;
      const table = Int32Array.from({ length: max + 1 > 1 << 16 ? 1 << 16 : max + 1 }, (_, k) => k * 7 - 3);
      const state = new Uint8Array(1 << 16).map((_, c) => (c % 3 === 0 ? 1 : 2));
      for (const [start, n] of [[0, 700], [32, 1], [64, 31], [96, 32], [128, 500], [640, 60], [5, 3], [7, 90], [33, 31], [31, 600], [650, 50]] as const) {
        const plain = new Uint32Array(n);
        unpackInts(data, width, start, n, plain);
        const u32 = new Uint32Array(n), i32 = new Int32Array(n), f64 = new Float64Array(n), f64s = new Float64Array(n);
        const comb = Int32Array.from({ length: n }, (_, i) => i % 7);
        combineI32Kernel(width)(data, start, n, 5, 3, comb);
        unpackU32Kernel(width)(data, start, n, 5, u32);
        unpackI32Kernel(width)(data, start, n, 5, i32);
        unpackF64Kernel(width, 1)(data, start, n, 5, 1, f64);
        unpackF64Kernel(width, 100)(data, start, n, 5, 100, f64s);
        const want = Array.from(plain, (p) => p + 5);
        const small = width <= 16;
        const gi = new Int32Array(n), gu = new Uint32Array(n);
        if (small) {
          gatherI32Kernel(width)(data, start, n, table, gi);
          gatherU32Kernel(width)(data, start, n, new Uint32Array(table.buffer), gu);
        }
        const sel = new Int32Array(n);
        const kept = small ? keepKernel(width)(data, start, n, state, 0, () => 2, sel) : 0;
        const wantKept = small ? Array.from(plain).flatMap((p, i) => (p % 3 === 0 ? [i] : [])) : [];
        const ok = Array.from(u32).join() === want.join() && Array.from(comb).join() === want.map((x, i) => ((i % 7) * 3 + x) | 0).join() && Array.from(i32).join() === want.map((x) => x | 0).join() &&
          Array.from(f64).join() === want.join() && Array.from(f64s).join() === want.map((x) => x / 100).join() &&
          (!small || (Array.from(gi).join() === Array.from(plain, (p) => table[p]).join() &&
            Array.from(gu).join() === Array.from(plain, (p) => table[p]! >>> 0).join() &&
            Array.from(sel.subarray(0, kept)).join() === wantKept.join()));
        if (!ok) bad.push(`width ${width} start ${start} n ${n}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test("keeping one code equals keeping by a state table, generated or not, at every width and start", () => {
    const rand = rng(SEED + 1), bad: string[] = [];
    for (const width of [0, ...WIDTHS, 8, 16, 32]) {
      const count = 300, max = width === 32 ? 2 ** 32 - 1 : 2 ** width - 1;
      const values = Float64Array.from({ length: count }, () => Math.floor(rand() * Math.min(max + 1, 6)));
      const data = packInts(values, count, 0, width);
      for (const [start, n] of [[0, 300], [32, 200], [5, 100], [64, 7]] as const) {
        for (const t of [0, 3, 9]) {
          const a = new Int32Array(n), b = new Int32Array(n);
          const state = new Uint8Array(16).fill(2);
          state[t] = 1;
          const na = keepEqualRange(data, width, start, n, t, a), nb = keepRange(data, width, start, n, state, 0, () => 2, b);
          if (na !== nb || a.subarray(0, na).join() !== b.subarray(0, nb).join()) bad.push(`width ${width} start ${start} t ${t}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  test("keep decides unknown codes once through resolve", () => {
    const values = Float64Array.from({ length: 96 }, (_, i) => i % 6);
    const data = packInts(values, 96, 0, 3) as Uint32Array;
    const state = new Uint8Array(16), asked: number[] = [], sel = new Int32Array(96);
    const kept = keepKernel(3)(data, 0, 96, state, 10, (c) => { asked.push(c); return (state[c] = c === 12 ? 1 : 2); }, sel);
    expect({ kept, first: Array.from(sel.subarray(0, 3)), asked }).toEqual({ kept: 16, first: [2, 8, 14], asked: [10, 11, 12, 13, 14, 15] });
  });
});
