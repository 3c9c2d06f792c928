// `caracal lake-query "<sql>" --lake DIR`: one SQL statement over the Parquet history of every
// instance sharing a lake. Each instance compacts to its own folder of the lake
// (storage.parquet_dir = DIR/<instance>); the folders' manifests say which files are committed, so a
// part file left by a crash is never counted. Each table becomes a DuckDB view over the committed
// files of all instances; the answer prints as CSV with a header row.
//
//   caracal lake-query "SELECT campaign, count(*) FROM events GROUP BY 1" --lake /mnt/lake

import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EngineError } from "../../engine/core/errors.ts";
import { DuckDb } from "../../storage/duckdb.ts";
import { realFileSystem } from "../../storage/fs/file-system.ts";
import { MANIFEST_NAME, readManifest } from "../../storage/parquet/manifest.ts";

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export async function lakeQueryCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { lake: { type: "string" } } });
  const sql = positionals[0];
  if (!sql || positionals.length !== 1) throw new EngineError("bad_argument", 'usage: caracal lake-query "<sql>" --lake DIR');
  if (!values.lake) throw new EngineError("bad_argument", "--lake DIR is required: the folder holding each instance's Parquet folder");
  const lake = resolve(values.lake);
  if (!existsSync(lake) || !statSync(lake).isDirectory()) throw new EngineError("bad_argument", `--lake ${lake} is not a directory`);
  // An instance's folder is any folder of the lake with a manifest (or the lake itself, for one instance).
  const instances = [lake, ...readdirSync(lake).map((n) => join(lake, n))].filter((d) => existsSync(join(d, MANIFEST_NAME)));
  if (instances.length === 0) throw new EngineError("bad_argument", `no ${MANIFEST_NAME} under ${lake}: point --lake at the folder holding the instances' parquet_dir folders`);
  const files = new Map<string, string[]>();
  for (const dir of instances) {
    const m = await readManifest(realFileSystem, dir);
    for (const [table, t] of Object.entries(m.tables)) for (const f of t.files) (files.get(table) ?? files.set(table, []).get(table)!).push(join(dir, f.path));
  }
  const duck = await DuckDb.open({ allowedDirectories: [`${lake}/`], threads: 2 });
  try {
    const result = await duck.exclusive(async (s) => {
      for (const [table, list] of files) {
        await s.run(`CREATE OR REPLACE VIEW ${ident(table)} AS SELECT * FROM read_parquet([${list.map(quote).join(", ")}], union_by_name = true)`);
      }
      return s.query(sql, [], Number.MAX_SAFE_INTEGER);
    });
    out(result.columns.map((c) => csvCell(c.name)).join(","));
    for (const row of result.rows) out(row.map(csvCell).join(","));
    console.error(`${instances.length} instance(s), ${[...files.values()].reduce((n, l) => n + l.length, 0)} Parquet files`);
    return 0;
  } finally {
    await duck.close();
  }
}
