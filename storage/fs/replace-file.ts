// Small state files (alert rules and states, API keys, served and trained models) replaced the way the manifest
// is: written to a temp file, fsynced, renamed over the old one, and the directory fsynced. Without
// the fsyncs a power loss can leave the new name pointing at an empty file (the rename reached the
// disk before the data), and the next start would fail to read it.

import * as nodeFs from "node:fs";
import { dirname } from "node:path";

/** The synchronous calls the replacement makes (node:fs; tests record the order). */
export type ReplaceFileOps = Pick<typeof nodeFs, "openSync" | "writeSync" | "fsyncSync" | "closeSync" | "renameSync">;

export function replaceFileSync(path: string, data: string | Uint8Array, mode = 0o644, fs: ReplaceFileOps = nodeFs): void {
  const tmp = `${path}.tmp`;
  const fd = fs.openSync(tmp, "w", mode);
  try {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    for (let at = 0; at < bytes.byteLength; ) at += fs.writeSync(fd, bytes, at, bytes.byteLength - at);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
  const dir = fs.openSync(dirname(path), "r");
  try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
}
