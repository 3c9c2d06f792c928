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
import { writeSynced } from "./parquet/manifest.ts";

export const CHECKPOINT_NAME = "checkpoint.bin";
const MAGIC = 0x31534443; // "CDS1"
const VERSION = 1;

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

interface HeaderEntry { name: string; covered: Record<string, number>; length: number }

export function encodeCheckpoint(s: DerivedSnapshot): Uint8Array {
  const entries: HeaderEntry[] = [...s].map(([name, sec]) => ({ name, covered: { ...sec.covered }, length: sec.bytes.byteLength }));
  const header = utf8.encode(JSON.stringify(entries));
  let size = 12 + header.byteLength + 4;
  for (const e of entries) size += e.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.byteLength, true);
  out.set(header, 12);
  let at = 12 + header.byteLength;
  for (const [, sec] of s) { out.set(sec.bytes, at); at += sec.bytes.byteLength; }
  view.setUint32(at, Bun.hash.crc32(out.subarray(0, at)), true);
  return out;
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

export async function writeCheckpoint(fs: FileSystem, dir: string, s: DerivedSnapshot): Promise<void> {
  await fs.mkdirp(dir);
  const tmp = join(dir, `${CHECKPOINT_NAME}.tmp`);
  await writeSynced(fs, tmp, encodeCheckpoint(s));
  await fs.rename(tmp, join(dir, CHECKPOINT_NAME));
  await fs.syncDir(dir);
}

/** The checkpoint, or null when none was written yet. */
export async function readCheckpoint(fs: FileSystem, dir: string): Promise<DerivedSnapshot | null> {
  const path = join(dir, CHECKPOINT_NAME);
  if (!(await fs.exists(path))) return null;
  // Made durable before use: one left renamed-but-unsynced by a dead process could revert after
  // this process has already trimmed the log on its word (see Compactor.open).
  await fs.syncDir(dir);
  return decodeCheckpoint(await fs.readFile(path), path);
}
