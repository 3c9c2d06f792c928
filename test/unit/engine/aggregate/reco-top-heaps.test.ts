import { expect, test } from "bun:test";
import fc from "fast-check";
import { TopHeaps } from "../../../../engine/aggregate/reco-top-heaps.ts";

const seed = Number(process.env.SEED ?? 20261209);
console.log(`reco-top-heaps seed=${seed}`);

test("each group's heap holds exactly its top C by (score desc, id asc) after any sequence of rises", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 3 })), { maxLength: 400 }),
    (capacity, groups, rises) => {
      const h = new TopHeaps(capacity, 1);
      h.ensureGroups(groups);
      h.ensureItems(30);
      const score = new Float64Array(30), groupOf = (x: number) => x % groups;
      for (const [x, inc] of rises) { score[x]! += inc; if (score[x]! > 0) h.update(groupOf(x), x, score); }
      const got: number[][] = [], want: number[][] = [];
      for (let g = 0; g < groups; g++) {
        got.push(Array.from(h.heap.subarray(g * capacity, g * capacity + h.size[g]!)).sort((a, b) => a - b));
        const members = Array.from({ length: 30 }, (_, x) => x).filter((x) => groupOf(x) === g && score[x]! > 0);
        want.push(members.sort((a, b) => score[b]! - score[a]! || a - b).slice(0, capacity).sort((a, b) => a - b));
      }
      expect(got).toEqual(want);
    }), { seed, numRuns: 300 });
});
