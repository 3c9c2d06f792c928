// The [sql] settings: defaults from engine/core/limits.ts, the config file (JSON or TOML), and
// CARACAL_SQL_* environment variables (memory_limit is text), each checked once.
import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LIMITS } from "../../../../engine/core/limits.ts";
import { loadConfig } from "../../../../server/config.ts";

const dir = mkdtempSync(join(tmpdir(), "caracal-sql-config-"));
const sqlOf = (c: ReturnType<typeof loadConfig>) =>
  [c.sqlTimeoutMs, c.sqlMaxRows, c.sqlTextBytesMax, c.duckdbMemoryLimit, c.duckdbThreads, c.tableUploadBytesMax];

test("defaults, file and environment layers", () => {
  const toml = join(dir, "c.toml");
  writeFileSync(toml, `[sql]\ntimeout_ms = 5000\nmax_rows = 10\nmemory_limit = "512MiB"\n`);
  const env = { CARACAL_SQL_THREADS: "4", CARACAL_SQL_MEMORY_LIMIT: "1GB", CARACAL_SQL_TEXT_BYTES_MAX: "2048", CARACAL_SQL_UPLOAD_BYTES_MAX: "4096" };
  expect([sqlOf(loadConfig({}, {})), sqlOf(loadConfig({ config: toml }, env))]).toEqual([
    [LIMITS.SQL_TIMEOUT_MS, LIMITS.SQL_RESULT_ROWS_MAX, LIMITS.SQL_TEXT_BYTES_MAX, "2GB", 2, LIMITS.TABLE_UPLOAD_BYTES_MAX],
    [5000, 10, 2048, "1GB", 4, 4096],
  ]);
});

test("bad values are config errors naming the setting", () => {
  const bad = (env: Record<string, string>) => { try { loadConfig({}, env); return "ok"; } catch (e) { return (e as Error).message; } };
  expect([bad({ CARACAL_SQL_MEMORY_LIMIT: "lots" }), bad({ CARACAL_SQL_TIMEOUT_MS: "0" }), bad({ CARACAL_SQL_THREADS: "two" })]).toEqual([
    expect.stringContaining("a size such as 2GB or 512MiB"), expect.stringContaining("sql.timeout_ms"), "CARACAL_SQL_THREADS must be an integer, got \"two\"",
  ]);
});
