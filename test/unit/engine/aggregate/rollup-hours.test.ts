// FineHourCache: an hour table is the merge of that hour's minute cells, reused while its version
// holds, rebuilt when the version moves, and the cache stays within its byte bound (LRU).

import { expect, test } from "bun:test";
import { CellTable, MEASURE_INDEX } from "../../../../engine/aggregate/rollup-cells.ts";
import { FineHourCache, HOUR_MS } from "../../../../engine/aggregate/rollup-hours.ts";

const MIN = 60_000, H0 = Math.floor(Date.UTC(2026, 11, 4) / HOUR_MS);

/** A fine level with `users` distinct users per minute of hours H0 .. H0 + hours - 1, campaign id = minute % 3. */
function fineLevel(hours: number, users: number): { fine: CellTable } {
  const fine = new CellTable(1, 14), ids = new Int32Array(1);
  for (let m = 0; m < hours * 60; m++) {
    ids[0] = m % 3;
    const cell = fine.cellOf(H0 * 60 + m, ids);
    fine.measures[MEASURE_INDEX.events]![cell]! += users;
    for (let u = 0; u < users; u++) {
      const h = BigInt(Bun.hash(`user-${m}-${u}`));
      fine.sketches[cell]!.add(Number(h & 0xffffffffn), Number(h >> 32n));
    }
  }
  return { fine };
}

test("an hour table merges the hour's minutes per key, and is reused while its version holds", () => {
  const level = fineLevel(2, 5), cache = new FineHourCache(MIN);
  const t = cache.hour(level, H0 + 1, 7);
  const cells = t.byBucket.get(H0 + 1)!;
  expect(cells.map((c) => [t.idOf(c, 0), t.measures[MEASURE_INDEX.events]![c]])).toEqual([[0, 100], [1, 100], [2, 100]]);
  // Each key's sketch is the union of its 20 minutes' 5 users (all distinct): about 100.
  for (const c of cells) expect(Math.abs(t.sketches[c]!.estimate() - 100)).toBeLessThan(3);
  expect(cache.hour(level, H0 + 1, 7)).toBe(t);
  expect(cache.hour(level, H0 + 1, 8)).not.toBe(t);
  expect(cache.counters).toEqual({ hits: 1, builds: 2, evictions: 0 });
});

test("the cache stays within its byte bound, dropping the least recently used hour", () => {
  const level = fineLevel(3, 2000);
  const one = new FineHourCache(MIN).hour(level, H0, 1).bytes;
  const cache = new FineHourCache(MIN, Math.floor(one * 2.5));
  const ask = (h: number) => { cache.beginQuery(); cache.hour(level, h, 1); }; // one query each
  ask(H0);
  ask(H0 + 1);
  ask(H0); // H0 is now the most recently used
  ask(H0 + 2); // evicts H0 + 1
  expect(cache.counters).toEqual({ hits: 1, builds: 3, evictions: 1 });
  expect(cache.byteSize).toBeLessThanOrEqual(Math.floor(one * 2.5));
  ask(H0);
  ask(H0 + 1);
  expect(cache.counters).toEqual({ hits: 2, builds: 4, evictions: 2 });
  cache.dropBefore(H0 + 2);
  expect(cache.byteSize).toBe(0);
});

test("a query needing more tables than fit keeps what fits and still hits when repeated", () => {
  const level = fineLevel(6, 2000);
  const one = new FineHourCache(MIN).hour(level, H0, 1).bytes;
  const cache = new FineHourCache(MIN, Math.floor(one * 3.5)); // room for 3 of the 6 hours
  const query = () => { cache.beginQuery(); for (let h = 0; h < 6; h++) cache.hour(level, H0 + h, 1); };
  query();
  expect(cache.counters).toEqual({ hits: 0, builds: 6, evictions: 0 });
  query();
  query();
  // The first three hours stay and hit; the last three are built each time and not kept.
  expect(cache.counters).toEqual({ hits: 6, builds: 12, evictions: 0 });
  expect(cache.byteSize).toBeLessThanOrEqual(Math.floor(one * 3.5));
  // Another query's tables make room for a new one: the least recently used go first.
  cache.beginQuery();
  cache.hour(level, H0 + 5, 1);
  expect(cache.counters.evictions).toBe(1);
});
