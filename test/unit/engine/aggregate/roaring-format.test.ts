import { beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { RoaringBitmap32, roaringLibraryInitialize } from "roaring-wasm";
import { Bitmap } from "../../../../engine/aggregate/bitmaps.ts";
import { EngineError } from "../../../../engine/core/errors.ts";
import { expand, idSetArb, rng, wasmOf } from "./roaring-oracle.ts";

const SEED = Number(process.env.SEED ?? 777);
console.log(`roaring-format tests: SEED=${SEED}`);

beforeAll(async () => {
  await roaringLibraryInitialize();
});

/** "ok" with the ids read, or the error's code (anything but an EngineError is a failure). */
function read(bytes: Uint8Array): { ok: number[] } | { error: string } {
  try {
    return { ok: Array.from(Bitmap.deserialize(bytes).toUint32Array()) };
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return { error: e.code };
  }
}

/** roaring-wasm's reading of the same bytes, or null when it refuses them. */
function wasmRead(bytes: Uint8Array): number[] | null {
  try {
    const r = RoaringBitmap32.deserialize(bytes, "portable");
    const ids = r.toArray();
    r.dispose();
    return ids;
  } catch {
    return null;
  }
}

describe("portable Roaring format", () => {
  test("our bytes are roaring-wasm's bytes; each side reads the other's, with and without run containers (property)", () => {
    fc.assert(
      fc.property(idSetArb, (spec) => {
        const ids = expand(spec);
        const ours = Bitmap.of(ids).serialize();
        const plain = wasmOf(ids), runs = wasmOf(ids, true);
        const theirs = plain.serialize("portable"), theirRuns = runs.serialize("portable");
        const got = {
          same: Array.from(ours).join() === Array.from(theirs).join(),
          wasmReadsOurs: wasmRead(ours),
          weReadTheirs: read(theirs),
          weReadTheirRuns: read(theirRuns),
          runCookie: theirRuns.length >= 2 && theirRuns[0]! + 256 * theirRuns[1]! === 12347,
        };
        plain.dispose();
        runs.dispose();
        const all = Array.from(ids);
        expect(got).toEqual({ same: true, wasmReadsOurs: all, weReadTheirs: { ok: all }, weReadTheirRuns: { ok: all }, runCookie: got.runCookie });
      }),
      { seed: SEED, numRuns: 60 },
    );
  }, 60_000);

  test("run containers written by roaring-wasm appear in the inputs above", () => {
    // Guards the previous property: a set of ranges must serialize with the run cookie.
    const r = wasmOf(Uint32Array.from({ length: 10_000 }, (_, i) => 100 + i), true);
    const bytes = r.serialize("portable");
    r.dispose();
    expect({ cookie: bytes[0]! + 256 * bytes[1]!, read: read(bytes) }).toEqual({ cookie: 12347, read: { ok: Array.from({ length: 10_000 }, (_, i) => 100 + i) } });
  });

  test("a known encoding: serial cookie 12346, 1 container, key 0, cardinality 3, offsets, values 1, 2, 3", () => {
    const bytes = Array.from(Bitmap.of(Uint32Array.from([1, 2, 3])).serialize());
    expect({ bytes, empty: Array.from(Bitmap.empty().serialize()) }).toEqual({
      bytes: [58, 48, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 16, 0, 0, 0, 1, 0, 2, 0, 3, 0],
      empty: [58, 48, 0, 0, 0, 0, 0, 0],
    });
  });

  test("hand-made corrupt inputs fail with data_corrupt", () => {
    const le16 = (...xs: number[]) => xs.flatMap((x) => [x & 255, x >>> 8]);
    const le32 = (...xs: number[]) => xs.flatMap((x) => [x & 255, (x >>> 8) & 255, (x >>> 16) & 255, x >>> 24]);
    const array = (key: number, values: number[]) => [...le32(12346, 1), ...le16(key, values.length - 1), ...le32(16), ...le16(...values)];
    const cases: Record<string, number[]> = {
      tooShort: [58, 48],
      badCookie: [1, 2, 3, 4, 5, 6, 7, 8, 9],
      truncatedHeader: [58, 48, 0, 0, 1, 0, 0, 0, 0, 0, 200, 0],
      tooManyContainers: le32(12346, 70_000),
      notAscending: array(0, [3, 2, 5]),
      duplicate: array(0, [2, 2, 5]),
      badOffset: [...le32(12346, 1), ...le16(0, 0), ...le32(17), ...le16(1)],
      trailing: [...array(0, [1, 2]), 0, 0],
      keysNotAscending: [...le32(12346, 2), ...le16(5, 0, 5, 0), ...le32(24, 26), ...le16(1, 2)],
      bitsetCountMismatch: [...le32(12346, 1), ...le16(0, 4096), ...le32(16), ...new Array(8192).fill(255)],
      runsOverlap: [...le32(12347 | (0 << 16)), 1, ...le16(0, 9), ...le16(2, 0, 4, 3, 4)],
      runPastEnd: [...le32(12347), 1, ...le16(0, 1), ...le16(1, 65_535, 1)],
      runCountMismatch: [...le32(12347), 1, ...le16(0, 9), ...le16(1, 0, 3)],
      emptyWithTrailing: [...le32(12346, 0), 0],
    };
    const got = Object.fromEntries(Object.entries(cases).map(([k, v]) => [k, read(Uint8Array.from(v))]));
    // And a valid run container built the same way, to show the cases above fail for their defect only.
    const validRuns = read(Uint8Array.from([...le32(12347), 1, ...le16(0, 9), ...le16(2, 0, 4, 10, 4)]));
    expect({ got, validRuns }).toEqual({
      got: Object.fromEntries(Object.keys(cases).map((k) => [k, { error: "data_corrupt" }])),
      validRuns: { ok: [0, 1, 2, 3, 4, 10, 11, 12, 13, 14] },
    });
  });

  test("mutated bytes either fail with data_corrupt or read as what they encode (fuzz)", () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.nat(255) }),
      fc.record({ kind: fc.constant("header" as const), at: fc.nat(15), value: fc.nat(255) }),
      fc.record({ kind: fc.constant("append" as const), at: fc.nat(7), value: fc.nat(255) }),
    );
    fc.assert(
      fc.property(idSetArb, fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (spec, runs, mutations) => {
        const r = wasmOf(expand(spec), runs);
        let bytes = r.serialize("portable");
        r.dispose();
        for (const m of mutations) {
          const at = m.at % Math.max(1, bytes.length);
          if (m.kind === "truncate") bytes = bytes.slice(0, at);
          else if (m.kind === "append") bytes = Uint8Array.from([...bytes, ...new Array(m.at + 1).fill(m.value)]);
          else if (bytes.length > 0) bytes[at] = m.kind === "flip" ? bytes[at]! ^ (1 << m.bit) : m.value;
        }
        const ours = read(bytes);
        if ("error" in ours) return expect(ours).toEqual({ error: "data_corrupt" });
        // Accepted: no-run bytes are canonical (re-serialize to the same bytes); any accepted input
        // reads as roaring-wasm reads it, when it reads it at all.
        const cookie = bytes[0]! + 256 * bytes[1]!;
        const theirs = wasmRead(bytes);
        const back = Array.from(Bitmap.deserialize(bytes).serialize());
        expect({ ids: ours.ok, back: cookie === 12346 ? back : null }).toEqual({ ids: theirs ?? ours.ok, back: cookie === 12346 ? Array.from(bytes) : null });
      }),
      { seed: SEED, numRuns: 400 },
    );
  }, 60_000);

  test("every strict prefix of a valid serialization is refused", () => {
    const rand = rng(SEED);
    const ids = Uint32Array.from(new Set(Array.from({ length: 6000 }, () => Math.floor(rand() * 3 * 65_536)))).sort();
    const inputs = [Bitmap.of(ids).serialize(), wasmOf(Uint32Array.from({ length: 9000 }, (_, i) => i * 2 + (i > 4000 ? 70_000 : 0)), true).serialize("portable")];
    const refused = inputs.map((bytes) => {
      let n = 0;
      for (let len = 0; len < bytes.length; len++) if ("error" in read(bytes.subarray(0, len))) n++;
      return n === bytes.length;
    });
    expect(refused).toEqual([true, true]);
  });
});
