// WAL segment files: their names, their 16-byte file header, and listing them in LSN order.
//
// A segment is named after the lsn of its first record, `<20-digit zero-padded lsn>.wal`, so names
// sort in lsn order and the segment after S bounds the lsns in S. Layout (little-endian):
//
//   0                     8        12       16
//   +---------------------+--------+--------+----------+----------+-----
//   | magic "CRCLWAL1"    | u32    | u32    | record   | record   | ...
//   | (8 bytes of ASCII)  | version| 0      | (8-aligned, see record-codec.ts)
//   +---------------------+--------+--------+----------+----------+-----
//
// Invariant: the records of segment S have lsns S, S+1, ... in order, all below the next segment's
// name. A segment may hold no records (the writer created it and stopped before writing any).

import { join } from "node:path";
import type { FileSystem } from "../fs/file-system.ts";

export const SEGMENT_HEADER_BYTES = 16;
export const SEGMENT_FORMAT_VERSION = 1;
const SEGMENT_MAGIC = new TextEncoder().encode("CRCLWAL1");
const NAME = /^(\d{20})\.wal$/;

export interface SegmentEntry {
  readonly name: string;
  readonly path: string;
  readonly firstLsn: number;
}

export function segmentName(firstLsn: number): string {
  return `${String(firstLsn).padStart(20, "0")}.wal`;
}

/** The first lsn a file name stands for, or null when the name is not a segment's. */
export function parseSegmentName(name: string): number | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const lsn = Number(m[1]);
  return Number.isSafeInteger(lsn) ? lsn : null;
}

/** Segments in `dir`, ordered by first lsn. Other files (and directories) are ignored. */
export async function listSegments(fs: FileSystem, dir: string): Promise<SegmentEntry[]> {
  const out: SegmentEntry[] = [];
  for (const name of await fs.list(dir)) {
    const firstLsn = parseSegmentName(name);
    if (firstLsn !== null) out.push({ name, path: join(dir, name), firstLsn });
  }
  return out.sort((a, b) => a.firstLsn - b.firstLsn);
}

export function encodeSegmentHeader(): Uint8Array {
  const h = new Uint8Array(SEGMENT_HEADER_BYTES);
  h.set(SEGMENT_MAGIC, 0);
  new DataView(h.buffer).setUint32(8, SEGMENT_FORMAT_VERSION, true);
  return h;
}

export type SegmentHeaderCheck = "ok" | "truncated" | "bad_magic" | "bad_version";

export function checkSegmentHeader(bytes: Uint8Array): SegmentHeaderCheck {
  if (bytes.byteLength < SEGMENT_HEADER_BYTES) return "truncated";
  for (let i = 0; i < SEGMENT_MAGIC.length; i++) if (bytes[i] !== SEGMENT_MAGIC[i]) return "bad_magic";
  const view = new DataView(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  if (view.getUint32(8, true) !== SEGMENT_FORMAT_VERSION || view.getUint32(12, true) !== 0) return "bad_version";
  return "ok";
}
