// Shared by the WAL tests: seeded payloads and a replay that collects everything it is handed.

import type { FileSystem } from "../../../../storage/fs/file-system.ts";
import { replayWal, type ReplayOptions, type ReplayReport } from "../../../../storage/wal/wal-reader.ts";
import type { Rng } from "../../../sim/rng.ts";

export interface Replayed { kind: number; lsn: number; payload: number[] }

export async function replayAll(fs: FileSystem, dir: string, opts: ReplayOptions = {}): Promise<{ records: Replayed[]; report: ReplayReport }> {
  const records: Replayed[] = [];
  const report = await replayWal(fs, dir, opts, (kind, lsn, payload) => records.push({ kind, lsn, payload: [...payload] }));
  return { records, report };
}

/** A payload of 0..max bytes whose first byte varies with `i`, split into 1..3 parts. */
export function payloadParts(rng: Rng, i: number, max: number): Uint8Array[] {
  const bytes = rng.bytes(rng.int(0, max));
  if (bytes.byteLength > 0) bytes[0] = i & 0xff;
  const cut1 = rng.int(0, bytes.byteLength);
  const cut2 = rng.int(cut1, bytes.byteLength);
  return [bytes.subarray(0, cut1), bytes.subarray(cut1, cut2), bytes.subarray(cut2)].filter((p, k) => k === 0 || p.byteLength > 0);
}

export function joined(parts: readonly Uint8Array[]): number[] {
  return parts.flatMap((p) => [...p]);
}

/** Resolves after `n` macrotasks: lets the simulated disk complete n rounds of operations. */
export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}
