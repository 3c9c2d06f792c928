// Dimension tables: small reference tables a client uploads whole (campaign budgets, CRM customers)
// to join with events in SQL. Each lives in DATA/tables/<name>/ as one Parquet file, v<N>.parquet,
// and in DuckDB as a view `<name>` over it. They never enter the store or the native engine.
//
// PUT (replace):  body -> upload.tmp (streamed, size-checked) -> DuckDB reads it (read_csv,
//                 read_json or read_parquet: types detected, errors name the line) and writes
//                 v<N+1>.parquet.tmp -> fsync, rename to v<N+1>.parquet, fsync the directory -> the
//                 view points at it -> older versions deleted. A crash leaves either the old
//                 version or the new one in force, never a partial file.
// DELETE:         the view is dropped, the directory renamed aside (.trash-*) and removed.
// Startup:        the highest v<N>.parquet of each directory gets its view; leftovers are removed.
//
// One change at a time (a promise chain), each inside DuckDb.exclusive(), so queries never see a
// half-made table.

import { rmSync } from "node:fs";
import { join } from "node:path";
import { EngineError } from "../../engine/core/errors.ts";
import type { SqlColumn } from "../../engine/query/result.ts";
import type { DuckDb, DuckSession } from "../../storage/duckdb.ts";
import { realFileSystem as fs } from "../../storage/fs/file-system.ts";
import { quoteIdent, quoteLiteral } from "./duck-types.ts";

export const DIMENSION_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const VERSION_FILE = /^v(\d+)\.parquet$/;
const UPLOAD = "upload.tmp";

export type UploadFormat = "csv" | "ndjson" | "parquet";

/** DuckDB's record of CSV lines it could not read (store_rejects): a temporary table per connection. */
const CSV_REJECTS = "caracal_upload_rejects", CSV_SCANS = "caracal_upload_scans";

const READER: Record<UploadFormat, (path: string) => string> = {
  // Bad lines are set aside with their line numbers instead of making the sniffer give up or guess
  // a one-column layout; any of them fails the upload (convert()).
  csv: (p) => `read_csv(${quoteLiteral(p)}, header = true, store_rejects = true, rejects_table = '${CSV_REJECTS}', rejects_scan = '${CSV_SCANS}')`,
  ndjson: (p) => `read_json(${quoteLiteral(p)}, format = 'auto')`,
  parquet: (p) => `read_parquet(${quoteLiteral(p)})`,
};

export interface DimensionTable {
  readonly name: string;
  readonly version: number;
  readonly path: string;
  readonly rows: number;
  readonly columns: readonly SqlColumn[];
}

export class DimensionTables {
  private readonly tables = new Map<string, DimensionTable>();
  private chain: Promise<unknown> = Promise.resolve();

  /**
   * `isStream(name)`: a store table has that name (it may not be shadowed). `changed` runs after
   * every change, to drop cached descriptions and plans.
   */
  constructor(
    private readonly duck: DuckDb,
    private readonly dir: string,
    private readonly isStream: (name: string) => boolean,
    private readonly changed: () => void,
  ) {}

  list(): DimensionTable[] {
    return [...this.tables.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Startup: a view for the newest complete version of each table on disk; leftovers removed. */
  async load(): Promise<void> {
    await fs.mkdirp(this.dir);
    for (const entry of await fs.list(this.dir)) {
      if (entry.startsWith(".trash-")) { rmSync(join(this.dir, entry), { recursive: true, force: true }); continue; }
      if (!DIMENSION_NAME.test(entry) || this.isStream(entry)) continue;
      const versions = await this.versions(entry);
      if (versions.length === 0) continue;
      const version = versions[versions.length - 1]!;
      await this.duck.exclusive((s) => this.install(s, entry, version));
      await this.removeOthers(entry, version);
    }
  }

  /** Replaces (or creates) table `name` from an uploaded body. */
  put(name: string, body: ReadableStream<Uint8Array> | null, format: UploadFormat, bytesMax: number): Promise<DimensionTable> {
    this.checkName(name);
    return this.serialize(async () => {
      const tableDir = join(this.dir, name);
      await fs.mkdirp(tableDir);
      await fs.syncDir(this.dir);
      const upload = join(tableDir, UPLOAD);
      try {
        await writeUpload(upload, body, bytesMax);
        const versions = await this.versions(name);
        const version = (versions[versions.length - 1] ?? 0) + 1;
        const file = join(tableDir, `v${version}.parquet`);
        const out = await this.duck.exclusive(async (s) => {
          await convert(s, format, upload, `${file}.tmp`);
          const f = await fs.openAppend(`${file}.tmp`);
          await f.sync();
          await f.close();
          await fs.rename(`${file}.tmp`, file);
          await fs.syncDir(tableDir);
          return await this.install(s, name, version);
        });
        await this.removeOthers(name, version);
        return out;
      } finally {
        await fs.unlink(upload).catch(() => {});
        if (!this.tables.has(name)) rmSync(tableDir, { recursive: true, force: true });
        this.changed();
      }
    });
  }

  /** Drops table `name`; false when there is none. */
  drop(name: string): Promise<boolean> {
    this.checkName(name);
    return this.serialize(async () => {
      if (!this.tables.has(name)) return false;
      await this.duck.exclusive((s) => s.run(`DROP VIEW IF EXISTS main.${quoteIdent(name)}`));
      this.tables.delete(name);
      this.changed();
      const trash = join(this.dir, `.trash-${name}-${Date.now()}`);
      await fs.rename(join(this.dir, name), trash);
      await fs.syncDir(this.dir);
      rmSync(trash, { recursive: true, force: true });
      return true;
    });
  }

  private checkName(name: string): void {
    if (!DIMENSION_NAME.test(name)) {
      throw new EngineError("bad_argument", `table name "${name}" must be lower-case letters, digits and _, starting with a letter or _, at most 63 characters`);
    }
    if (this.isStream(name)) throw new EngineError("bad_argument", `table "${name}" is an event stream; dimension tables need another name`);
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  private async versions(name: string): Promise<number[]> {
    const out: number[] = [];
    for (const f of await fs.list(join(this.dir, name))) {
      const m = VERSION_FILE.exec(f);
      if (m) out.push(Number(m[1]));
    }
    return out.sort((a, b) => a - b);
  }

  /** Points view `name` at version `version` and records its shape. */
  private async install(s: DuckSession, name: string, version: number): Promise<DimensionTable> {
    const path = join(this.dir, name, `v${version}.parquet`);
    await s.run(`CREATE OR REPLACE VIEW main.${quoteIdent(name)} AS SELECT * FROM read_parquet(${quoteLiteral(path)})`);
    const described = await s.read(`DESCRIBE main.${quoteIdent(name)}`);
    const count = await s.read(`SELECT count(*) FROM main.${quoteIdent(name)}`);
    const table: DimensionTable = {
      name, version, path, rows: Number(count[0]![0]),
      columns: described.map((r) => ({ name: String(r[0]), type: String(r[1]) })),
    };
    this.tables.set(name, table);
    return table;
  }

  /** Everything in the table's directory but v<version>.parquet (older versions, temporary files). */
  private async removeOthers(name: string, version: number): Promise<void> {
    const tableDir = join(this.dir, name);
    for (const f of await fs.list(tableDir)) {
      if (f !== `v${version}.parquet`) await fs.unlink(join(tableDir, f)).catch(() => {});
    }
  }
}

/** DuckDB reads the upload and writes it as Parquet. Errors in the data are the client's: 400 with DuckDB's words. */
async function convert(s: DuckSession, format: UploadFormat, upload: string, target: string): Promise<void> {
  try {
    await s.run(`COPY (SELECT * FROM ${READER[format](upload)}) TO ${quoteLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`);
    if (format === "csv") {
      const rejects = await s.read(`SELECT line, error_message, csv_line, count(*) OVER () FROM temp.${CSV_REJECTS} ORDER BY line LIMIT 1`);
      if (rejects.length > 0) {
        const [line, message, text, count] = rejects[0]!;
        throw new EngineError("malformed_body", `the uploaded CSV could not be read: line ${line}: ${message} (${JSON.stringify(text)}); ${count} bad line(s) in all`, { line: Number(line) });
      }
    }
  } catch (e) {
    await fs.unlink(target).catch(() => {});
    if (e instanceof EngineError) throw e;
    // The server's paths are none of the client's business: the file is "the upload".
    const text = uploadErrorText(String((e as Error)?.message ?? e)).replaceAll(`file "${upload}"`, "the upload").replaceAll(upload, "the upload");
    throw new EngineError("malformed_body", `the uploaded table could not be read: ${text}`);
  } finally {
    if (format === "csv") await s.run(`DROP TABLE IF EXISTS temp.${CSV_REJECTS}; DROP TABLE IF EXISTS temp.${CSV_SCANS}`);
  }
}

/** DuckDB's message from its JSON error form, without the position in our own COPY statement. */
function uploadErrorText(message: string): string {
  try {
    const o = JSON.parse(message.slice(message.indexOf("{"))) as { exception_type?: string; exception_message?: string };
    return `${o.exception_type ?? "Error"}: ${o.exception_message ?? message}`.trim();
  } catch {
    return message;
  }
}

/** Streams the request body to `path`, at most `bytesMax` bytes (413 past it), then fsyncs it. */
async function writeUpload(path: string, body: ReadableStream<Uint8Array> | null, bytesMax: number): Promise<void> {
  await fs.unlink(path).catch(() => {});
  const file = await fs.openAppend(path);
  let bytes = 0;
  try {
    if (body !== null) {
      for await (const chunk of body) {
        bytes += chunk.byteLength;
        if (bytes > bytesMax) throw new EngineError("body_too_large", `table upload exceeds ${bytesMax} bytes (sql.upload_bytes_max)`);
        await file.append([chunk]);
      }
    }
    if (bytes === 0) throw new EngineError("malformed_body", "the uploaded table is empty");
    await file.sync();
  } finally {
    await file.close();
  }
}
