// The long variants of the fault tests (test/server/): kill -9 at random moments under sustained
// ingest for many cycles (with and without compaction), and many more fuzzed requests. Prints what
// the tests print: cycles survived, events acknowledged, lost (0) and duplicated (0), bad inputs tried.
//
//   bun bench/faults.bench.ts [--cycles 20] [--fuzz 100000]

import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { cycles: { type: "string" }, fuzz: { type: "string" } } });
const cycles = values.cycles ?? "20", fuzz = values.fuzz ?? "100000";
let failed = 0;
for (const [file, env] of [
  ["test/server/crash-kill9.test.ts", { CRASH_CYCLES: cycles }],
  ["test/server/faults/fuzz-endpoints.test.ts", { FUZZ_REQUESTS: fuzz }],
] as const) {
  console.log(`\n=== ${file} ${JSON.stringify(env)}`);
  const p = Bun.spawn([process.execPath, "test", "--timeout", "3600000", file], { stdout: "inherit", stderr: "inherit", env: { ...process.env, ...env } });
  if ((await p.exited) !== 0) failed++;
}
process.exit(failed ? 1 : 0);
