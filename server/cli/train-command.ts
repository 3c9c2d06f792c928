// `caracal train`: fits the CTR and CVR models from the bids, wins, clicks and conversions compacted
// to the data directory's Parquet history (DuckDB reads it; engine/serving/training-set.ts is the
// query and engine/serving/train-models.ts the fit), writes DATA/models/<name>.json, prints holdout
// AUC and log loss, and hot-swaps the models into a running server (PUT /v1/models/<name>).
//
//   caracal train [--data DIR] [--config FILE] [--days N] [--server URL] [--key KEY] [--no-push]
//
// Rows still in memory and not yet compacted are not read: training sees the history up to the last
// compaction (seconds to minutes behind).

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EngineError } from "../../engine/core/errors.ts";
import { featureSpace } from "../../engine/serving/bid-features.ts";
import { trainingQuery, type TrainingRow } from "../../engine/serving/training-set.ts";
import { trainModels } from "../../engine/serving/train-models.ts";
import { DuckDb } from "../../storage/duckdb.ts";
import { realFileSystem } from "../../storage/fs/file-system.ts";
import { readManifest } from "../../storage/parquet/manifest.ts";
import { replaceFileSync } from "../../storage/fs/replace-file.ts";
import { loadConfig } from "../config.ts";

const DAY_MS = 86_400_000;
const CONVERSION_WINDOW_MS = 7 * DAY_MS;

export async function trainCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args, strict: true,
    options: { data: { type: "string" }, config: { type: "string" }, days: { type: "string" }, server: { type: "string" }, key: { type: "string" }, "no-push": { type: "boolean" } },
  });
  const config = loadConfig({ ...(values.data ? { data: values.data } : {}), ...(values.config ? { config: values.config } : {}) });
  const days = Number(values.days ?? 30);
  if (!(days > 0)) throw new EngineError("bad_argument", `--days must be a positive number, got ${values.days}`);
  const parquetDir = config.parquetDir;
  const manifest = await readManifest(realFileSystem, parquetDir);
  const files = (manifest.tables.events?.files ?? []).map((f) => join(parquetDir, f.path));
  if (files.length === 0) {
    out(`no compacted events in ${parquetDir} yet: nothing to train on (compaction writes them every few seconds once segments fill)`);
    return 1;
  }
  const space = featureSpace(config.bidding?.hash_buckets);
  const duck = await DuckDb.open({ allowedDirectories: [`${parquetDir}/`], threads: 2 });
  let rows: TrainingRow[];
  try {
    const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ");
    const nowMs = Date.now();
    const sql = trainingQuery({ table: "history", fromMs: nowMs - days * DAY_MS, toMs: nowMs, conversionTypes: ["purchase", "conversion", "signup"], conversionWindowMs: CONVERSION_WINDOW_MS });
    const result = await duck.exclusive(async (s) => {
      await s.run(`CREATE OR REPLACE VIEW history AS SELECT * FROM read_parquet([${list}], union_by_name = true)`);
      return s.query(sql, [], Number.MAX_SAFE_INTEGER);
    });
    rows = result.rows.map((r) => ({ bid_id: String(r[0]), fs: r[1] as string | null, f: r[2] as string | null, clicked: r[3] === true, converted: r[4] === true }));
  } finally {
    await duck.close();
  }
  out(`training on ${rows.length} won bids from ${files.length} Parquet files (last ${days} days)`);
  const version = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const report = trainModels(rows, space, { ctrName: config.bidding?.ctr_model ?? "ctr", cvrName: config.bidding?.cvr_model ?? "cvr", version, nowMs: Date.now() });
  for (const line of report.lines) out(line);
  const modelDir = join(config.dataDir, "models");
  mkdirSync(modelDir, { recursive: true });
  let failed = 0;
  for (const m of [report.ctr, report.cvr]) {
    if (m === null) continue;
    const path = join(modelDir, `${m.file.name}.json`);
    replaceFileSync(path, JSON.stringify(m.file));
    out(`wrote ${path}`);
    if (values["no-push"]) continue;
    const server = values.server ?? `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${config.port}`;
    try {
      const r = await fetch(`${server}/v1/models/${m.file.name}`, {
        method: "PUT", headers: { "content-type": "application/json", ...(values.key ? { authorization: `Bearer ${values.key}` } : {}) }, body: JSON.stringify(m.file),
      });
      out(r.ok ? `${server} now serves ${m.file.name}@${m.file.version}` : `${server} refused ${m.file.name}: ${r.status} ${await r.text()}`);
      if (!r.ok) failed++;
    } catch {
      out(`no server at ${server}: the model is loaded at its next start (or PUT it to /v1/models/${m.file.name})`);
    }
  }
  return report.ctr === null ? 1 : failed > 0 ? 1 : 0;
}
