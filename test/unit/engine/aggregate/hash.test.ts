import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { CodeHashes, hashBytes, hashNumber, hashString, mix64 } from "../../../../engine/aggregate/hash.ts";
import type { RowConsumer } from "../../../../engine/aggregate/row-feed.ts";
import { StringDictionary } from "../../../../engine/column/string-dictionary.ts";
import { appendAndFeed, eventsTable } from "../../../helpers/event-feed.ts";

const SEED = Number(process.env.SEED ?? 4242);
console.log(`hash tests: SEED=${SEED}`);
const utf8 = new TextEncoder();

/** A 64-bit value as [lo, hi] u32 halves, from a BigInt (the reference side of every comparison). */
const halves = (v: bigint): number[] => [Number(v & 0xffffffffn), Number(v >> 32n)];
const pair = (f: (out: Uint32Array) => void): number[] => { const out = new Uint32Array(2); f(out); return Array.from(out); };

/** splitmix64's output function written with BigInt, straight from the published constants. */
function splitmix64Ref(x: bigint): bigint {
  const M = (1n << 64n) - 1n;
  let z = (x + 0x9e3779b97f4a7c15n) & M;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
  return z ^ (z >> 31n);
}

function float64Bits(n: number): bigint {
  const f = new Float64Array([n]);
  return new BigUint64Array(f.buffer)[0]!;
}

// Strings with any UTF-16 content: graphemes, astral code points and lone surrogates.
const anyString = fc.string({
  unit: fc.oneof(fc.constantFrom("a", "é", "日", "😀"), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))),
  maxLength: 80,
});

describe("hashString / hashBytes", () => {
  test("rest on wyhash final v4: Bun.hash.wyhash reproduces wyhash's reference vectors (test_vector.cpp)", () => {
    const vectors: [bigint, string][] = [
      [0n, ""], [1n, "a"], [2n, "abc"], [3n, "message digest"], [4n, "abcdefghijklmnopqrstuvwxyz"],
      [5n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"],
      [6n, "12345678901234567890123456789012345678901234567890123456789012345678901234567890"],
    ];
    expect(vectors.map(([seed, s]) => Bun.hash.wyhash(s, seed))).toEqual([
      0x409638ee2bde459n, 0xa8412d091b5fe0a9n, 0x32dd92e4b2915153n, 0x8619124089a3a16bn,
      0x7a43afb61d7f5f40n, 0xff42329b90e50d58n, 0xc39cab13b115aad3n,
    ]);
  });

  test("hashString is wyhash seed 0 of the UTF-8 bytes, split into lo and hi", () => {
    expect(pair((o) => hashString("", o, 0))).toEqual(halves(0x409638ee2bde459n));
    fc.assert(fc.property(anyString, (s) => {
      expect(pair((o) => hashString(s, o, 0))).toEqual(halves(Bun.hash.wyhash(utf8.encode(s), 0n)));
    }), { seed: SEED, numRuns: 500 });
  });

  test("hashBytes of a value's UTF-8 bytes anywhere in a buffer equals hashString of the value", () => {
    fc.assert(fc.property(anyString, fc.nat(7), fc.nat(7), (s, before, after) => {
      const b = utf8.encode(s);
      const host = new Uint8Array(before + b.length + after).fill(0x5a);
      host.set(b, before);
      const out = new Uint32Array(6);
      hashString(s, out, 0);
      hashBytes(host, before, before + b.length, out, 2);
      hashBytes(b, 0, b.length, out, 4);
      expect([out[2], out[3], out[4], out[5]]).toEqual([out[0], out[1], out[0], out[1]]);
    }), { seed: SEED, numRuns: 500 });
  });
});

describe("hashNumber", () => {
  test("is splitmix64's output function over the float64 bits (BigInt reference)", () => {
    const ref = (n: number) => halves(splitmix64Ref(float64Bits(n)));
    fc.assert(fc.property(fc.oneof(fc.double(), fc.integer(), fc.maxSafeNat()), (n) => {
      if (Object.is(n, -0) || Number.isNaN(n)) return;
      expect(pair((o) => hashNumber(n, o, 0))).toEqual(ref(n));
    }), { seed: SEED, numRuns: 2000 });
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (x) => {
      expect(pair((o) => mix64(Number(x & 0xffffffffn), Number(x >> 32n), o, 0))).toEqual(halves(splitmix64Ref(x)));
    }), { seed: SEED, numRuns: 2000 });
  });

  test("-0 hashes as 0 and every NaN as one value", () => {
    const nan2 = new Float64Array(new BigUint64Array([0x7ff8dead00000001n]).buffer)[0]!;
    expect([pair((o) => hashNumber(-0, o, 0)), pair((o) => hashNumber(nan2, o, 0))])
      .toEqual([halves(splitmix64Ref(0n)), halves(splitmix64Ref(float64Bits(NaN)))]);
  });
});

describe("CodeHashes", () => {
  test("hashes each code's value lazily, once, and follows the dictionary as it grows", () => {
    const d = new StringDictionary();
    const values = ["alice", "bob", "日本語", "", "😀"];
    const codeOf = (s: string) => { const b = utf8.encode(s); return d.codeOfBytes(b, 0, b.length); };
    for (const s of values.slice(0, 3)) codeOf(s);
    const ch = new CodeHashes(d);
    const first = pair((o) => ch.fill(2, o, 0));
    const hashedAfterOne = ch.hashedCount;
    for (const s of values.slice(3)) codeOf(s);
    const all = values.map((_, c) => [ch.lo(c), ch.hi(c)]);
    expect({ first, hashedAfterOne, all, hashed: ch.hashedCount }).toEqual({
      first: pair((o) => hashString("日本語", o, 0)), hashedAfterOne: 1,
      all: values.map((s) => pair((o) => hashString(s, o, 0))), hashed: 5,
    });
  });

  test("codes asked for in any order, past the first capacity, each hash their own value (property)", () => {
    fc.assert(fc.property(fc.array(fc.nat(2999), { maxLength: 400, size: "max" }), (asked) => {
      const d = new StringDictionary();
      const values = Array.from({ length: 3000 }, (_, i) => `v${i}-${i % 7 === 0 ? "日本" : "x"}`);
      for (const v of values) { const b = utf8.encode(v); d.codeOfBytes(b, 0, b.length); }
      const ch = new CodeHashes(d);
      expect({ got: asked.map((c) => [ch.lo(c), ch.hi(c)]), hashed: ch.hashedCount })
        .toEqual({ got: asked.map((c) => pair((o) => hashString(values[c]!, o, 0))), hashed: new Set(asked).size });
    }), { seed: SEED, numRuns: 30 });
  });

  test("hashes of a feed's user_id codes equal hashString of the plain values", () => {
    const table = eventsTable();
    const users = ["u1", "u2", "u1", "ü3", "u4", "u2"];
    const seen: number[][] = [];
    let ch: CodeHashes | null = null;
    const consumer: RowConsumer = {
      consume(batch) {
        const v = batch.column("user_id")!;
        ch ??= new CodeHashes(v.dict!);
        const out = new Uint32Array(2);
        for (let i = batch.begin; i < batch.end; i++) { ch.fill(v.codes![i]!, out, 0); seen.push(Array.from(out)); }
      },
    };
    appendAndFeed(table, users.slice(0, 3).map((u, i) => ({ type: "view", user_id: u, ts: 1_700_000_000_000 + i })), [consumer]);
    appendAndFeed(table, users.slice(3).map((u, i) => ({ type: "view", user_id: u, ts: 1_700_000_001_000 + i })), [consumer]);
    expect(seen).toEqual(users.map((u) => pair((o) => hashString(u, o, 0))));
  });
});
