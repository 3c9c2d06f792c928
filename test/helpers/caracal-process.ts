// Starts the real server as a child process on a free port (`serve --port 0`) and reads its address
// from the first output line. Disposable: `await using srv = await startCaracalProcess(...)` stops it
// (SIGKILL if still running) and removes a temporary data directory it created.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const MAIN = join(import.meta.dir, "../../server/main.ts");

export interface CaracalProcess extends AsyncDisposable {
  readonly url: string;
  readonly dataDir: string;
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM and wait: resolves with the exit code. */
  terminate(): Promise<number>;
  /** SIGKILL and wait: a crash. */
  kill9(): Promise<void>;
}

export function tempDataDir(prefix = "caracal-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startCaracalProcess(opts: { dataDir?: string; args?: string[]; env?: Record<string, string>; command?: string[]; cwd?: string } = {}): Promise<CaracalProcess> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? tempDataDir();
  const proc = Bun.spawn([...(opts.command ?? [process.execPath, MAIN]), "serve", "--port", "0", "--data", dataDir, ...(opts.args ?? [])], {
    cwd: opts.cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env },
  });
  let err = "";
  (async () => { for await (const c of proc.stderr) err += new TextDecoder().decode(c); })();
  const reader = proc.stdout.getReader();
  let out = "";
  const deadline = Date.now() + 30_000;
  while (!out.includes("\n")) {
    const timeout = new Promise<{ done: true; value: undefined }>((r) => setTimeout(() => r({ done: true, value: undefined }), Math.max(0, deadline - Date.now())));
    const { done, value } = await Promise.race([reader.read(), timeout]);
    if (done) { proc.kill(9); throw new Error(`caracal did not start: stdout=${JSON.stringify(out)} stderr=${err}`); }
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const m = /^listening on (http:\/\/\S+)/.exec(out);
  if (!m) { proc.kill(9); throw new Error(`unexpected first line: ${out}`); }
  const url = m[1]!;
  const self: CaracalProcess = {
    url, dataDir, proc,
    stderr: () => err,
    async terminate() { proc.kill("SIGTERM"); return await proc.exited; },
    async kill9() { proc.kill(9); await proc.exited; },
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null && proc.signalCode === null) { proc.kill(9); await proc.exited; }
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}

/** A minimal event of the default schema. */
export function event(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_id: `e-${i}`, type: i % 3 === 0 ? "click" : "page_view", user_id: `u${i % 50}`, ts: 1_760_000_000_000 + i, ...extra };
}

export function ndjson(events: unknown[]): string {
  return events.map((e) => JSON.stringify(e)).join("\n") + "\n";
}

export async function postEvents(url: string, body: string | Uint8Array, headers: Record<string, string> = { "content-type": "application/x-ndjson" }, query = "") {
  const res = await fetch(`${url}/v1/events${query}`, { method: "POST", body, headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

export async function getStats(url: string): Promise<Record<string, any>> {
  return (await (await fetch(`${url}/v1/stats`)).json()) as Record<string, any>;
}
