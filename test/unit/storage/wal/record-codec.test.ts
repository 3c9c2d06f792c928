import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LIMITS } from "../../../../engine/core/limits.ts";
import {
  encodeRecordHeader, findNextRecord, readRecordAt, recordBytes, recordPadding,
} from "../../../../storage/wal/record-codec.ts";
import { testSeed } from "../../../sim/rng.ts";

const seed = testSeed();
console.log(`record-codec seed=${seed}`);

/** Lays records out as the writer does, after `lead` bytes of something else. */
function encode(records: { kind: number; lsn: number; parts: Uint8Array[] }[], lead = 0): Uint8Array {
  const chunks: Uint8Array[] = [new Uint8Array(lead)];
  for (const r of records) {
    const len = r.parts.reduce((n, p) => n + p.byteLength, 0);
    chunks.push(encodeRecordHeader(r.kind, r.lsn, r.parts), ...r.parts, recordPadding(len));
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

function decodeAll(bytes: Uint8Array, from: number) {
  const out: { kind: number; lsn: number; payload: number[] }[] = [];
  let at = from;
  while (at < bytes.byteLength) {
    const r = readRecordAt(bytes, at);
    if ("error" in r) return { out, error: r };
    out.push({ kind: r.kind, lsn: r.lsn, payload: [...r.payload] });
    at = r.next;
  }
  return { out, error: null };
}

const partsArb = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 });
const recordArb = fc.record({ kind: fc.nat({ max: 2 ** 32 - 1 }), lsn: fc.maxSafeNat(), parts: partsArb });

describe("wal record codec", () => {
  test("Bun.hash.crc32 is CRC-32/ISO-HDLC and continues from a previous CRC given as seed", () => {
    const text = new TextEncoder().encode("123456789");
    expect([Bun.hash.crc32(text), Bun.hash.crc32(text.subarray(4), Bun.hash.crc32(text.subarray(0, 4)))])
      .toEqual([0xcbf43926, 0xcbf43926]);
  });

  test("round-trips records of any kind, lsn and payload split", () => {
    fc.assert(fc.property(fc.array(recordArb, { maxLength: 8 }), fc.nat({ max: 3 }), (recs, lead8) => {
      const bytes = encode(recs, lead8 * 8);
      const expected = recs.map((r) => ({ kind: r.kind, lsn: r.lsn, payload: r.parts.flatMap((p) => [...p]) }));
      expect(decodeAll(bytes, lead8 * 8)).toEqual({ out: expected, error: null });
    }), { seed, numRuns: 300 });
  });

  test("payloads are 8-aligned subarrays of the input, not copies", () => {
    const bytes = encode([{ kind: 1, lsn: 5, parts: [new Uint8Array([1, 2, 3])] }, { kind: 2, lsn: 6, parts: [new Uint8Array(9)] }], 16);
    const a = readRecordAt(bytes, 16);
    const b = "error" in a ? a : readRecordAt(bytes, a.next);
    expect([a, b].map((r) => "error" in r ? r : { buffer: r.payload.buffer === bytes.buffer, offset: r.payload.byteOffset % 8, next: r.next }))
      .toEqual([{ buffer: true, offset: 0, next: 16 + 24 + 8 }, { buffer: true, offset: 0, next: 16 + 32 + 24 + 16 }]);
  });

  test("every cut of a record reads as truncated", () => {
    const bytes = encode([{ kind: 3, lsn: 2 ** 40 + 7, parts: [new Uint8Array(37).fill(9)] }]);
    const errors = new Set<string>();
    for (let cut = 0; cut < bytes.byteLength; cut++) {
      const r = readRecordAt(bytes.subarray(0, cut), 0);
      errors.add("error" in r ? `${r.error}@${r.offset}` : "accepted");
    }
    expect([...errors]).toEqual(["truncated@0"]);
  });

  test("a flipped bit anywhere is detected, never read as another record", () => {
    fc.assert(fc.property(recordArb, fc.nat(), (rec, bitSeed) => {
      const bytes = encode([rec]);
      const bit = bitSeed % (bytes.byteLength * 8);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      const r = readRecordAt(bytes, 0);
      expect("error" in r ? r.error : "accepted").toBeOneOf(["bad_magic", "bad_crc", "truncated", "too_large"]);
    }), { seed, numRuns: 2000 });
  });

  test("a length over the limit reads as too_large", () => {
    const bytes = encode([{ kind: 1, lsn: 1, parts: [new Uint8Array(8)] }]);
    new DataView(bytes.buffer).setUint32(4, LIMITS.WAL_RECORD_BYTES_MAX + 1, true);
    expect(readRecordAt(bytes, 0)).toEqual({ error: "too_large", offset: 0 });
  });

  test("encoding a payload over the limit throws bad_argument", () => {
    const big = new Uint8Array(LIMITS.WAL_RECORD_BYTES_MAX / 2 + 1);
    expect(() => encodeRecordHeader(1, 0, [big, big])).toThrow(expect.objectContaining({
      code: "bad_argument", message: `wal record payload of ${big.byteLength * 2} bytes exceeds ${LIMITS.WAL_RECORD_BYTES_MAX}`,
    }));
  });

  test("findNextRecord skips a bad record and look-alike bytes, and respects the lsn window", () => {
    // The first record's payload holds a complete valid record with a far-off lsn: a look-alike.
    const lookAlike = encode([{ kind: 9, lsn: 1000, parts: [new Uint8Array(8)] }]);
    const bytes = encode([
      { kind: 1, lsn: 10, parts: [lookAlike] },
      { kind: 1, lsn: 11, parts: [new Uint8Array(5)] },
    ], 16);
    const second = 16 + recordBytes(lookAlike.byteLength);
    bytes[20]! ^= 0xff; // damage the first record's length
    expect([findNextRecord(bytes, 16, 10), findNextRecord(bytes, 16, 12), findNextRecord(bytes, second, 11)])
      .toEqual([second, -1, -1]);
  });
});
