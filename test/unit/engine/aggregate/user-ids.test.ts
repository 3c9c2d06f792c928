import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { UserIds } from "../../../../engine/aggregate/user-ids.ts";
import { StringDictionary } from "../../../../engine/column/string-dictionary.ts";
import { EngineError } from "../../../../engine/core/errors.ts";

const SEED = Number(process.env.SEED ?? 777);
console.log(`user-ids tests: SEED=${SEED}`);
const utf8 = new TextEncoder();

const keyArb = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("cus_0001", "cus_0002", "日本", "😀", ""), fc.uuid());

describe("UserIds", () => {
  test("behaves like a Map from key to first-seen index, and survives encode/decode (property)", () => {
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 400 }), fc.array(keyArb, { maxLength: 50 }), (keys, probes) => {
        const u = new UserIds();
        const model = new Map<string, number>();
        const ids = keys.map((k) => {
          if (!model.has(k)) model.set(k, model.size);
          return u.idOf(k);
        });
        const back = UserIds.decode(u.encode());
        const all = [...model.keys()];
        expect({
          ids, size: u.size, keys: all.map((_, i) => u.key(i)), finds: probes.map((p) => u.find(p)),
          decoded: { size: back.size, keys: all.map((_, i) => back.key(i)), finds: probes.map((p) => back.find(p)) },
        }).toEqual({
          ids: keys.map((k) => model.get(k)!), size: model.size, keys: all, finds: probes.map((p) => model.get(p) ?? -1),
          decoded: { size: model.size, keys: all, finds: probes.map((p) => model.get(p) ?? -1) },
        });
        // A decoded table keeps assigning ids after the last one.
        const next = back.idOf("\u0000a key never generated");
        expect(next).toEqual(model.size);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  test("idOfBytes reads the key in place; 100k keys through growth", () => {
    const u = new UserIds();
    const host = utf8.encode("xx-cus_42-yy");
    const first = u.idOfBytes(host, 3, 9);
    const ids: number[] = [];
    for (let i = 0; i < 100_000; i++) ids.push(u.idOf(`user-${i}`));
    expect({ first, again: u.find("cus_42"), last: ids[99_999], size: u.size, key: u.key(50_001), sequential: ids.every((id, i) => id === i + 1) })
      .toEqual({ first: 0, again: 0, last: 100_000, size: 100_001, key: "user-50000", sequential: true });
  });

  test("a translation maps global dictionary codes to dense ids, filled on first sight", () => {
    const u = new UserIds();
    u.idOf("zed");
    const dict = new StringDictionary();
    const codes = ["a", "b", "zed", "c"].map((s) => dict.codeOfBytes(utf8.encode(s), 0, utf8.encode(s).length));
    const tr = u.translation(dict);
    const before = Array.from(tr.ids.subarray(0, 4));
    const resolved = codes.map((c) => tr.resolve(c));
    // Codes past the array's length grow it.
    for (let i = 0; i < 200; i++) dict.codeOfBytes(utf8.encode(`k${i}`), 0, utf8.encode(`k${i}`).length);
    const late = tr.resolve(203);
    expect({ same: u.translation(dict) === tr, before, resolved, cached: Array.from(tr.ids.subarray(0, 4)), late, lateKey: u.key(late) })
      .toEqual({ same: true, before: [-1, -1, -1, -1], resolved: [1, 2, 0, 3], cached: [1, 2, 0, 3], late: 4, lateKey: "k199" });
  });

  test("past the id or byte limit idOf returns -1 and known keys still resolve", () => {
    const byIds = new UserIds({ idsMax: 3 });
    const a = ["a", "b", "c", "d", "a"].map((k) => byIds.idOf(k));
    const byBytes = new UserIds({ bytesMax: 5 });
    const b = ["ab", "cd", "ef", "cd"].map((k) => byBytes.idOf(k));
    expect({ a, b }).toEqual({ a: [0, 1, 2, -1, 0], b: [0, 1, -1, 1] });
  });

  test("corrupt encodings fail with data_corrupt", () => {
    const u = new UserIds();
    for (const k of ["a", "bb", "ccc"]) u.idOf(k);
    const good = u.encode();
    const truncated = good.slice(0, good.length - 1);
    const badOffsets = good.slice();
    badOffsets[12] = 9; // offsets[1] = 9 > offsets[2]
    const dup = new UserIds();
    for (const k of ["a", "b"]) dup.idOf(k);
    const dupBytes = dup.encode();
    dupBytes[dupBytes.length - 1] = "a".charCodeAt(0); // keys "a", "a"
    const outcomes = [new Uint8Array(3), truncated, badOffsets, dupBytes].map((bytes) => {
      try {
        UserIds.decode(bytes);
        return "ok";
      } catch (e) {
        return `${(e as EngineError).code}: ${(e as Error).message}`;
      }
    });
    expect(outcomes).toEqual([
      "data_corrupt: user ids: 3 bytes is too short",
      "data_corrupt: user ids: 3 ids and 6 key bytes need 30 bytes, got 29",
      "data_corrupt: user ids: offsets decrease at id 1",
      "data_corrupt: user ids: id 1 repeats an earlier key",
    ]);
  });
});
