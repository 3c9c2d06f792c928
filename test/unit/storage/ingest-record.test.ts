import { expect, test } from "bun:test";
import fc from "fast-check";
import { decodeCodeMaps, decodeIngestRecord, encodeCodeMaps, encodeIngestRecord } from "../../../storage/ingest-record.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const bytes8 = (max: number) => fc.integer({ min: 0, max }).chain((n) => fc.uint8Array({ minLength: n * 8, maxLength: n * 8 }));

test("property: ingest records round-trip with and without drops and dead letters", () => {
  const seed = Number(process.env.SEED ?? 11);
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 70 }), fc.boolean(), bytes8(20), fc.option(bytes8(10)), fc.double({ noNaN: true }),
    fc.option(fc.record({ kind: fc.constant("kafka" as const), topic: fc.string({ maxLength: 40 }), partition: fc.nat(1000), next_offset: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String) })),
    (rows, withDrops, batch, dead, receivedAt, source) => {
      const idHashes = new Uint32Array(rows * 2).map((_, i) => (i * 2654435761) >>> 0);
      const drops = withDrops && rows > 0 ? new Uint8Array((rows + 7) >> 3).map((_, i) => i * 37) : null;
      if (drops && rows % 8) drops[drops.length - 1]! &= (1 << (rows % 8)) - 1;
      const maps = [new Uint32Array([3, 1, 4]), null, new Uint32Array(rows)];
      const deadLetterMaps = dead ? [null, new Uint32Array([9])] : null;
      const rec = { receivedAt, rowCount: rows, idHashes, drops, batch, deadLetters: dead, maps, deadLetterMaps, source };
      const parts = encodeIngestRecord(rec);
      expect(parts.every((p) => p.byteLength % 8 === 0)).toBe(true);
      const back = decodeIngestRecord(concat(parts));
      const plain = (m: readonly (Uint32Array | null)[] | null) => m && m.map((x) => x && x.length ? [...x] : null);
      expect({ ...back, idHashes: [...back.idHashes], drops: back.drops && [...back.drops.subarray(0, drops?.length)], batch: [...back.batch], deadLetters: back.deadLetters && [...back.deadLetters], maps: plain(back.maps), deadLetterMaps: plain(back.deadLetterMaps) })
        .toEqual({ ...rec, idHashes: [...idHashes], drops: drops && [...drops], batch: [...batch], deadLetters: dead && [...dead], maps: plain(maps), deadLetterMaps: plain(deadLetterMaps) });
    }), { seed, numRuns: 300 });
});

test("code maps round-trip, and maps that overrun their bytes are wal_corrupt", () => {
  const maps = [null, new Uint32Array([7, 0, 2 ** 29]), null, new Uint32Array([1])];
  const bytes = encodeCodeMaps(maps);
  expect([bytes.byteLength % 8, decodeCodeMaps(bytes).map((m) => m && [...m])]).toEqual([0, [null, [7, 0, 2 ** 29], null, [1]]]);
  const overrun = bytes.slice();
  new Uint32Array(overrun.buffer)[2] = 1000;
  expect(() => decodeCodeMaps(overrun)).toThrow(/code maps do not add up/);
});

test("a record whose parts do not add up is wal_corrupt", () => {
  const parts = encodeIngestRecord({ receivedAt: 1, rowCount: 1, idHashes: new Uint32Array(2), drops: null, batch: new Uint8Array(8), deadLetters: null, maps: [], deadLetterMaps: [] });
  const whole = concat(parts);
  expect(() => decodeIngestRecord(whole.subarray(0, whole.length - 8))).toThrow(/part lengths do not add up/);
  expect(() => decodeIngestRecord(whole.subarray(0, 16))).toThrow(/shorter than its header/);
});

test("a version 1 record (no code maps) is still read, with maps null", () => {
  const v2 = encodeIngestRecord({ receivedAt: 5, rowCount: 1, idHashes: new Uint32Array([7, 8]), drops: null, batch: new Uint8Array(8).fill(3), deadLetters: null, maps: null, deadLetterMaps: null });
  const whole = concat(v2);
  // Version 1: the same parts behind a 32-byte header without the map lengths.
  const v1 = new Uint8Array(whole.length - 8);
  v1.set(whole.subarray(0, 28));
  v1.set(whole.subarray(40), 32);
  new DataView(v1.buffer).setUint32(0, 1, true);
  const back = decodeIngestRecord(v1);
  expect([back.receivedAt, [...back.idHashes], [...back.batch], back.maps, back.deadLetterMaps]).toEqual([5, [7, 8], [3, 3, 3, 3, 3, 3, 3, 3], null, null]);
});
