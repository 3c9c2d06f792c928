// wrk (Debian package wrk: a C client, closed loop at a fixed number of connections) run with a Lua
// script, its figures read back from a `done` hook: requests/s and per-request percentiles in ms.
// A script with `function delay() return 2 end` paces each connection (2 ms between a response and
// the next request), which measures an answer's own latency instead of a queue's.

import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface WrkResult { rps: number; p50: number; p99: number; p999: number; errors: number }

/** Runs wrk against `url` for `seconds` with `script` (may be ""); `dir` holds the script file. */
export async function runWrk(o: { url: string; script: string; connections: number; seconds: number; dir: string }): Promise<WrkResult> {
  const file = join(o.dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(file, `${o.script}
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %f %d\\n", summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end`);
  try {
    const p = Bun.spawn(["wrk", "-t1", `-c${o.connections}`, `-d${o.seconds}s`, "-s", file, o.url], { stdout: "pipe", stderr: "pipe" });
    const out = await new Response(p.stdout).text();
    await p.exited;
    const m = /RESULT (\S+) (\S+) (\S+) (\S+) (\d+)/.exec(out);
    if (!m) throw new Error(`wrk: ${out}`);
    return { rps: Number(m[1]), p50: Number(m[2]), p99: Number(m[3]), p999: Number(m[4]), errors: Number(m[5]) };
  } finally {
    rmSync(file, { force: true });
  }
}

/** wrk's pacing hook: `ms` between a response and the next request on each connection. */
export const pacedScript = (ms: number) => `function delay() return ${ms} end`;
