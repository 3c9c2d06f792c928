import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { StringDictionary } from "../../../../engine/column/string-dictionary.ts";

const SEED = Number(process.env.SEED ?? 1234);
console.log(`string-dictionary tests: SEED=${SEED}`);
const utf8 = new TextEncoder();

/** Inserts through codeOfBytes, with the value placed at an offset inside a larger buffer. */
function insert(d: StringDictionary, s: string, pad = 3): number {
  const b = utf8.encode(s);
  const host = new Uint8Array(b.length + 2 * pad).fill(0x7a);
  host.set(b, pad);
  return d.codeOfBytes(host, pad, pad + b.length);
}

describe("StringDictionary", () => {
  test("assigns dense codes in first-seen order and round-trips values", () => {
    const d = new StringDictionary();
    const values = ["", "a", "日本語 ✓", "a", "😀 emoji", "", "b"];
    const codes = values.map((s) => insert(d, s));
    expect({
      codes, size: d.size, back: codes.map((c) => d.get(c)), find: ["a", "b", "zz", "😀 emoji"].map((s) => d.find(s)),
      lengths: [0, 1, 2, 3, 4].map((c) => d.byteLengthOf(c)),
    }).toEqual({
      codes: [0, 1, 2, 1, 3, 0, 4], size: 5, back: ["", "a", "日本語 ✓", "a", "😀 emoji", "", "b"], find: [1, 4, -1, 3],
      lengths: [0, 1, 13, 10, 1],
    });
  });

  test("matchCodes evaluates a predicate once per distinct value, one byte per code", () => {
    const d = new StringDictionary();
    for (const s of ["apple", "banana", "apricot", "cherry"]) insert(d, s);
    const seen: string[] = [];
    const m = d.matchCodes((s) => (seen.push(s), s.startsWith("ap")));
    expect({ m: Array.from(m), seen }).toEqual({ m: [1, 0, 1, 0], seen: ["apple", "banana", "apricot", "cherry"] });
  });

  test("behaves like a Map from string to first-seen index (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: "grapheme", maxLength: 12 }), fc.constantFrom("a", "b", "")), { maxLength: 400 }), (values) => {
        const d = new StringDictionary();
        const ref = new Map<string, number>();
        const got: number[] = [], want: number[] = [];
        for (const s of values) {
          if (!ref.has(s)) ref.set(s, ref.size);
          want.push(ref.get(s)!);
          got.push(insert(d, s));
        }
        const all = [...ref.keys()];
        expect({ got, size: d.size, back: all.map((s) => d.get(ref.get(s)!)), find: all.map((s) => d.find(s)) })
          .toEqual({ got: want, size: ref.size, back: all, find: all.map((s) => ref.get(s)!) });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test("holds 1M distinct values in typed arrays only", () => {
    const d = new StringDictionary();
    const N = 1_000_000;
    const buf = new Uint8Array(32);
    const put = (i: number) => d.codeOfBytes(buf, 0, utf8.encodeInto(`user-${i}-${i % 97}`, buf).written);
    let firstPass = 0, secondPass = 0;
    for (let i = 0; i < N; i++) firstPass += put(i) === i ? 1 : 0;
    for (let i = N - 1; i >= 0; i -= 7) secondPass += put(i) === i ? 0 : 1;
    const sample = [0, 1, 499_999, 999_999].map((c) => d.get(c));
    // ~18 bytes of text per value plus offsets, hashes and a table at load <= 0.6.
    const bytesPerValue = d.byteSize / N;
    expect({ firstPass, secondPass, size: d.size, sample, find: d.find("user-999999-" + (999_999 % 97)), compact: bytesPerValue < 50 })
      .toEqual({ firstPass: N, secondPass: 0, size: N, sample: ["user-0-0", "user-1-1", `user-499999-${499_999 % 97}`, `user-999999-${999_999 % 97}`], find: 999_999, compact: true });
  });

  test("limits: too many values or too many bytes is store_limit", () => {
    const byCodes = new StringDictionary({ codesMax: 3 });
    for (const s of ["a", "b", "c"]) insert(byCodes, s);
    const byBytes = new StringDictionary({ bytesMax: 5 });
    insert(byBytes, "abcd");
    const err = (f: () => unknown) => { try { f(); return null; } catch (e) { return { code: (e as { code: string }).code, message: (e as Error).message }; } };
    expect({ codes: err(() => insert(byCodes, "d")), bytes: err(() => insert(byBytes, "ef")), stillFound: [insert(byCodes, "a"), byBytes.find("abcd")] }).toEqual({
      codes: { code: "store_limit", message: "string dictionary holds 3 values, the most allowed is 3" },
      bytes: { code: "store_limit", message: "string dictionary of 4 bytes cannot take 2 more: limit 5" },
      stillFound: [0, 0],
    });
  });
});
