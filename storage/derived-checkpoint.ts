// The checkpoint of derived state (engine/aggregate/derived-state.ts): one file, replaced atomically
// (temp file, fsync, rename, fsync of the directory), so a crash leaves the old checkpoint or the
// new one. Compaction writes one before it deletes WAL segments whose rows the old one did not cover.
//
//   DATA/derived/checkpoint.bin
//
//   +-------+---------+-----------+-------------------+-------------------------+-------+
//   | u32   | u32     | u32       | header (UTF-8     | sections, in header     | u32   |
//   | magic | version | headerLen | JSON: [{name,     | order, each `length`    | CRC-32|
//   | CDS1  | 1       |           | covered, length}])| bytes                   | of all|
//   +-------+---------+-----------+-------------------+-------------------------+-------+
//
// A file that fails its CRC or does not parse is data_corrupt: start-up stops and names it (derived
// state cannot be rebuilt from a WAL that has been truncated, so guessing would give wrong answers).

import { join } from "node:path";
import type { DerivedSection, DerivedSnapshot } from "../engine/aggregate/derived-state.ts";
import { EngineError } from "../engine/core/errors.ts";
import type { FileSystem } from "./fs/file-system.ts";

export const CHECKPOINT_NAME = "checkpoint.bin";
const MAGIC = 0x31534443; // "CDS1"
const VERSION = 1;

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

interface HeaderEntry { name: string; covered: Record<string, number>; length: number }

/** The file but its CRC, as parts: the prefix and header, then each section's own bytes (not copied). */
function checkpointParts(s: DerivedSnapshot): Uint8Array[] {
  const entries: HeaderEntry[] = [...s].map(([name, sec]) => ({ name, covered: { ...sec.covered }, length: sec.bytes.byteLength }));
  const header = utf8.encode(JSON.stringify(entries));
  const head = new Uint8Array(12 + header.byteLength);
  const view = new DataView(head.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.byteLength, true);
  head.set(header, 12);
  return [head, ...[...s.values()].map((sec) => sec.bytes)];
}

function crcBytes(crc: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, crc, true);
  return out;
}

/** The whole file as one array (tests; writeCheckpoint writes the parts as they are). */
export function encodeCheckpoint(s: DerivedSnapshot): Uint8Array {
  const parts = checkpointParts(s);
  let size = 4, crc = 0, at = 0;
  for (const p of parts) size += p.byteLength;
  const out = new Uint8Array(size);
  for (const p of parts) { out.set(p, at); at += p.byteLength; crc = Bun.hash.crc32(p, crc); }
  out.set(crcBytes(crc), at);
  return out;
}

/** CRC work between two yields: ~1 ms of the serving thread (Bun.hash.crc32: 0.1 ms per 4 MiB here). */
const CRC_SLICE_BYTES = 32 << 20;

/**
 * The CRC of `parts` as if joined, computed in slices with `pause` awaited between them. Joining
 * 43 MB of sections into one array and taking its CRC held the serving thread for 21 ms, nearly all
 * of it filling fresh memory; the CRC alone is ~1 ms.
 */
async function crcOf(parts: readonly Uint8Array[], pause: () => Promise<void>, sliceBytes: number): Promise<number> {
  let crc = 0, sinceYield = 0;
  for (const p of parts) {
    for (let at = 0; at < p.byteLength; at += sliceBytes) {
      const chunk = p.subarray(at, Math.min(p.byteLength, at + sliceBytes));
      crc = Bun.hash.crc32(chunk, crc);
      sinceYield += chunk.byteLength;
      if (sinceYield >= sliceBytes) { await pause(); sinceYield = 0; }
    }
  }
  return crc;
}

export function decodeCheckpoint(bytes: Uint8Array, path: string): DerivedSnapshot {
  const bad = (why: string): never => {
    throw new EngineError("data_corrupt", `derived-state checkpoint ${path} ${why}; move it aside to start without rollups, audiences and profiles history`);
  };
  if (bytes.byteLength < 16) bad(`is ${bytes.byteLength} bytes, too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.byteLength - 4;
  if (view.getUint32(end, true) !== Bun.hash.crc32(bytes.subarray(0, end))) bad("fails its CRC");
  if (view.getUint32(0, true) !== MAGIC) bad("has a bad magic number");
  if (view.getUint32(4, true) !== VERSION) bad(`has version ${view.getUint32(4, true)}, this Caracal reads ${VERSION}`);
  const headerLen = view.getUint32(8, true);
  if (12 + headerLen > end) bad("has a header longer than the file");
  let entries: HeaderEntry[];
  try {
    entries = JSON.parse(utf8d.decode(bytes.subarray(12, 12 + headerLen))) as HeaderEntry[];
  } catch {
    return bad("has a header that is not JSON");
  }
  const out = new Map<string, DerivedSection>();
  let at = 12 + headerLen;
  for (const e of entries) {
    if (at + e.length > end) bad(`section ${e.name} runs past the end`);
    // A copy: sections outlive the file's buffer and decoders may keep views.
    out.set(e.name, { covered: e.covered, bytes: bytes.slice(at, at + e.length) });
    at += e.length;
  }
  if (at !== end) bad("has bytes after its last section");
  return out;
}

/**
 * Writes the checkpoint (temp file, fsync, rename, fsync of the directory). The sections are written
 * as they are, never joined, and `pause` is awaited between slices of the CRC (default: a turn of the
 * event loop), so requests are served in between.
 */
export async function writeCheckpoint(fs: FileSystem, dir: string, s: DerivedSnapshot, pause: () => Promise<void> = nextTurn, sliceBytes = CRC_SLICE_BYTES): Promise<void> {
  await fs.mkdirp(dir);
  const tmp = join(dir, `${CHECKPOINT_NAME}.tmp`);
  const parts = checkpointParts(s);
  parts.push(crcBytes(await crcOf(parts, pause, sliceBytes)));
  if (await fs.exists(tmp)) await fs.unlink(tmp);
  const f = await fs.openAppend(tmp);
  try {
    await f.append(parts);
    await f.sync();
  } finally {
    await f.close();
  }
  await fs.rename(tmp, join(dir, CHECKPOINT_NAME));
  await fs.syncDir(dir);
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** The checkpoint, or null when none was written yet. */
export async function readCheckpoint(fs: FileSystem, dir: string): Promise<DerivedSnapshot | null> {
  const path = join(dir, CHECKPOINT_NAME);
  if (!(await fs.exists(path))) return null;
  // Made durable before use: one left renamed-but-unsynced by a dead process could revert after
  // this process has already trimmed the log on its word (see Compactor.open).
  await fs.syncDir(dir);
  return decodeCheckpoint(await fs.readFile(path), path);
}
