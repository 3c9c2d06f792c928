// The FileSystem on the real disk, over node:fs/promises (which Bun implements natively).
// Invariants: every rejection is an EngineError ("disk_full" for ENOSPC/EDQUOT, "wal_io" naming the
// operation and path otherwise); `truncate` fsyncs before resolving; `append` loops until every byte
// is written, because writev may write less than asked.

import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { EngineError } from "../../engine/core/errors.ts";
import type { AppendFile, FileSystem } from "./file-system.ts";

function ioError(e: unknown, op: string, path: string): EngineError {
  if (e instanceof EngineError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? "EIO";
  const message = `${op} ${path}: ${(e as Error).message ?? String(e)}`;
  if (code === "ENOSPC" || code === "EDQUOT") return new EngineError("disk_full", message, { path, errno: code });
  return new EngineError("wal_io", message, { path, errno: code });
}

async function guard<T>(op: string, path: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw ioError(e, op, path);
  }
}

class RealAppendFile implements AppendFile {
  constructor(readonly path: string, private readonly fh: FileHandle, public size: number) {}

  append(parts: readonly Uint8Array[]): Promise<void> {
    return guard("write", this.path, async () => {
      let total = 0;
      for (const p of parts) total += p.byteLength;
      let rest: Uint8Array[] = parts as Uint8Array[];
      let left = total;
      while (left > 0) {
        const { bytesWritten } = await this.fh.writev(rest);
        this.size += bytesWritten;
        left -= bytesWritten;
        if (left > 0) rest = dropPrefix(rest, bytesWritten);
      }
    });
  }

  sync(): Promise<void> {
    return guard("fdatasync", this.path, () => this.fh.datasync());
  }

  close(): Promise<void> {
    return guard("close", this.path, () => this.fh.close());
  }
}

/** The buffers left after the first `n` bytes were written: only called on a short write. */
function dropPrefix(parts: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < parts.length && n >= parts[i]!.byteLength) n -= parts[i++]!.byteLength;
  const out = parts.slice(i);
  if (out.length > 0 && n > 0) out[0] = out[0]!.subarray(n);
  return out;
}

async function fsyncPath(path: string, flags: string): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export const realFileSystem: FileSystem = {
  mkdirp: (dir) => guard("mkdir", dir, async () => { await mkdir(dir, { recursive: true }); }),

  list: (dir) => guard("readdir", dir, async () => {
    try {
      return await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }),

  readFile: (path) => guard("read", path, async () => {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }),

  openAppend: (path) => guard("open", path, async () => {
    const fh = await open(path, "a");
    try {
      const { size } = await fh.stat();
      return new RealAppendFile(path, fh, size);
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }),

  truncate: (path, size) => guard("truncate", path, async () => {
    const fh = await open(path, "r+");
    try {
      await fh.truncate(size);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }),

  rename: (from, to) => guard("rename", `${from} -> ${to}`, () => rename(from, to)),
  unlink: (path) => guard("unlink", path, () => unlink(path)),
  syncDir: (dir) => guard("fsync directory", dir, () => fsyncPath(dir, "r")),

  exists: (path) => guard("stat", path, async () => {
    try {
      await stat(path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
  }),
};
