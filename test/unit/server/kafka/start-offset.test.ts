import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { chooseStart } from "../../../../server/kafka/start-offset.ts";

describe("chooseStart", () => {
  test("the cases of the rule", () => {
    const low = 10n, high = 100n;
    expect([
      chooseStart(50n, 40n, low, high),   // crashed between WAL and commit: the log is ahead
      chooseStart(50n, 50n, low, high),   // clean stop: both agree
      chooseStart(30n, 60n, low, high),   // the partition was elsewhere meanwhile: the group is ahead
      chooseStart(null, 60n, low, high),  // never owned here
      chooseStart(50n, null, low, high),  // group offsets lost or another group name: the log
      chooseStart(null, null, low, high), // new group
      chooseStart(5n, null, low, high),   // retention deleted [5, 10)
      chooseStart(null, 120n, low, high), // beyond the end: topic recreated
      chooseStart(100n, 100n, low, high), // caught up: the high watermark itself is valid
    ]).toEqual([
      { offset: 50n, origin: "log", outOfRange: false, wanted: 50n },
      { offset: 50n, origin: "log", outOfRange: false, wanted: 50n },
      { offset: 60n, origin: "committed", outOfRange: false, wanted: 60n },
      { offset: 60n, origin: "committed", outOfRange: false, wanted: 60n },
      { offset: 50n, origin: "log", outOfRange: false, wanted: 50n },
      { offset: 10n, origin: "earliest", outOfRange: false, wanted: 10n },
      { offset: 10n, origin: "log", outOfRange: true, wanted: 5n },
      { offset: 10n, origin: "committed", outOfRange: true, wanted: 120n },
      { offset: 100n, origin: "log", outOfRange: false, wanted: 100n },
    ]);
  });

  test("in range, the start is max(logged, committed), and never below either", () => {
    const seed = Date.now() % 1_000_000;
    console.log(`chooseStart property seed ${seed}`);
    const off = fc.option(fc.bigInt({ min: 0n, max: 1000n }), { nil: null });
    fc.assert(fc.property(off, off, fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 1000n }), (logged, committed, a, b) => {
      const low = a < b ? a : b, high = a < b ? b : a;
      const d = chooseStart(logged, committed, low, high);
      const max = [logged, committed].filter((x) => x !== null).reduce<bigint | null>((m, x) => (m === null || x! > m ? x : m), null);
      const wanted = max ?? low;
      const inRange = wanted >= low && wanted <= high;
      expect({ offset: d.offset, outOfRange: d.outOfRange }).toEqual({ offset: inRange ? wanted : low, outOfRange: !inRange });
    }), { seed });
  });
});
