import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Hll, estimateRegisters, sparseMax } from "../../../../engine/aggregate/hll.ts";
import { Rng } from "../../../sim/rng.ts";
import { addIds, registersOf, sigma, sketchOf } from "./hll-feed.ts";

const SEED = Number(process.env.SEED ?? 777);
console.log(`hll merge tests: SEED=${SEED}`);

const stateOf = (h: Hll) => (h.isSparse ? "sparse" : "dense");

/** Two id ranges that may overlap, of a few ids or sized around sparseMax(p), so every state pair occurs. */
const twoSets = fc.integer({ min: 4, max: 12 }).chain((p) => {
  const span = 3 * sparseMax(p), len = fc.oneof(fc.nat(8), fc.nat(span)); // a few (inline entries) or many
  return fc.record({
    p: fc.constant(p), a0: fc.nat(span), aLen: len, b0: fc.nat(span), bLen: len, first: fc.nat(2 ** 40),
  });
});

describe("Hll merge", () => {
  test("merging equals the sketch fed the union, register for register, in every state pair (property)", () => {
    const pairs = new Set<string>();
    fc.assert(fc.property(twoSets, ({ p, a0, aLen, b0, bLen, first }) => {
      const a = sketchOf(p, a0, a0 + aLen, first), b = sketchOf(p, b0, b0 + bLen, first);
      const union = sketchOf(p, a0, a0 + aLen, first);
      addIds(union, first, 1, b0, b0 + bLen);
      const ab = a.clone(), ba = b.clone();
      ab.merge(b);
      ba.merge(a);
      pairs.add(`${stateOf(a)}+${stateOf(b)}->${stateOf(ab)}`);
      const acc = new Uint8Array(1 << p);
      a.mergeInto(acc);
      b.mergeInto(acc);
      const want = { bytes: Array.from(union.encode()), estimate: union.estimate() };
      expect({
        ab: { bytes: Array.from(ab.encode()), estimate: ab.estimate() }, ba: { bytes: Array.from(ba.encode()), estimate: ba.estimate() },
        acc: Array.from(acc),
      }).toEqual({ ab: want, ba: want, acc: registersOf(union) });
    }), { seed: SEED, numRuns: 300 });
    expect([...pairs].sort()).toEqual([
      "dense+dense->dense", "dense+sparse->dense", "sparse+dense->dense", "sparse+sparse->dense", "sparse+sparse->sparse",
    ]);
  });

  test("order and repetition of adds do not matter (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 4, max: 12 }), fc.array(fc.nat(5000), { maxLength: 3000, size: "max" }), fc.nat(2 ** 31), (p, ids, shuffleSeed) => {
      const forward = new Hll(p), shuffled = new Hll(p), rng = new Rng(shuffleSeed);
      for (const id of ids) addIds(forward, id, 0, 0, 1);
      const copy = [...ids, ...ids.slice(0, ids.length >> 1)];
      for (let i = copy.length - 1; i > 0; i--) { const j = rng.int(0, i); [copy[i], copy[j]] = [copy[j]!, copy[i]!]; }
      for (const id of copy) addIds(shuffled, id, 0, 0, 1);
      expect(Array.from(shuffled.encode())).toEqual(Array.from(forward.encode()));
    }), { seed: SEED, numRuns: 200 });
  });

  test("merging a sketch into itself, or an empty one into it, changes nothing", () => {
    const h = sketchOf(12, 0, 700, SEED), before = Array.from(h.encode());
    h.merge(h);
    h.merge(new Hll(12));
    const d = sketchOf(12, 0, 9000, SEED), dBefore = Array.from(d.encode());
    d.merge(new Hll(12));
    expect([Array.from(h.encode()), Array.from(d.encode())]).toEqual([before, dBefore]);
  });
});

describe("Hll hour rollup: 60 minute sketches into one accumulator", () => {
  test("mergeInto over 60 sparse minutes equals the sketch of the hour's users; the estimate is within 3 standard errors", () => {
    const rng = new Rng(SEED);
    // A returning audience: each minute sees 100..400 users drawn from 20k, with repeats across minutes.
    const minutes: Hll[] = [], hour = new Hll(14), seen = new Set<number>();
    for (let m = 0; m < 60; m++) {
      const h = new Hll(14);
      const users = rng.int(100, 400);
      for (let k = 0; k < users; k++) {
        const id = rng.int(0, 19_999);
        seen.add(id);
        addIds(h, id, 0, 0, 1);
        addIds(hour, id, 0, 0, 1);
      }
      minutes.push(h);
    }
    const acc = new Uint8Array(1 << 14);
    for (const h of minutes) h.mergeInto(acc);
    const est = estimateRegisters(acc, 14);
    expect({
      allSparse: minutes.every((h) => h.isSparse), registers: Array.from(acc).join() === registersOf(hour).join(),
      within: Math.abs(est / seen.size - 1) <= 3 * sigma(14),
    }).toEqual({ allSparse: true, registers: true, within: true });
  });
});
