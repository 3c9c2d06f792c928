// The WAL record of one ingest batch. It carries everything needed to rebuild the live state
// exactly: the accepted rows, the 64-bit hash of each row's client event_id (0 = generated id), the
// rows the de-duplication window dropped (decided live, so replay never re-decides under a changed
// config), and the dead letters that came in the same body.
//
//   +----------------------- header, 32 bytes ------------------------+
//   | u32 version | u32 rowCount | f64 receivedAt | u32 flags |        |
//   | u32 batchBytes | u32 deadLetterBytes | u32 reserved                |
//   +-----------------------------------------------------------------+
//   | rowCount x u64 id hashes                                         |
//   | drop bitmap, ceil(rowCount/8) bytes padded to 8  (flags & DROPS) |
//   | batch (engine/core/batch-codec.ts), batchBytes                   |
//   | dead-letter batch, deadLetterBytes            (flags & DEAD)     |
//   +-----------------------------------------------------------------+
//
// Every part is a multiple of 8 bytes, so batches inside a replayed segment stay 8-aligned and
// decode without copying.

import { EngineError } from "../engine/core/errors.ts";

export const RECORD_KIND_INGEST = 1;
const VERSION = 1;
const HEADER_BYTES = 32;
const HAS_DROPS = 1;
const HAS_DEAD_LETTERS = 2;

export interface IngestRecord {
  readonly receivedAt: number;
  readonly rowCount: number;
  /** Two u32 per row: lo, hi. */
  readonly idHashes: Uint32Array;
  /** Bit i set = row i was a duplicate and is not stored. */
  readonly drops: Uint8Array | null;
  readonly batch: Uint8Array;
  readonly deadLetters: Uint8Array | null;
}

const pad8 = (n: number) => (n + 7) & ~7;

/** The record as parts for a gathered write; nothing is concatenated. */
export function encodeIngestRecord(r: IngestRecord): Uint8Array[] {
  if (r.batch.byteLength % 8 !== 0 || (r.deadLetters && r.deadLetters.byteLength % 8 !== 0)) {
    throw new Error("assertion failed: batches are padded to 8 bytes");
  }
  const header = new Uint8Array(HEADER_BYTES);
  const v = new DataView(header.buffer);
  v.setUint32(0, VERSION, true);
  v.setUint32(4, r.rowCount, true);
  v.setFloat64(8, r.receivedAt, true);
  v.setUint32(16, (r.drops ? HAS_DROPS : 0) | (r.deadLetters ? HAS_DEAD_LETTERS : 0), true);
  v.setUint32(20, r.batch.byteLength, true);
  v.setUint32(24, r.deadLetters?.byteLength ?? 0, true);
  const parts = [header, new Uint8Array(r.idHashes.buffer, r.idHashes.byteOffset, r.rowCount * 8)];
  if (r.drops) {
    const d = new Uint8Array(pad8((r.rowCount + 7) >> 3));
    d.set(r.drops.subarray(0, d.length));
    parts.push(d);
  }
  parts.push(r.batch);
  if (r.deadLetters) parts.push(r.deadLetters);
  return parts;
}

export function decodeIngestRecord(payload: Uint8Array): IngestRecord {
  const fail = (what: string): never => {
    throw new EngineError("wal_corrupt", `ingest record: ${what} (payload ${payload.byteLength} bytes)`);
  };
  if (payload.byteLength < HEADER_BYTES) fail("shorter than its header");
  if (payload.byteOffset % 8 !== 0) payload = payload.slice();
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const version = v.getUint32(0, true);
  if (version !== VERSION) fail(`unknown version ${version}`);
  const rowCount = v.getUint32(4, true);
  const receivedAt = v.getFloat64(8, true);
  const flags = v.getUint32(16, true);
  const batchBytes = v.getUint32(20, true);
  const deadBytes = v.getUint32(24, true);
  const dropBytes = flags & HAS_DROPS ? pad8((rowCount + 7) >> 3) : 0;
  let at = HEADER_BYTES;
  if (at + rowCount * 8 + dropBytes + batchBytes + deadBytes !== payload.byteLength) fail("part lengths do not add up");
  const idHashes = new Uint32Array(payload.buffer, payload.byteOffset + at, rowCount * 2);
  at += rowCount * 8;
  const drops = dropBytes ? payload.subarray(at, at + dropBytes) : null;
  at += dropBytes;
  const batch = payload.subarray(at, at + batchBytes);
  at += batchBytes;
  const deadLetters = flags & HAS_DEAD_LETTERS ? payload.subarray(at, at + deadBytes) : null;
  return { receivedAt, rowCount, idHashes, drops, batch, deadLetters };
}
