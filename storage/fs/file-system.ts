// The file-system interface the WAL (and later checkpoints) use, so that crash tests can swap in a
// simulated disk that loses unsynced bytes and unsynced directory entries (test/sim/sim-file-system.ts).
//
// Durability contract, which both implementations honour and callers rely on:
// - Bytes appended to a file are durable only after `sync()` on that file resolves.
// - A created, renamed or unlinked directory entry is durable only after `syncDir(dir)` resolves.
// - `truncate` is durable when it resolves (implementations fsync the file).
// - Errors are EngineError: "disk_full" for ENOSPC/EDQUOT, "wal_io" (with the path) for anything else.
// Paths are plain strings joined with node:path; nothing here interprets them further.

export interface AppendFile {
  readonly path: string;
  /** Bytes in the file: those there at open plus those appended since (synced or not). */
  readonly size: number;
  /** One write (writev) of all parts, in order. On rejection a prefix of the bytes may have reached the file. */
  append(parts: readonly Uint8Array[]): Promise<void>;
  /** fdatasync: every byte appended so far is durable when this resolves. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FileSystem {
  mkdirp(dir: string): Promise<void>;
  /** File names (not paths) in `dir`; [] when `dir` does not exist. */
  list(dir: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  /** Creates the file if missing; writes go to its end. */
  openAppend(path: string): Promise<AppendFile>;
  /** Shrinks the file to `size` bytes and makes that durable. */
  truncate(path: string, size: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync of the directory itself: makes creates, renames and unlinks in it durable. */
  syncDir(dir: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}

export { realFileSystem } from "./real-file-system.ts";
