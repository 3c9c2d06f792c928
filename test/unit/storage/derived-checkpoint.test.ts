import { expect, test } from "bun:test";
import fc from "fast-check";
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint } from "../../../storage/derived-checkpoint.ts";
import type { DerivedSection, DerivedSnapshot } from "../../../engine/aggregate/derived-state.ts";
import { SimFileSystem } from "../../sim/sim-file-system.ts";
import { Rng } from "../../sim/rng.ts";

const section = fc.record({
  covered: fc.dictionary(fc.constantFrom("events", "_dead_letters", "s"), fc.nat()),
  bytes: fc.uint8Array({ maxLength: 64 }),
});
const snapshot = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), section).map((o) => new Map(Object.entries(o)));

test("encode/decode round trip", () => {
  fc.assert(fc.property(snapshot, (s) => {
    expect(decodeCheckpoint(encodeCheckpoint(s), "cp")).toEqual(s);
  }), { seed: 7 });
});

test("any flipped byte or cut is data_corrupt, never a wrong snapshot", () => {
  fc.assert(fc.property(snapshot, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (s, at, x, cut) => {
    const bytes = encodeCheckpoint(s);
    const bad = cut ? bytes.slice(0, at % bytes.length) : bytes.slice();
    if (!cut) bad[at % bad.length]! ^= x;
    expect(() => decodeCheckpoint(bad, "cp")).toThrow(/derived-state checkpoint cp/);
  }), { seed: 11 });
});

test("written atomically and read back; none yet is null", async () => {
  const fs = new SimFileSystem(new Rng(1));
  expect(await readCheckpoint(fs, "/d")).toBeNull();
  const s = new Map([["a", { covered: { events: 3 }, bytes: new Uint8Array([1, 2, 3]) }]]);
  await writeCheckpoint(fs, "/d", s);
  const crashed = fs.crash(new Rng(2), "power");
  expect(await readCheckpoint(crashed, "/d")).toEqual(s);
});

test("the file written in parts, its CRC taken in slices between pauses, is byte for byte the encoded checkpoint", async () => {
  const rng = new Rng(5), fs = new SimFileSystem(new Rng(3));
  const bytes = (n: number) => { const b = new Uint8Array(n); for (let i = 0; i < n; i += 97) b[i] = rng.int(0, 255); return b; };
  // Sections larger than a CRC slice (4 MiB here), so slices cross section boundaries and chain.
  const s: DerivedSnapshot = new Map<string, DerivedSection>([["a", { covered: { events: 9 }, bytes: bytes(5 << 20) }], ["b", { covered: {}, bytes: bytes(3 << 20) }], ["c", { covered: { events: 1 }, bytes: bytes(10) }]]);
  let pauses = 0;
  await writeCheckpoint(fs, "/d", s, async () => { pauses++; }, 4 << 20);
  const file = await fs.readFile("/d/checkpoint.bin");
  expect([file.byteLength, pauses]).toEqual([encodeCheckpoint(s).byteLength, 2]);
  expect(Buffer.from(file).equals(Buffer.from(encodeCheckpoint(s)))).toBe(true);
  expect(await readCheckpoint(fs, "/d")).toEqual(s);
});
