import { expect, test } from "bun:test";
import { warningPrinter } from "../../../server/process-warnings.ts";

test("TimeoutNegativeWarning is dropped; any other warning is printed with its name and message", () => {
  const lines: string[] = [];
  const listener = warningPrinter((l) => lines.push(l), 42);
  const w = (name: string, message: string) => Object.assign(new Error(message), { name });
  listener(w("TimeoutNegativeWarning", "-1796404363036 is a negative number."));
  listener(w("DeprecationWarning", "Buffer() is deprecated"));
  listener(w("MaxListenersExceededWarning", "11 listeners added"));
  expect(lines).toEqual(["(caracal:42) DeprecationWarning: Buffer() is deprecated", "(caracal:42) MaxListenersExceededWarning: 11 listeners added"]);
});

test("the server process prints other warnings and drops the negative-timeout ones", async () => {
  // The same installation as server/main.ts, in a child process (process-wide listeners).
  const script = `import { warningPrinter } from ${JSON.stringify(`${import.meta.dir}/../../../server/process-warnings.ts`)};
process.removeAllListeners("warning");
process.on("warning", warningPrinter((l) => console.error(l)));
setTimeout(() => {}, -5);
process.emitWarning("kept", "CustomWarning");
await Bun.sleep(20);`;
  const p = Bun.spawn([process.execPath, "-e", script], { stderr: "pipe", stdout: "ignore" });
  const err = await new Response(p.stderr).text();
  expect(await p.exited).toBe(0);
  expect(err.trim().split("\n").map((l) => l.replace(/\(caracal:\d+\)/, "(caracal:pid)"))).toEqual(["(caracal:pid) CustomWarning: kept"]);
});
