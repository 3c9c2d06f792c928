// The single binary: `npm run build`'s command makes dist/caracal; a copy alone in an empty directory
// (no node_modules, no Bun beside it) starts, ingests, answers SQL on both engines (DuckDB's native
// library travels inside it), scores Chinese social posts (jieba's native addon travels too), and
// stops on SIGTERM. Where the test may (root), the project's node_modules is hidden from the binary
// by a private mount namespace, so nothing can be found by a path remembered at build time.

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
    const empty = join(out, "empty");
    Bun.spawnSync(["mkdir", "-p", empty]);
    const nm = join(ROOT, "node_modules");
    const canHide = Bun.spawnSync(["unshare", "--mount", "--propagation", "private", "sh", "-c", `mount --bind ${empty} ${nm}`]).exitCode === 0;
    if (!canHide) console.log("binary test: cannot hide node_modules (needs root for a mount namespace); running beside it");
    const command = canHide
      ? ["unshare", "--mount", "--propagation", "private", "sh", "-c", `mount --bind ${empty} ${nm} && exec ${join(alone, "caracal")} "$@"`, "caracal"]
      : [join(alone, "caracal")];
    const srv = await startCaracalProcess({
      command, cwd: alone, dataDir: join(alone, "data"),
      env: { CARACAL_CACHE_DIR: join(alone, "cache"), PATH: "/usr/bin:/bin", NODE_PATH: "" },
    });
    try {
      expect((await postEvents(srv.url, ndjson(Array.from({ length: 50 }, (_, i) => event(i))))).status).toBe(200);
      const native = await sql(srv.url, "SELECT count(*) AS n FROM events WHERE type = 'click'", "native");
      const duck = await sql(srv.url, "WITH c AS (SELECT * FROM events WHERE type = 'click') SELECT count(*) AS n FROM c", "auto");
      expect({ native: native.rows, duck: duck.rows, engines: [native.stats.engine, duck.stats.engine] })
        .toEqual({ native: [[17]], duck: [[17]], engines: ["native", "duckdb"] });
      const posts = [{ type: "social_post", text: "苹果的新手机太棒了", ts: Date.now() }, { type: "social_post", text: "I love it", ts: Date.now() }];
      expect((await postEvents(srv.url, ndjson(posts))).status).toBe(200);
      const dash = (await (await fetch(`${srv.url}/v1/dashboard?minutes=5`)).json()) as { quality: { derived_failures: string[] } };
      expect(dash.quality.derived_failures).toEqual([]);
      expect(await srv.terminate()).toBe(0);
    } finally {
      await srv[Symbol.asyncDispose]();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
