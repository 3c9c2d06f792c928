import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { CodeSlotMap } from "../../../../engine/aggregate/code-slot-map.ts";

const SEED = Number(process.env.SEED ?? 31337);
console.log(`code-slot-map tests: SEED=${SEED}`);

describe("CodeSlotMap", () => {
  test("behaves like a Map under inserts and deletes, through growth and backward shifts (property)", () => {
    // Mostly a few dozen keys, so the table stays small and dense and probe runs wrap around its end.
    const op = fc.record({ key: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 40 }), weight: 8 }, fc.integer({ min: 0, max: 2 ** 30 })), del: fc.boolean() });
    fc.assert(fc.property(fc.array(op, { maxLength: 2000, size: "max" }), (ops) => {
      const m = new CodeSlotMap(), ref = new Map<number, number>();
      ops.forEach(({ key, del }, i) => {
        if (del && ref.has(key)) {
          m.delete(key);
          ref.delete(key);
        } else if (!del && !ref.has(key)) {
          m.set(key, i);
          ref.set(key, i);
        }
      });
      const probe = [...new Set([...ops.map((o) => o.key), 201, 999])];
      expect({ size: m.size, got: probe.map((k) => m.get(k)) }).toEqual({ size: ref.size, got: probe.map((k) => ref.get(k) ?? -1) });
    }), { seed: SEED, numRuns: 200 });
  });
});
