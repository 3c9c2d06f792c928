// Runs every golden script in test/sql/golden/ (format: golden-format.ts and README.md) against a
// real server process on its own data directory. A `query` runs on every engine unless its header
// names some: "duckdb", "auto" and "native" (unless the native engine declines it with 400
// bad_argument), and each answer must match the file. `restart` stops the process with SIGTERM
// (it must exit 0) and `crash` kills it with SIGKILL; both start a new process on the same data
// directory and wait until every engine sees every acknowledged event again.
//
// GOLDEN_PRINT=1 prints the actual answer of each query that does not match, in the file's format.

import { expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";
import { compareResults } from "./compare.ts";
import { formatText, parseGolden, renderAnswer, textAsAnswer, type Engine, type GoldenRecord } from "./golden-format.ts";
import { postSql, waitForRows } from "./sql-client.ts";

const DIR = join(import.meta.dir, "golden");
const PRINT = process.env.GOLDEN_PRINT === "1";
const ALL_ENGINES: readonly Engine[] = ["duckdb", "auto", "native"];

/** The server under test: one data directory, a process that restarts and crashes on it. */
class GoldenServer implements AsyncDisposable {
  /** Events the server acknowledged as accepted: what every engine must see, restarts included. */
  rows = 0;
  private constructor(readonly dataDir: string, private proc: CaracalProcess) {}

  static async start(): Promise<GoldenServer> {
    const dataDir = tempDataDir("caracal-golden-");
    try {
      return new GoldenServer(dataDir, await startCaracalProcess({ dataDir }));
    } catch (e) {
      rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
  }

  get url(): string {
    return this.proc.url;
  }

  async restart(how: "restart" | "crash"): Promise<string | null> {
    let problem: string | null = null;
    if (how === "crash") await this.proc.kill9();
    else {
      const code = await this.proc.terminate();
      if (code !== 0) problem = `SIGTERM: exit code ${code}; stderr: ${this.proc.stderr().slice(-2000)}`;
    }
    this.proc = await startCaracalProcess({ dataDir: this.dataDir });
    await waitForRows(this.url, this.rows);
    return problem;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.proc[Symbol.asyncDispose]();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function runRecord(srv: GoldenServer, r: GoldenRecord): Promise<string | null> {
  switch (r.kind) {
    case "statement-ok": {
      const res = await postSql(srv.url, r.sql);
      return res.error ? `expected success, got ${res.status} ${res.error.code}: ${res.error.message}` : null;
    }
    case "statement-error": {
      const res = await postSql(srv.url, r.sql);
      if (!res.error) return `expected error ${r.code}, got a ${res.ok.rows.length}-row answer`;
      const got = { code: res.error.code, position: r.position === undefined ? undefined : res.error.position, missing: r.messageParts.filter((p) => !res.error.message.includes(p)) };
      const want = { code: r.code, position: r.position, missing: [] };
      return Bun.deepEquals(got, want) ? null : `expected ${JSON.stringify(want)}, got ${JSON.stringify(got)} (${res.status}: ${res.error.message})`;
    }
    case "query": {
      const expected = textAsAnswer(r.expected);
      const problems: string[] = [];
      for (const engine of r.engines ?? ALL_ENGINES) {
        const res = await postSql(srv.url, r.sql, { engine });
        if (res.error && engine === "native" && !r.engines && res.error.code === "bad_argument") continue;  // declined
        if (res.error) { problems.push(`${engine}: ${res.status} ${res.error.code}: ${res.error.message}`); continue; }
        const actual = renderAnswer(res.ok);
        const diff = compareResults(expected, textAsAnswer(actual), { ordered: !r.rowsort, labels: ["expected", engine] });
        if (diff) problems.push(`${engine}: ${diff}${PRINT ? `\n----\n${formatText(actual)}` : ""}`);
      }
      return problems.length ? problems.join("\n") : null;
    }
    case "ingest": {
      const res = await fetch(`${srv.url}/v1/events`, { method: "POST", body: r.events.join("\n") + "\n", headers: { "content-type": "application/x-ndjson" } });
      const body = (await res.json()) as Record<string, any>;
      const got = { accepted: body.accepted, rejected: body.rejected, duplicates: body.duplicates };
      const want = r.counts ?? { accepted: r.events.length, rejected: 0, duplicates: 0 };
      if (typeof body.accepted === "number") srv.rows += body.accepted;
      await waitForRows(srv.url, srv.rows);
      return Bun.deepEquals(got, want) ? null : `ingest answered ${res.status} ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
    }
    case "restart": case "crash":
      return await srv.restart(r.kind);
  }
}

for (const file of readdirSync(DIR).filter((f) => f.endsWith(".test")).sort()) {
  test(`golden ${file}`, async () => {
    const records = parseGolden(readFileSync(join(DIR, file), "utf8"), file);
    await using srv = await GoldenServer.start();
    const failures: string[] = [];
    for (const r of records) {
      const problem = await runRecord(srv, r);
      if (problem) failures.push(`${file}:${r.line} ${r.kind}${"sql" in r ? `\n  ${r.sql.replaceAll("\n", "\n  ")}` : ""}\n${problem}`);
    }
    expect(failures.join("\n\n")).toEqual("");
  }, 60_000);
}
