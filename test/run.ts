// `npm test`: runs every test with bun test and ends with the line CI reads, `N passed, N failed`,
// counted from bun's own summary. Extra arguments go to bun test (e.g. a path filter).

export {};

// Integration tests start real servers and child processes: a minute per test, bounded everywhere.
const args = ["test", "--timeout", "60000", ...process.argv.slice(2)];
const proc = Bun.spawn([process.execPath, ...args], { stdout: "pipe", stderr: "pipe", env: process.env });
let passed = 0, failed = 0, sawSummary = false;

async function pump(stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream): Promise<void> {
  const decoder = new TextDecoder();
  let carry = "";
  for await (const chunk of stream) {
    out.write(chunk);
    const lines = (carry + decoder.decode(chunk, { stream: true })).split("\n");
    carry = lines.pop()!;
    for (const line of lines) count(line);
  }
  count(carry);
}

function count(line: string): void {
  const m = /^\s*(\d+) (pass|fail)\s*$/.exec(line);
  if (!m) return;
  sawSummary = true;
  if (m[2] === "pass") passed += Number(m[1]); else failed += Number(m[1]);
}

await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
const exit = await proc.exited;
// A crash before the summary counts as a failure, so a broken run can never look green.
if (!sawSummary || (exit !== 0 && failed === 0)) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
