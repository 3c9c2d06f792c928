// The single binary: `npm run build`'s command makes dist/caracal; a copy alone in an empty directory
// (no node_modules, no Bun beside it) starts, ingests, answers SQL on both engines (DuckDB's native
// library travels inside it), and stops on SIGTERM.

import { expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { event, ndjson, postEvents, startCaracalProcess } from "../helpers/caracal-process.ts";

const ROOT = join(import.meta.dir, "..", "..");

async function sql(url: string, q: string, engine: string) {
  const res = await fetch(`${url}/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql: q, engine }) });
  return (await res.json()) as { rows: unknown[][]; stats: { engine: string } };
}

test("the compiled binary runs alone: ingest, native and DuckDB SQL, clean stop", async () => {
  const script = (await Bun.file(join(ROOT, "package.json")).json()).scripts.build as string;
  const out = mkdtempSync(join(tmpdir(), "caracal-bin-"));
  try {
    const args = script.replace(/^bun build/, "build").replace("dist/caracal", join(out, "build", "caracal")).split(/\s+/);
    const build = Bun.spawnSync([process.execPath, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    expect(build.exitCode, build.stderr.toString()).toBe(0);
    const alone = join(out, "alone");
    Bun.spawnSync(["mkdir", "-p", alone]);
    copyFileSync(join(out, "build", "caracal"), join(alone, "caracal"));
    Bun.spawnSync(["chmod", "+x", join(alone, "caracal")]);
    const srv = await startCaracalProcess({
      command: [join(alone, "caracal")], cwd: alone, dataDir: join(alone, "data"),
      env: { CARACAL_CACHE_DIR: join(alone, "cache"), PATH: "/usr/bin:/bin", NODE_PATH: "" },
    });
    try {
      expect((await postEvents(srv.url, ndjson(Array.from({ length: 50 }, (_, i) => event(i))))).status).toBe(200);
      const native = await sql(srv.url, "SELECT count(*) AS n FROM events WHERE type = 'click'", "native");
      const duck = await sql(srv.url, "WITH c AS (SELECT * FROM events WHERE type = 'click') SELECT count(*) AS n FROM c", "auto");
      expect({ native: native.rows, duck: duck.rows, engines: [native.stats.engine, duck.stats.engine] })
        .toEqual({ native: [[17]], duck: [[17]], engines: ["native", "duckdb"] });
      expect(await srv.terminate()).toBe(0);
    } finally {
      await srv[Symbol.asyncDispose]();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
