import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeDenseF64, decodeDenseU32 } from "../../../../engine/column/chunk-decode.ts";
import { encodeNumbers } from "../../../../engine/column/chunk-encode.ts";
import { DELTA_BLOCK, ENCODING_NAMES, makeChunk, type ColumnChunk } from "../../../../engine/column/column-chunk.ts";

const SEED = Number(process.env.SEED ?? 4242);
console.log(`chunk-codec tests: SEED=${SEED}`);

/** -0 and NaN made visible, so toEqual compares exactly what Object.is would. */
const show = (v: number) => (Object.is(v, -0) ? "-0" : Number.isNaN(v) ? "NaN" : v);

function chunkOf(values: number[], integral = false): ColumnChunk {
  const p = encodeNumbers(Float64Array.from(values), values.length, integral);
  return makeChunk({ ...p, rowCount: values.length, nullCount: 0 });
}

function decode(c: ColumnChunk, start: number, count: number): number[] {
  const out = new Float64Array(count + 1), tmp = new Uint32Array(count + DELTA_BLOCK);
  decodeDenseF64(c, start, count, out, tmp);
  return Array.from(out.subarray(0, count));
}

function roundTrip(values: number[]) {
  const c = chunkOf(values);
  const mid = values.length >> 1;
  return {
    encoding: ENCODING_NAMES[c.encoding],
    all: decode(c, 0, values.length).map(show),
    tail: decode(c, mid, values.length - mid).map(show),
  };
}

const expected = (encoding: string, values: number[]) => ({
  encoding, all: values.map(show), tail: values.slice(values.length >> 1).map(show),
});

describe("numeric chunk encodings", () => {
  test("each encoding is chosen where it is smallest and decodes exactly", () => {
    const ramp = Array.from({ length: 5000 }, (_, i) => 1.7e12 + i * 1000 + (i % 3));
    const runs = [...Array(1000).fill(1.5), ...Array(1000).fill(NaN), ...Array(1000).fill(-2.25)];
    const cases: [string, number[]][] = [
      ["constant", [7, 7, 7, 7]],
      ["constant", [NaN, NaN, NaN]],
      ["constant", [-0, -0]],
      ["for", [-5, 3, 100_000, -2147483648, 7]],
      ["for", [19.99, 0.01, 1234.5, -0.29, 0]],
      ["for", [21.4, 15.5, 30.1]],
      ["for", [2 ** 53, 2 ** 53 - 5, 2 ** 53 - 1000]],
      ["delta", ramp],
      ["rle", runs],
      ["raw", [Math.PI, 1e300, -0, NaN, 2 ** 60 + 2 ** 9, -Infinity, 5e-324]],
      ["raw", [0, -0, 1, 2]],
      ["raw", [2 ** 53, -(2 ** 53), 1e300, 1]],
      ["raw", [0.1 + 0.2, 0.3]],
      ["raw", [2 ** 53, -213_325]], // one step of ~2^53 would not be exact as a DELTA
    ];
    expect(cases.map(([, v]) => roundTrip(v))).toEqual(cases.map(([e, v]) => expected(e, v)));
  });

  test("FOR and CONSTANT codes decode straight to u32, the rest through f64", () => {
    const values = [[3, 9, 4, 3], [5, 5, 5], Array.from({ length: 3000 }, (_, i) => (i < 1500 ? 1 : 2 ** 32 - 1))];
    const got = values.map((v) => {
      const c = chunkOf(v, true);
      const out = new Uint32Array(v.length), tmp = new Uint32Array(v.length + DELTA_BLOCK), f64 = new Float64Array(v.length);
      decodeDenseU32(c, 1, v.length - 1, out, tmp, f64);
      return { encoding: ENCODING_NAMES[c.encoding], codes: Array.from(out.subarray(0, v.length - 1)) };
    });
    expect(got).toEqual([
      { encoding: "for", codes: [9, 4, 3] }, { encoding: "constant", codes: [5, 5] },
      { encoding: "rle", codes: values[2]!.slice(1) },
    ]);
  });

  test("any mix of values round-trips from any start (property)", () => {
    const value = fc.oneof(
      fc.integer({ min: -1000, max: 1000 }),
      fc.integer({ min: -1000, max: 1000 }).map((x) => x / 100),
      fc.constantFrom(NaN, -0, 0, Infinity, 1e300, 2 ** 53, -(2 ** 53), 1.7e12),
      fc.double(),
    );
    const column = fc.oneof(
      fc.array(value, { minLength: 1, maxLength: 3000 }),
      fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 40 })).map(([n, step, jitter]) =>
        Array.from({ length: n }, (_, i) => 1.7e12 + i * step + ((i * 7919) % jitter))),
      fc.tuple(fc.array(value, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 500 })).map(([vs, run]) => vs.flatMap((v) => Array(run).fill(v))),
    );
    fc.assert(
      fc.property(column, fc.nat(), fc.nat(), (values, s, c) => {
        const chunk = chunkOf(values);
        const start = s % values.length, count = c % (values.length - start + 1);
        expect(decode(chunk, start, count).map(show)).toEqual(values.slice(start, start + count).map(show));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});
