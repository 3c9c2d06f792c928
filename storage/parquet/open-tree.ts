// Brings the Parquet tree in line with its manifest at start-up, finishing or undoing whatever a
// crash interrupted (see compactor.ts for the order of steps):
// - a listed file still named `*.tmp` (crash after the manifest commit, before the rename) is renamed;
// - a listed file missing altogether is corruption: start-up stops and names it;
// - any other `*.tmp` or `*.parquet` (crash before the commit) is not data and is deleted, so tools
//   that read the tree directly (DuckDB, Spark, Trino globbing `**/*.parquet`) never count it.
//
// The tree is DATA/parquet/<table>/date=YYYY-MM-DD/hour=HH/<file>; nothing else is walked.

import { dirname, join } from "node:path";
import { EngineError } from "../../engine/core/errors.ts";
import type { FileSystem } from "../fs/file-system.ts";
import type { Manifest } from "./manifest.ts";

export interface TreeRepair {
  renamed: string[];
  removed: string[];
}

export async function openTree(fs: FileSystem, dir: string, m: Manifest): Promise<TreeRepair> {
  const listed = new Set<string>();
  const repair: TreeRepair = { renamed: [], removed: [] };
  for (const t of Object.values(m.tables)) {
    for (const f of t.files) {
      listed.add(f.path);
      const path = join(dir, f.path);
      if (await fs.exists(path)) continue;
      if (!(await fs.exists(`${path}.tmp`))) {
        throw new EngineError("data_corrupt", `Parquet file ${path}, listed in ${join(dir, "_manifest.json")}, is missing; restore it from a backup`);
      }
      await fs.rename(`${path}.tmp`, path);
      await fs.syncDir(dirname(path));
      repair.renamed.push(f.path);
    }
  }
  for (const table of await fs.list(dir)) {
    if (table.startsWith("_")) continue;
    for (const date of (await fs.list(join(dir, table))).filter((n) => n.startsWith("date="))) {
      for (const hour of (await fs.list(join(dir, table, date))).filter((n) => n.startsWith("hour="))) {
        const hourDir = join(dir, table, date, hour);
        let removed = false;
        for (const name of await fs.list(hourDir)) {
          const rel = `${table}/${date}/${hour}/${name}`;
          if (listed.has(rel) || !(name.endsWith(".tmp") || name.endsWith(".parquet"))) continue;
          await fs.unlink(join(hourDir, name));
          repair.removed.push(rel);
          removed = true;
        }
        if (removed) await fs.syncDir(hourDir);
      }
    }
  }
  return repair;
}
