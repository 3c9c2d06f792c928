// The HyperLogLog wire format: round trips in every state, golden bytes derived by hand from the
// diagram in engine/aggregate/hll-codec.ts, and fuzzing of decode (random, truncated and bit-flipped
// input must throw EngineError("data_corrupt") or decode to a sketch that encodes back to the same
// bytes; never another error, never a hang).

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Hll, sparseMax } from "../../../../engine/aggregate/hll.ts";
import { addIds, engineErrorOf, registersOf, sketchOf } from "./hll-feed.ts";

const SEED = Number(process.env.SEED ?? 31337);
console.log(`hll codec tests: SEED=${SEED}`);

/** A sketch in any state: empty, a few entries (inline), sparse, around sparseMax, dense, or merged from two. */
const anySketch = fc.record({
  p: fc.integer({ min: 4, max: 14 }), scale: fc.constantFrom(0, 0.01, 0.5, 1, 1.01, 4, 40), extra: fc.nat(50),
  merged: fc.boolean(), first: fc.nat(2 ** 40),
}).map(({ p, scale, extra, merged, first }) => {
  const n = scale === 0 ? extra % 9 : Math.floor(scale * sparseMax(p)) + extra;
  const h = sketchOf(p, 0, n, first);
  if (merged) h.merge(sketchOf(p, n, n + extra * 3, first));
  return h;
});

/** decode either throws data_corrupt or gives a sketch whose encoding is the input itself. */
function decodeCleanly(bytes: Uint8Array): "corrupt" | "canonical" | string {
  let h: Hll;
  try {
    h = Hll.decode(bytes);
  } catch (e) {
    const err = engineErrorOf(() => { throw e; });
    return err?.[0] === "data_corrupt" ? "corrupt" : `unexpected ${err}`;
  }
  const again = h.encode();
  const same = again.length === bytes.length && again.every((v, i) => v === bytes[i]);
  return same && Number.isFinite(h.estimate()) ? "canonical" : "decoded to different bytes";
}

describe("Hll encoding", () => {
  test("round trips every state exactly (property)", () => {
    const states = new Set<string>();
    fc.assert(fc.property(anySketch, (h) => {
      states.add(h.isSparse ? (h.bytes === new Hll().bytes ? (h.estimate() === 0 ? "empty" : "inline") : "sparse") : "dense");
      const back = Hll.decode(h.encode());
      expect({ bytes: Array.from(back.encode()), sparse: back.isSparse, est: back.estimate(), regs: registersOf(back) })
        .toEqual({ bytes: Array.from(h.encode()), sparse: h.isSparse, est: h.estimate(), regs: registersOf(h) });
    }), { seed: SEED, numRuns: 300 });
    expect([...states].sort()).toEqual(["dense", "empty", "inline", "sparse"]);
  });

  test("golden bytes: one sparse entry and a dense p = 4 sketch, laid out as the header diagram says", () => {
    const sparse = new Hll(14);
    // hi = 0x80000000: idx' = 2^24; the 7 bits below it and lo's 31 leading bits are zero: rank' = 39.
    // entry = 2^24 << 6 | 39 = 0x40000027 -> varint a7 80 80 80 04.
    sparse.add(1, 0x80000000);
    // Registers 1, 2, 3, 4 then zeros: 1 | 2 << 6 | 3 << 12 | 4 << 18 = 0x103081 -> 81 30 10.
    const dense = Hll.decode(new Uint8Array([1, 4, 1, 0x81, 0x30, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect({ sparse: Array.from(sparse.encode()), empty: Array.from(new Hll(4).encode()), regs: registersOf(dense) }).toEqual({
      sparse: [1, 14, 0, 1, 0xa7, 0x80, 0x80, 0x80, 0x04], empty: [1, 4, 0, 0], regs: [1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    });
  });

  test("malformed input is rejected with a message that names the numbers", () => {
    const cases: number[][] = [
      [1, 14], [2, 14, 0, 0], [1, 3, 0, 0], [1, 19, 0, 0], [1, 14, 2, 0], [1, 4, 1, 0, 0],
      [1, 4, 1, 0xc0, 0x0f, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 14, 0, 0x80, 0x00], [1, 14, 0, 5, 1],
      [1, 4, 0, 5, 1, 1, 1, 1, 1], [1, 14, 0, 1, 0x40], [1, 14, 0, 1, 41], [1, 14, 0, 2, 65, 1],
      [1, 14, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x08], [1, 14, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], [1, 14, 0, 0, 7], [1, 14, 0, 1, 0x81],
    ];
    expect(cases.map((c) => engineErrorOf(() => Hll.decode(new Uint8Array(c))))).toEqual([
      ["data_corrupt", "hll encoding of 2 bytes is shorter than its 3-byte header"],
      ["data_corrupt", "hll encoding version 2 is not 1"],
      ["data_corrupt", "hll precision 3 is outside 4..18"],
      ["data_corrupt", "hll precision 19 is outside 4..18"],
      ["data_corrupt", "hll encoding kind 2 is neither sparse (0) nor dense (1)"],
      ["data_corrupt", "hll dense encoding of 5 bytes is not 15 at precision 4"],
      ["data_corrupt", "hll register 1 holds 63, more than 61 at precision 4"],
      ["data_corrupt", "hll varint ending at byte 4 is not minimal"],
      ["data_corrupt", "hll sparse count 5 exceeds the 1 bytes left"],
      ["data_corrupt", "hll sparse count 5 exceeds 4 at precision 4"],
      ["data_corrupt", "hll sparse rank 0 at 0 is outside 1..40"],
      ["data_corrupt", "hll sparse rank 41 at 0 is outside 1..40"],
      ["data_corrupt", "hll sparse index 1 at 1 does not follow 1"],
      ["data_corrupt", "hll sparse entry 2147483648 at 0 exceeds 2^31"],
      ["data_corrupt", "hll varint ending at byte 8 is longer than 5 bytes"],
      ["data_corrupt", "hll sparse encoding has 1 trailing bytes"],
      ["data_corrupt", "hll varint runs past the end at byte 5"],
    ]);
  });
});

describe("Hll decode fuzzing", () => {
  test("random bytes, with and without a valid header, decode cleanly (property)", () => {
    const header = fc.tuple(fc.constant(1), fc.integer({ min: 4, max: 8 }), fc.integer({ min: 0, max: 1 }));
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(header, fc.uint8Array({ maxLength: 200 })).map(([h, body]) => new Uint8Array([...h, ...body])),
      // Dense bodies of exactly the right length, so register validation is reached.
      fc.integer({ min: 4, max: 8 }).chain((p) => fc.uint8Array({ minLength: (3 << p) / 4, maxLength: (3 << p) / 4 })
        .map((body) => new Uint8Array([1, p, 1, ...body]))),
    );
    const outcomes = new Set<string>();
    fc.assert(fc.property(input, (bytes) => {
      const r = decodeCleanly(bytes);
      outcomes.add(r);
      expect(r === "corrupt" || r === "canonical" ? "clean" : r).toEqual("clean");
    }), { seed: SEED, numRuns: 3000 });
    expect([...outcomes].sort()).toEqual(["canonical", "corrupt"]);
  });

  test("every truncation of a valid encoding is rejected (property)", () => {
    fc.assert(fc.property(anySketch, fc.nat(), (h, cut) => {
      const bytes = h.encode();
      const r = decodeCleanly(bytes.subarray(0, cut % bytes.length));
      expect(r).toEqual("corrupt");
    }), { seed: SEED, numRuns: 500 });
  });

  test("single and multiple bit flips decode cleanly (property)", () => {
    const outcomes = new Set<string>();
    fc.assert(fc.property(anySketch, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (h, flips) => {
      const bytes = h.encode().slice();
      for (const f of flips) bytes[(f >>> 3) % bytes.length]! ^= 1 << (f & 7);
      const r = decodeCleanly(bytes);
      outcomes.add(r);
      expect(r === "corrupt" || r === "canonical" ? "clean" : r).toEqual("clean");
    }), { seed: SEED, numRuns: 1000 });
    expect([...outcomes].sort()).toEqual(["canonical", "corrupt"]);
  });

  test("a decoded sketch keeps working: adds and merges after decode match the original", () => {
    const h = sketchOf(12, 0, 800, SEED), d = Hll.decode(h.encode());
    addIds(h, SEED, 1, 800, 3000);
    addIds(d, SEED, 1, 800, 3000);
    expect(Array.from(d.encode())).toEqual(Array.from(h.encode()));
  });
});
