// An in-memory FileSystem that forgets what a real disk may forget at power loss, after TigerBeetle's
// testing/storage.zig. It is the disk under the WAL crash simulation.
//
// Model:
// - A file (inode) holds durable bytes (up to its last fsync) followed by pending bytes, remembered
//   write by write. `truncate` is durable at once (the real one fsyncs).
// - Directory entries live in two namespaces: the live one that operations see, and the durable one.
//   create/rename/unlink go to the live namespace at once and to a per-directory log; `syncDir(dir)`
//   applies that directory's log to the durable namespace. Directories themselves are durable when
//   made (a simplification: the WAL's directories exist before it runs).
// - Every operation completes on a later macrotask (setImmediate), and takes effect only then, so
//   a test can crash between any two steps of the code under test by choosing how many ticks to run.
// - `crash(rng)` is power loss: each directory keeps a random prefix of its unsynced log; each file
//   keeps its durable bytes and a random prefix of its pending writes, and the next write may be torn
//   (a random prefix of it, sometimes with its last bytes corrupted). `crash(rng, "process")` loses
//   nothing: it only ends the process. Either way it returns a fresh view of the disk for the
//   "restarted process"; operations of the old view, pending or new, never settle, as a dead process
//   never sees them finish.
// - Faults: `failNextWrites(n, code)` makes the next n appends reject (after writing a random prefix
//   when `partial`), `failNextSyncs(n)` the next n file fsyncs.

import { basename, dirname } from "node:path";
import { EngineError, type ErrorCode } from "../../engine/core/errors.ts";
import type { AppendFile, FileSystem } from "../../storage/fs/file-system.ts";
import { Rng } from "./rng.ts";

interface Inode {
  data: Uint8Array;
  size: number;
  durableSize: number;
  /** End offset of each write since the last fsync, ascending. */
  writeEnds: number[];
}

type DirOp =
  | { op: "link"; path: string; inode: Inode }
  | { op: "unlink"; path: string }
  | { op: "rename"; from: string; to: string; inode: Inode };

class SimDisk {
  epoch = 0;
  live = new Map<string, Inode>();
  durable = new Map<string, Inode>();
  dirs = new Set<string>(["/"]);
  dirLogs = new Map<string, DirOp[]>();
  failWrites = { n: 0, code: "disk_full" as ErrorCode, partial: false };
  failSyncs = { n: 0, code: "wal_io" as ErrorCode };
  counts = { writes: 0, syncs: 0, dirSyncs: 0, crashes: 0 };

  logDirOp(dir: string, op: DirOp): void {
    let log = this.dirLogs.get(dir);
    if (log === undefined) this.dirLogs.set(dir, (log = []));
    log.push(op);
  }

  applyDurably(op: DirOp): void {
    if (op.op === "link") this.durable.set(op.path, op.inode);
    else if (op.op === "unlink") this.durable.delete(op.path);
    else {
      this.durable.delete(op.from);
      this.durable.set(op.to, op.inode);
    }
  }
}

export class SimFileSystem implements FileSystem {
  private readonly disk: SimDisk;
  private readonly epoch: number;

  constructor(private readonly rng: Rng, disk?: SimDisk) {
    this.disk = disk ?? new SimDisk();
    this.epoch = this.disk.epoch;
  }

  /** Ends this view of the disk ("power": losing what was not durable) and returns the next one. */
  crash(rng: Rng, kind: "power" | "process" = "power"): SimFileSystem {
    const d = this.disk;
    d.epoch++;
    d.counts.crashes++;
    // Injected faults belong to the process that saw them, not to the disk.
    d.failWrites.n = 0;
    d.failSyncs.n = 0;
    if (kind === "power") {
      for (const log of d.dirLogs.values()) {
        const kept = rng.int(0, log.length);
        for (let i = 0; i < kept; i++) d.applyDurably(log[i]!);
      }
      d.dirLogs.clear();
      for (const inode of new Set(d.durable.values())) tear(inode, rng);
      d.live = new Map(d.durable);
    }
    return new SimFileSystem(this.rng, d);
  }

  /** Ignored on a dead view: a workload still running after its crash must not reach the next process. */
  failNextWrites(n: number, code: ErrorCode = "disk_full", opts: { partial?: boolean } = {}): void {
    if (this.epoch === this.disk.epoch) this.disk.failWrites = { n, code, partial: opts.partial ?? false };
  }

  failNextSyncs(n: number, code: ErrorCode = "wal_io"): void {
    if (this.epoch === this.disk.epoch) this.disk.failSyncs = { n, code };
  }

  counts(): { writes: number; syncs: number; dirSyncs: number; crashes: number } {
    return { ...this.disk.counts };
  }

  /** What a power loss right now could not take away from `path` (null: the entry is not durable). */
  durableBytes(path: string): Uint8Array | null {
    const inode = this.disk.durable.get(path);
    return inode === undefined ? null : inode.data.slice(0, inode.durableSize);
  }

  mkdirp(dir: string): Promise<void> {
    return this.op(() => {
      for (let d = dir; !this.disk.dirs.has(d); d = dirname(d)) this.disk.dirs.add(d);
    });
  }

  list(dir: string): Promise<string[]> {
    return this.op(() => {
      const out: string[] = [];
      for (const p of this.disk.live.keys()) if (dirname(p) === dir) out.push(basename(p));
      for (const p of this.disk.dirs) if (p !== dir && dirname(p) === dir) out.push(basename(p));
      return out.sort();
    });
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.op(() => {
      const inode = this.inode(path, "read");
      return inode.data.slice(0, inode.size);
    });
  }

  openAppend(path: string): Promise<AppendFile> {
    return this.op(() => {
      if (!this.disk.dirs.has(dirname(path))) throw ioError("open", path, "ENOENT: no such directory");
      let inode = this.disk.live.get(path);
      if (inode === undefined) {
        inode = { data: new Uint8Array(256), size: 0, durableSize: 0, writeEnds: [] };
        this.disk.live.set(path, inode);
        this.disk.logDirOp(dirname(path), { op: "link", path, inode });
      }
      return new SimAppendFile(this, path, inode);
    });
  }

  truncate(path: string, size: number): Promise<void> {
    return this.op(() => {
      const inode = this.inode(path, "truncate");
      if (size > inode.size) throw ioError("truncate", path, `cannot grow ${inode.size} bytes to ${size}`);
      inode.data.fill(0, size, inode.size);
      inode.size = size;
      inode.durableSize = size;
      inode.writeEnds = [];
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.op(() => {
      const inode = this.inode(from, "rename");
      if (dirname(from) !== dirname(to)) throw new Error("assertion failed: the simulator renames within one directory");
      this.disk.live.delete(from);
      this.disk.live.set(to, inode);
      this.disk.logDirOp(dirname(from), { op: "rename", from, to, inode });
    });
  }

  unlink(path: string): Promise<void> {
    return this.op(() => {
      this.inode(path, "unlink");
      this.disk.live.delete(path);
      this.disk.logDirOp(dirname(path), { op: "unlink", path });
    });
  }

  syncDir(dir: string): Promise<void> {
    return this.op(() => {
      if (!this.disk.dirs.has(dir)) throw ioError("fsync directory", dir, "ENOENT");
      for (const op of this.disk.dirLogs.get(dir) ?? []) this.disk.applyDurably(op);
      this.disk.dirLogs.delete(dir);
      this.disk.counts.dirSyncs++;
    });
  }

  exists(path: string): Promise<boolean> {
    return this.op(() => this.disk.live.has(path) || this.disk.dirs.has(path));
  }

  /** Runs `fn` on a later macrotask, unless the process has died by then. */
  op<T>(fn: () => T): Promise<T> {
    const epoch = this.epoch;
    return new Promise<T>((resolve, reject) => {
      setImmediate(() => {
        if (this.disk.epoch !== epoch) return;
        try {
          resolve(fn());
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  writeTo(inode: Inode, path: string, parts: readonly Uint8Array[]): void {
    const f = this.disk.failWrites;
    let total = 0;
    for (const p of parts) total += p.byteLength;
    let keep = total;
    if (f.n > 0) keep = f.partial ? this.rng.int(0, total) : 0;
    grow(inode, inode.size + keep);
    const end = inode.size + keep;
    let at = inode.size;
    for (let i = 0; i < parts.length && at < end; i++) {
      const p = parts[i]!;
      const n = Math.min(p.byteLength, end - at);
      inode.data.set(n === p.byteLength ? p : p.subarray(0, n), at);
      at += n;
    }
    if (at > inode.size) inode.writeEnds.push(at);
    inode.size = at;
    this.disk.counts.writes++;
    if (f.n > 0) {
      f.n--;
      throw new EngineError(f.code, `simulated ${f.code} writing ${path} (${keep} of ${total} bytes written)`);
    }
  }

  syncInode(inode: Inode, path: string): void {
    const f = this.disk.failSyncs;
    if (f.n > 0) {
      f.n--;
      throw new EngineError(f.code, `simulated ${f.code} on fdatasync ${path}`);
    }
    inode.durableSize = inode.size;
    inode.writeEnds = [];
    this.disk.counts.syncs++;
  }

  private inode(path: string, op: string): Inode {
    const inode = this.disk.live.get(path);
    if (inode === undefined) throw ioError(op, path, "ENOENT: no such file");
    return inode;
  }
}

class SimAppendFile implements AppendFile {
  private closed = false;

  constructor(private readonly fs: SimFileSystem, readonly path: string, private readonly inode: Inode) {}

  get size(): number {
    return this.inode.size;
  }

  append(parts: readonly Uint8Array[]): Promise<void> {
    return this.fs.op(() => {
      this.checkOpen();
      this.fs.writeTo(this.inode, this.path, parts);
    });
  }

  sync(): Promise<void> {
    return this.fs.op(() => {
      this.checkOpen();
      this.fs.syncInode(this.inode, this.path);
    });
  }

  close(): Promise<void> {
    return this.fs.op(() => {
      this.checkOpen();
      this.closed = true;
    });
  }

  private checkOpen(): void {
    if (this.closed) throw ioError("use", this.path, "EBADF: file is closed");
  }
}

/** Power loss for one file: durable bytes stay, pending writes survive as a prefix, maybe torn. */
function tear(inode: Inode, rng: Rng): void {
  const ends = inode.writeEnds;
  const kept = rng.int(0, ends.length);
  let size = kept === 0 ? inode.durableSize : ends[kept - 1]!;
  if (kept < ends.length && rng.bool()) {
    const cut = rng.int(0, ends[kept]! - size);
    size += cut;
    if (cut > 0 && rng.bool()) {
      const bad = rng.int(1, Math.min(8, cut));
      for (let i = size - bad; i < size; i++) inode.data[i] = rng.next() & 0xff;
    }
  }
  inode.data.fill(0, size, inode.size);
  inode.size = size;
  inode.durableSize = size;
  inode.writeEnds = [];
}

function grow(inode: Inode, size: number): void {
  if (size <= inode.data.byteLength) return;
  const next = new Uint8Array(Math.max(size, inode.data.byteLength * 2));
  next.set(inode.data.subarray(0, inode.size));
  inode.data = next;
}

function ioError(op: string, path: string, why: string): EngineError {
  return new EngineError("wal_io", `${op} ${path}: ${why}`, { path });
}
