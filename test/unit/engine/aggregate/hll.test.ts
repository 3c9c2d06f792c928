import { describe, expect, test } from "bun:test";
import { HLL_P_MAX, HLL_P_MIN, Hll, estimateRegisters, sparseMax } from "../../../../engine/aggregate/hll.ts";
import { hashNumber } from "../../../../engine/aggregate/hash.ts";
import { Rng } from "../../../sim/rng.ts";
import { addIds, addStrings, denseEmpty, engineErrorOf, registersOf, sigma, sketchOf } from "./hll-feed.ts";

const SEED = Number(process.env.SEED ?? 20240601);
console.log(`hll tests: SEED=${SEED}`);

/** Checkpoints 10, 30, 100, 300, ... up to `max`. */
function checkpoints(max: number): number[] {
  const out: number[] = [];
  for (let n = 10; n <= max; n *= 10) { out.push(n); if (3 * n <= max) out.push(3 * n); }
  return out;
}

/** For each checkpoint n: is the estimate within 3 standard errors of n (and the error itself, for the report). */
function within3Sigma(n: number, estimate: number, p: number): { n: number; ok: boolean; error: string } {
  const rel = estimate / n - 1;
  return { n, ok: Math.abs(rel) <= 3 * sigma(p), error: rel.toFixed(5) };
}

describe("Hll accuracy", () => {
  test("estimates 10 to 10M distinct ids within 3 standard errors (p = 14)", () => {
    const rng = new Rng(SEED);
    const first = rng.int(0, 2 ** 40), stride = rng.int(1, 1000);
    const h = new Hll(14);
    const got = [];
    let fed = 0;
    for (const n of checkpoints(10_000_000)) {
      addIds(h, first, stride, fed, n);
      fed = n;
      got.push(within3Sigma(n, h.estimate(), 14));
    }
    console.log(`ids first=${first} stride=${stride}: relative errors ${got.map((g) => `${g.n}:${g.error}`).join(" ")}`);
    expect(got.map(({ n, ok }) => ({ n, ok }))).toEqual(checkpoints(10_000_000).map((n) => ({ n, ok: true })));
  });

  test("estimates 10 to 1M distinct strings within 3 standard errors (p = 14), and exactly-ish while sparse", () => {
    const h = new Hll(14);
    const prefix = `user-${SEED}-`;
    const got = [];
    let fed = 0;
    for (const n of checkpoints(1_000_000)) {
      addStrings(h, prefix, fed, n);
      fed = n;
      // While sparse, linear counting over 2^25 registers is off by far less than one part in 1000.
      const sparseOk = !h.isSparse || Math.abs(h.estimate() - n) <= Math.max(0.5, n / 1000);
      got.push({ ...within3Sigma(n, h.estimate(), 14), sparseOk });
    }
    console.log(`strings: relative errors ${got.map((g) => `${g.n}:${g.error}`).join(" ")}`);
    expect(got.map(({ n, ok, sparseOk }) => ({ n, ok, sparseOk })))
      .toEqual(checkpoints(1_000_000).map((n) => ({ n, ok: true, sparseOk: true })));
  });

  test("every precision 4..18: sparse up to sparseMax(p) entries, dense past it, within 3 standard errors", () => {
    const rng = new Rng(SEED ^ 0x5bd1e995);
    const got = [], want = [];
    for (let p = HLL_P_MIN; p <= HLL_P_MAX; p++) {
      const first = rng.int(0, 2 ** 40), small = sparseMax(p), large = 8 << p;
      const h = sketchOf(p, 0, small, first);
      const sparse = h.isSparse, smallOk = within3Sigma(small, h.estimate(), p).ok;
      addIds(h, first, 1, small, large);
      got.push({ p, sparse, smallOk, dense: !h.isSparse, largeOk: within3Sigma(large, h.estimate(), p).ok });
      want.push({ p, sparse: true, smallOk: true, dense: true, largeOk: true });
    }
    expect(got).toEqual(want);
  });

  test("an empty sketch estimates 0, sparse or dense", () => {
    expect([new Hll().estimate(), denseEmpty(14).estimate(), estimateRegisters(new Uint8Array(16), 4)]).toEqual([0, 0, 0]);
  });
});

describe("Hll sparse to dense", () => {
  test("the estimate is continuous across the transition, and conversion is exact", () => {
    const got = [], want = [];
    for (const p of [8, 12, 14, 16]) {
      const h = new Hll(p), direct = denseEmpty(p), out = new Uint32Array(2);
      let n = 0, before = 0;
      while (h.isSparse) {
        before = h.estimate();
        hashNumber(SEED + n, out, 0);
        h.add(out[0]!, out[1]!);
        direct.add(out[0]!, out[1]!);
        n++;
      }
      const after = h.estimate();
      got.push({
        p, jumpOk: Math.abs(after - before) <= 3 * sigma(p) * n, afterOk: within3Sigma(n, after, p).ok,
        atSparseMaxPlusOne: n >= sparseMax(p) + 1, sameRegisters: registersOf(h).join() === registersOf(direct).join(),
      });
      want.push({ p, jumpOk: true, afterOk: true, atSparseMaxPlusOne: true, sameRegisters: true });
    }
    expect(got).toEqual(want);
  });

  test("a sparse sketch's registers equal those of a dense sketch fed the same hashes, at every precision", () => {
    const got = [], want = [];
    for (let p = HLL_P_MIN; p <= HLL_P_MAX; p++) {
      const sparse = sketchOf(p, 0, sparseMax(p), SEED), dense = denseEmpty(p);
      addIds(dense, SEED, 1, 0, sparseMax(p));
      got.push({ p, sparse: sparse.isSparse, same: registersOf(sparse).join() === registersOf(dense).join() });
      want.push({ p, sparse: true, same: true });
    }
    expect(got).toEqual(want);
  });

  test("hashes at the edges: all-zero bits after the index give the largest rank, sparse and dense alike", () => {
    const got = [];
    for (const p of [4, 14, 18]) {
      const s = new Hll(p), d = denseEmpty(p);
      for (const [lo, hi] of [[0, 0], [0, -1 >>> (p + 1)], [1, 0], [0xffffffff, 0xffffffff], [0x80000000, 0x00000001]]) {
        s.add(lo!, hi!);
        d.add(lo!, hi!);
      }
      const r = registersOf(d);
      got.push({ p, same: registersOf(s).join() === r.join(), max: Math.max(...r) });
    }
    // [0, 0] has every bit after the index zero: rank 64 - p + 1.
    expect(got).toEqual([{ p: 4, same: true, max: 61 }, { p: 14, same: true, max: 51 }, { p: 18, same: true, max: 47 }]);
  });
});

describe("Hll memory and errors", () => {
  test("a sparse sketch of a handful of users holds tens of bytes", () => {
    const four = sketchOf(14, 0, 4, SEED), five = sketchOf(14, 0, 5, SEED);
    // Up to 4 entries live in the object's fields (80 bytes on Bun 1.4.5); the 5th moves them to a
    // set of 8 slots (48 bytes of Uint32Array object + 32 of data). The encoding: 3 header bytes, a count
    // byte and a varint of at most 5 bytes an entry.
    expect({
      sparse: [four.isSparse, five.isSparse], bytes: [new Hll().bytes, four.bytes, five.bytes],
      encoded: [four.encode().length <= 24, five.encode().length <= 29],
    }).toEqual({ sparse: [true, true], bytes: [80, 80, 160], encoded: [true, true] });
  });

  test("clone is independent; clear returns to the empty sparse state", () => {
    const h = sketchOf(10, 0, 5000, SEED), c = h.clone();
    const before = Array.from(c.encode());
    h.merge(sketchOf(10, 5000, 9000, SEED));
    const changed = Array.from(h.encode()).join() !== before.join();
    h.clear();
    expect({ cloneKept: Array.from(c.encode()), changed, cleared: Array.from(h.encode()), sparse: h.isSparse, est: h.estimate() })
      .toEqual({ cloneKept: before, changed: true, cleared: Array.from(new Hll(10).encode()), sparse: true, est: 0 });
  });

  test("the kept estimate always equals a fresh estimate of the registers, through adds, merges, clear and decode", () => {
    const rng = new Rng(SEED);
    for (const p of [4, 10, 14]) {
      const h = new Hll(p), other = new Hll(p);
      const wrong: string[] = [];
      const check = (what: string) => {
        const kept = h.estimate(), again = h.estimate();
        const fresh = h.isSparse ? Hll.decode(h.encode()).estimate() : estimateRegisters(Uint8Array.from(registersOf(h)), p);
        if (kept !== fresh || again !== kept) wrong.push(`${what}: kept ${kept} again ${again} fresh ${fresh}`);
      };
      for (let round = 0; round < 40; round++) {
        const n = rng.int(0, 3000);
        for (let i = 0; i < n; i++) h.add(rng.next(), rng.next());
        check(`p=${p} round ${round} after ${n} adds`);
        if (rng.bool(0.2)) { for (let i = 0; i < 500; i++) other.add(rng.next(), rng.next()); h.merge(other); check(`p=${p} round ${round} merge`); }
        if (rng.bool(0.05)) { h.clear(); check(`p=${p} round ${round} clear`); }
      }
      expect(wrong).toEqual([]);
      expect(Hll.decode(h.encode()).estimate()).toBe(h.estimate());
    }
  });

  test("bad precisions and mismatched registers throw bad_argument", () => {
    const regs = new Uint8Array(16);
    regs[3] = 62;
    expect([
      engineErrorOf(() => new Hll(3)), engineErrorOf(() => new Hll(19)), engineErrorOf(() => new Hll(14.5)),
      engineErrorOf(() => new Hll(14).merge(new Hll(12))), engineErrorOf(() => new Hll(14).mergeInto(new Uint8Array(1 << 12))),
      engineErrorOf(() => estimateRegisters(regs, 4)), engineErrorOf(() => estimateRegisters(regs, 5)),
    ]).toEqual([
      ["bad_argument", "hll precision 3 is outside 4..18"], ["bad_argument", "hll precision 19 is outside 4..18"],
      ["bad_argument", "hll precision 14.5 is outside 4..18"], ["bad_argument", "cannot merge an hll of precision 12 into one of precision 14"],
      ["bad_argument", "hll accumulator of 4096 registers does not fit precision 14 (16384)"],
      ["bad_argument", "hll register value 62 exceeds 61 at precision 4"],
      ["bad_argument", "hll registers of length 16 do not fit precision 5 (4..18, 2^p registers)"],
    ]);
  });
});
