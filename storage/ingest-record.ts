// The WAL record of one ingest batch. It carries everything needed to rebuild the live state
// exactly: the accepted rows, the 64-bit hash of each row's client event_id (0 = generated id), the
// rows the de-duplication window dropped (decided live, so replay never re-decides under a changed
// config), the global dictionary code each batch-dictionary value was given (so replay appends
// codes without looking strings up, and a code always means the same string), and the dead letters
// that came in the same body, with their codes too.
//
//   +----------------------- header, 40 bytes ----------------------------------+
//   | u32 version (2) | u32 rowCount | f64 receivedAt | u32 flags | u32 batchBytes |
//   | u32 deadLetterBytes | u32 mapBytes | u32 deadLetterMapBytes | u32 sourceBytes |
//   +---------------------------------------------------------------------------+
//   | rowCount x u64 id hashes                                                   |
//   | drop bitmap, ceil(rowCount/8) bytes padded to 8            (flags & DROPS) |
//   | batch (engine/core/batch-codec.ts), batchBytes                             |
//   | dead-letter batch, deadLetterBytes                          (flags & DEAD) |
//   | code maps of the batch, mapBytes                                           |
//   | code maps of the dead-letter batch, deadLetterMapBytes                     |
//   | source position, sourceBytes                               (flags & SOURCE) |
//   +---------------------------------------------------------------------------+
//
//   source position: UTF-8 JSON, space-padded to 8 bytes, of where the batch came from in an
//   external log, e.g. {"kind":"kafka","topic":"t","partition":3,"next_offset":"1042"}: logged in
//   the same record as the events, so the log says atomically both what was stored and how far the
//   source was read (exactly-once resume after a crash). Records without it read as before.
//
//   code maps: u32 columnCount, then per batch column u32 count and count x u32 global codes (count
//   0: the column has no global dictionary), padded to 8 bytes; 0 bytes = no maps (replay looks
//   the strings up). Version 1 records (a 32-byte header, no maps) are still read.
//
// Every part is a multiple of 8 bytes, so batches inside a replayed segment stay 8-aligned and
// decode without copying.

import { EngineError } from "../engine/core/errors.ts";

export const RECORD_KIND_INGEST = 1;
/** The de-duplication window's ids at that point of the log (server/ingest/dedup-window.ts snapshot()). */
export const RECORD_KIND_DEDUP_SNAPSHOT = 2;
const VERSION = 2;
const HEADER_BYTES = 40;
const V1_HEADER_BYTES = 32;
const HAS_DROPS = 1;
const HAS_DEAD_LETTERS = 2;
const HAS_SOURCE = 4;

/** How far an external source (a Kafka partition) was read when this batch was taken from it. */
export interface SourcePosition {
  readonly kind: "kafka";
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read, as a decimal string (Kafka offsets are 64-bit). */
  readonly next_offset: string;
}

/** Per batch column, its batch-dictionary code -> global code map; null for other columns. */
export type CodeMaps = readonly (Uint32Array | null)[];

export interface IngestRecord {
  readonly receivedAt: number;
  readonly rowCount: number;
  /** Two u32 per row: lo, hi. */
  readonly idHashes: Uint32Array;
  /** Bit i set = row i was a duplicate and is not stored. */
  readonly drops: Uint8Array | null;
  readonly batch: Uint8Array;
  readonly deadLetters: Uint8Array | null;
  /** null: none logged (a version 1 record); replay then looks strings up. */
  readonly maps: CodeMaps | null;
  readonly deadLetterMaps: CodeMaps | null;
  /** Where the batch came from in an external log (Kafka), or absent. */
  readonly source?: SourcePosition | null;
}

const pad8 = (n: number) => (n + 7) & ~7;

export function encodeCodeMaps(maps: CodeMaps): Uint8Array {
  let words = 1;
  for (const m of maps) words += 1 + (m?.length ?? 0);
  const out = new Uint32Array(pad8(words * 4) / 4);
  out[0] = maps.length;
  let at = 1;
  for (const m of maps) {
    out[at++] = m?.length ?? 0;
    if (m) { out.set(m, at); at += m.length; }
  }
  return new Uint8Array(out.buffer);
}

export function decodeCodeMaps(bytes: Uint8Array): CodeMaps {
  const fail = (): never => { throw new EngineError("wal_corrupt", `ingest record: code maps do not add up (${bytes.byteLength} bytes)`); };
  if (bytes.byteLength < 4) fail();
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  const columns = words[0]!;
  const maps: (Uint32Array | null)[] = [];
  let at = 1;
  for (let c = 0; c < columns; c++) {
    if (at >= words.length) fail();
    const n = words[at++]!;
    if (at + n > words.length) fail();
    maps.push(n === 0 ? null : words.subarray(at, at + n));
    at += n;
  }
  return maps;
}

/** The record as parts for a gathered write; nothing is concatenated. */
export function encodeIngestRecord(r: IngestRecord): Uint8Array[] {
  if (r.batch.byteLength % 8 !== 0 || (r.deadLetters && r.deadLetters.byteLength % 8 !== 0)) {
    throw new Error("assertion failed: batches are padded to 8 bytes");
  }
  const none = new Uint8Array(0);
  const maps = r.maps ? encodeCodeMaps(r.maps) : none;
  const deadMaps = r.deadLetters && r.deadLetterMaps ? encodeCodeMaps(r.deadLetterMaps) : none;
  const source = r.source ? encodeSource(r.source) : none;
  const header = new Uint8Array(HEADER_BYTES);
  const v = new DataView(header.buffer);
  v.setUint32(0, VERSION, true);
  v.setUint32(4, r.rowCount, true);
  v.setFloat64(8, r.receivedAt, true);
  v.setUint32(16, (r.drops ? HAS_DROPS : 0) | (r.deadLetters ? HAS_DEAD_LETTERS : 0) | (r.source ? HAS_SOURCE : 0), true);
  v.setUint32(20, r.batch.byteLength, true);
  v.setUint32(24, r.deadLetters?.byteLength ?? 0, true);
  v.setUint32(28, maps.byteLength, true);
  v.setUint32(32, deadMaps.byteLength, true);
  v.setUint32(36, source.byteLength, true);
  const parts = [header, new Uint8Array(r.idHashes.buffer, r.idHashes.byteOffset, r.rowCount * 8)];
  if (r.drops) {
    const d = new Uint8Array(pad8((r.rowCount + 7) >> 3));
    d.set(r.drops.subarray(0, d.length));
    parts.push(d);
  }
  parts.push(r.batch);
  if (r.deadLetters) parts.push(r.deadLetters);
  if (maps.byteLength) parts.push(maps);
  if (deadMaps.byteLength) parts.push(deadMaps);
  if (source.byteLength) parts.push(source);
  return parts;
}

function encodeSource(p: SourcePosition): Uint8Array {
  const text = JSON.stringify({ kind: p.kind, topic: p.topic, partition: p.partition, next_offset: p.next_offset });
  return new TextEncoder().encode(text.padEnd(pad8(Buffer.byteLength(text)), " "));
}

/** Bytes the encoded record's payload will take, without encoding it. */
export function ingestRecordBytes(rowCount: number, batchBytes: number, deadLetterBytes: number, mapBytesBound: number): number {
  return HEADER_BYTES + rowCount * 8 + pad8((rowCount + 7) >> 3) + batchBytes + deadLetterBytes + mapBytesBound;
}

export function decodeIngestRecord(payload: Uint8Array): IngestRecord {
  const fail = (what: string): never => {
    throw new EngineError("wal_corrupt", `ingest record: ${what} (payload ${payload.byteLength} bytes)`);
  };
  if (payload.byteLength < HEADER_BYTES) fail("shorter than its header");
  if (payload.byteOffset % 8 !== 0) payload = payload.slice();
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const version = v.getUint32(0, true);
  if (version !== VERSION && version !== 1) fail(`unknown version ${version}`);
  const headerBytes = version === 1 ? V1_HEADER_BYTES : HEADER_BYTES;
  const rowCount = v.getUint32(4, true);
  const receivedAt = v.getFloat64(8, true);
  const flags = v.getUint32(16, true);
  const batchBytes = v.getUint32(20, true);
  const deadBytes = v.getUint32(24, true);
  const mapBytes = version === 1 ? 0 : v.getUint32(28, true);
  const deadMapBytes = version === 1 ? 0 : v.getUint32(32, true);
  const sourceBytes = version === 1 || !(flags & HAS_SOURCE) ? 0 : v.getUint32(36, true);
  const dropBytes = flags & HAS_DROPS ? pad8((rowCount + 7) >> 3) : 0;
  if (batchBytes % 8 || deadBytes % 8 || mapBytes % 8 || deadMapBytes % 8 || sourceBytes % 8) fail("a part is not a multiple of 8 bytes");
  let at = headerBytes;
  if (at + rowCount * 8 + dropBytes + batchBytes + deadBytes + mapBytes + deadMapBytes + sourceBytes !== payload.byteLength) fail("part lengths do not add up");
  const idHashes = new Uint32Array(payload.buffer, payload.byteOffset + at, rowCount * 2);
  at += rowCount * 8;
  const drops = dropBytes ? payload.subarray(at, at + dropBytes) : null;
  at += dropBytes;
  const batch = payload.subarray(at, at + batchBytes);
  at += batchBytes;
  const deadLetters = flags & HAS_DEAD_LETTERS ? payload.subarray(at, at + deadBytes) : null;
  at += deadBytes;
  const maps = mapBytes ? decodeCodeMaps(payload.subarray(at, at + mapBytes)) : null;
  at += mapBytes;
  const deadLetterMaps = deadLetters && deadMapBytes ? decodeCodeMaps(payload.subarray(at, at + deadMapBytes)) : null;
  at += deadMapBytes;
  let source: SourcePosition | null = null;
  if (sourceBytes) {
    try {
      source = JSON.parse(new TextDecoder().decode(payload.subarray(at, at + sourceBytes))) as SourcePosition;
    } catch {
      fail("source position is not JSON");
    }
    if (source!.kind !== "kafka" || typeof source!.topic !== "string" || !Number.isInteger(source!.partition) || !/^\d+$/.test(source!.next_offset)) fail("source position is malformed");
  }
  return { receivedAt, rowCount, idHashes, drops, batch, deadLetters, maps, deadLetterMaps, source };
}
