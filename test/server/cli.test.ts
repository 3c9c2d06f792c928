// The command line: help documents every option, mistakes exit non-zero with a clear message.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { OPTIONS } from "../../server/config.ts";

const MAIN = join(import.meta.dir, "../../server/main.ts");

function run(...args: string[]) {
  const p = Bun.spawnSync([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

test("serve --help lists every option and its environment variable", () => {
  const r = run("serve", "--help");
  const missing = OPTIONS.filter((o) => !r.out.includes(o.flag) || !r.out.includes(o.env)).map((o) => o.flag);
  expect([r.code, missing, r.out.includes("CARACAL_LIMITS_BODY_BYTES_MAX")]).toEqual([0, [], true]);
});

test("unknown options, commands and bad values exit non-zero with the reason", () => {
  const opt = run("serve", "--prot", "1");
  const cmd = run("frobnicate");
  const port = run("serve", "--port", "http");
  expect([opt.code, cmd.code, port.code]).toEqual([1, 2, 1]);
  expect([opt.err.includes("--prot"), cmd.err.includes("unknown command"), port.err.includes("--port must be an integer")]).toEqual([true, true, true]);
});
