// Assembles the SQL side of a process from its Config: the sandboxed DuckDB instance (it may read
// only DATA/parquet and DATA/tables), the hot mirror of the store, the dimension tables on disk and
// the router. The mirror's first sync starts at once in the background, so the first DuckDB query
// after a restart finds most of the store already copied.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Catalog } from "../../engine/store/catalog.ts";
import { DuckDb } from "../../storage/duckdb.ts";
import type { HistorySource } from "../../storage/parquet/table-history.ts";
import type { Config } from "../config.ts";
import { DimensionTables } from "./dimension-tables.ts";
import { HotMirror } from "./hot-mirror.ts";
import { DerivedMirror } from "./derived-mirror.ts";
import type { DerivedTableSource } from "../../engine/aggregate/derived-table.ts";
import { nativeTables } from "./native-tables.ts";
import type { SqlLimits } from "./sql-request.ts";
import { SqlRouter } from "./sql-router.ts";

export interface SqlEngine {
  readonly router: SqlRouter;
  readonly dimensions: DimensionTables;
  readonly limits: SqlLimits;
  close(): Promise<void>;
}

/** Moves a damaged history file aside (storage/parquet/compactor.ts quarantine). */
export type Quarantine = (absPath: string, reason: string) => Promise<{ rowCount: number; restored: boolean } | null>;

export async function openSqlEngine(config: Config, catalog: Catalog, history: HistorySource, derived: readonly DerivedTableSource[] = [], quarantine?: Quarantine): Promise<SqlEngine> {
  const parquetDir = config.parquetDir, tablesDir = resolve(join(config.dataDir, "tables"));
  for (const d of [parquetDir, tablesDir]) mkdirSync(d, { recursive: true });
  const duck = await DuckDb.open({
    // A trailing separator, so that DATA/parquet does not also admit DATA/parquet-other.
    allowedDirectories: [`${parquetDir}/`, `${tablesDir}/`],
    memoryLimit: config.duckdbMemoryLimit,
    threads: config.duckdbThreads,
    tempDirectory: resolve(join(config.dataDir, "tmp", "duckdb")),
  });
  try {
    const mirror = new HotMirror(catalog, history);
    const derivedMirror = new DerivedMirror(derived);
    await duck.exclusive(async (s) => { await mirror.create(s); await derivedMirror.create(s); });
    const onReadError = async (message: string): Promise<string | null> => {
      if (!quarantine) return null;
      for (const t of catalog.list()) {
        for (const f of history.history(t.schema.name).files) {
          if (!message.includes(f.path)) continue;
          const q = await quarantine(f.path, message);
          if (q === null) return null;
          return q.restored
            ? `The damaged file was renamed *.parquet.damaged and rewritten from the ${q.rowCount} rows still in memory: nothing was lost; retry the query`
            : `The damaged file was renamed *.parquet.damaged and its ${q.rowCount} rows are left out of answers from now on (a restart brings them back if the write-ahead log still holds them; else restore the file from a backup)`;
        }
      }
      return null;
    };
    const router = new SqlRouter(duck, mirror, nativeTables(catalog, history), derivedMirror, onReadError);
    const reserved = new Set(derivedMirror.names);
    const dimensions = new DimensionTables(duck, tablesDir, (name) => catalog.get(name) !== undefined || reserved.has(name) || name.startsWith("rollup_"), () => router.forget());
    await dimensions.load();
    // Not awaited: a query arriving meanwhile waits for the connection like any other.
    void duck.exclusive((s) => mirror.sync(s)).then(() => router.checkpointSoon(), () => {});
    return {
      router, dimensions,
      limits: { timeoutMs: config.sqlTimeoutMs, maxRows: config.sqlMaxRows, textBytesMax: config.sqlTextBytesMax },
      close: () => duck.close(),
    };
  } catch (e) {
    await duck.close();
    throw e;
  }
}
