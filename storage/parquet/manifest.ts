// The Parquet manifest: the commit point of compaction. It lists, per table, the files that hold
// rows [0, compactedRows), and where WAL replay starts (walStart: the first LSN still needed and the
// table row indexes at that point). A file on disk that the manifest does not list is not data.
//
// It is replaced atomically: written to a temp file, fsynced, renamed over the old one, and the
// directory fsynced; a crash leaves either the old manifest or the new one, never a mix.
//
//   DATA/parquet/_manifest.json
//   DATA/parquet/<table>/date=YYYY-MM-DD/hour=HH/part-<firstRow>-<endRow>.parquet

import { join } from "node:path";
import { EngineError } from "../../engine/core/errors.ts";
import type { FileSystem } from "../fs/file-system.ts";

export const MANIFEST_NAME = "_manifest.json";
export const MANIFEST_VERSION = 1;

export interface ManifestFile {
  /** Relative to the parquet directory, with forward slashes. */
  readonly path: string;
  /** First row of the compaction run that wrote the file. */
  readonly firstRow: number;
  readonly rowCount: number;
  readonly timeMin: number;
  readonly timeMax: number;
}

export interface ManifestTable {
  readonly compactedRows: number;
  readonly files: readonly ManifestFile[];
}

export interface WalStart {
  /** Records below this LSN are all compacted (and out of memory); replay starts here. */
  readonly lsn: number;
  /** Row index of each table at `lsn`: replay appends from there. */
  readonly rows: Readonly<Record<string, number>>;
}

/** A part file found unreadable and moved aside: its rows are left out of answers. */
export interface QuarantinedFile {
  readonly table: string;
  /** Where it was, relative to the parquet directory; it is now `<path>.damaged`. */
  readonly path: string;
  readonly firstRow: number;
  readonly rowCount: number;
  readonly reason: string;
  readonly at: string;
}

export interface Manifest {
  readonly version: number;
  /** Files moved aside after read errors (absent in manifests written before the first one). */
  readonly quarantined?: readonly QuarantinedFile[];
  /** Bumped on every write. */
  readonly generation: number;
  readonly tables: Readonly<Record<string, ManifestTable>>;
  readonly walStart: WalStart | null;
}

export const EMPTY_MANIFEST: Manifest = { version: MANIFEST_VERSION, generation: 0, tables: {}, walStart: null };

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

export async function readManifest(fs: FileSystem, dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_NAME);
  if (!(await fs.exists(path))) return EMPTY_MANIFEST;
  let m: Manifest;
  try {
    m = JSON.parse(utf8d.decode(await fs.readFile(path))) as Manifest;
  } catch (e) {
    throw new EngineError("data_corrupt", `Parquet manifest ${path} is not valid JSON (${(e as Error).message}); restore it from a backup`);
  }
  if (m.version !== MANIFEST_VERSION || typeof m.tables !== "object" || m.tables === null) {
    throw new EngineError("data_corrupt", `Parquet manifest ${path} has version ${m.version}, this Caracal reads version ${MANIFEST_VERSION}`);
  }
  return m;
}

/** Writes `m` durably in place of the current manifest. */
export async function writeManifest(fs: FileSystem, dir: string, m: Manifest): Promise<void> {
  const tmp = join(dir, `${MANIFEST_NAME}.tmp`);
  await writeSynced(fs, tmp, utf8.encode(JSON.stringify(m, null, 1)));
  await fs.rename(tmp, join(dir, MANIFEST_NAME));
  await fs.syncDir(dir);
}

/** Creates (or replaces) `path` with `bytes` and fsyncs it; the directory entry is the caller's to sync. */
export async function writeSynced(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  if (await fs.exists(path)) await fs.unlink(path);
  const f = await fs.openAppend(path);
  try {
    await f.append([bytes]);
    await f.sync();
  } finally {
    await f.close();
  }
}
