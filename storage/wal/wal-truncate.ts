// Dropping the head of the log once a checkpoint holds everything below an lsn.
// Invariants: only whole segments go, oldest first, so a crash part-way leaves a contiguous log; the
// last segment is never removed (the writer may be appending to it, and its end is unknown without
// reading it); a segment goes only when the next segment's name proves all its records are < lsn.

import type { FileSystem } from "../fs/file-system.ts";
import { listSegments } from "./segment-file.ts";

/** Deletes the segments whose records all have lsns below `lsn`; returns the paths removed. */
export async function removeSegmentsBefore(fs: FileSystem, dir: string, lsn: number): Promise<string[]> {
  const segments = await listSegments(fs, dir);
  const removed: string[] = [];
  for (let i = 0; i + 1 < segments.length && segments[i + 1]!.firstLsn <= lsn; i++) {
    await fs.unlink(segments[i]!.path);
    removed.push(segments[i]!.path);
  }
  if (removed.length > 0) await fs.syncDir(dir);
  return removed;
}
