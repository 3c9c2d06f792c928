// Disk full, for real: the data directory is a small tmpfs mounted by the test, partly filled by a
// ballast file. Ingest runs until the server refuses with 507 disk_full (nothing acknowledged is
// lost, the server stays up and answers queries), then the ballast is deleted and ingest goes on by
// itself; after a restart every acknowledged event is there exactly once. Needs root for mount (CI
// runs as root); elsewhere the test says so and is skipped.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../../helpers/caracal-process.ts";

const mountPoint = mkdtempSync(join(tmpdir(), "caracal-tmpfs-"));
const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mountPoint]).exitCode === 0;
if (!mounted) console.log("disk-full test skipped: cannot mount a tmpfs here (needs root)");
const dataDir = join(mountPoint, "data"), ballast = join(mountPoint, "ballast");
const conf = join(tempDataDir("caracal-conf-"), "disk.json");
let srv: CaracalProcess;

beforeAll(async () => {
  if (!mounted) return;
  mkdirSync(dataDir);
  writeFileSync(ballast, new Uint8Array(12 * 1024 * 1024));
  writeFileSync(conf, JSON.stringify({ wal: { segment_bytes: 1 << 20 }, limits: { disk_free_min_bytes: 4 << 20 } }));
  srv = await startCaracalProcess({ dataDir, args: ["--config", conf] });
});
afterAll(async () => {
  if (!mounted) return;
  await srv?.[Symbol.asyncDispose]();
  Bun.spawnSync(["umount", mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const batch = (from: number, n: number) => ndjson(Array.from({ length: n }, (_, i) => ({
  event_id: `df-${from + i}`, type: "page_view", ts: Date.now(), user_id: `u${(from + i) % 97}`, url: `/page/${"x".repeat(200)}/${from + i}`,
})));

test.skipIf(!mounted)("ingest refuses with 507 when the disk fills, loses nothing, and resumes when space returns", async () => {
  const acked = new Set<string>();
  let next = 0, refused = 0, status = 200;
  while (status === 200 && next < 400_000) {
    const r = await postEvents(srv.url, batch(next, 500));
    status = r.status;
    if (status === 200) for (let i = 0; i < 500; i++) acked.add(`df-${next + i}`);
    else refused++;
    next += 500;
  }
  const refusal = await postEvents(srv.url, batch(next, 500));
  expect({ status, code: refusal.body.error?.code, health: (await fetch(`${srv.url}/healthz`)).status }).toEqual({ status: 507, code: "disk_full", health: 200 });
  const count = async () => ((await (await fetch(`${srv.url}/v1/sql?q=${encodeURIComponent("SELECT count(*) FROM events")}`)).json()) as any).rows[0][0];
  expect(await count()).toBe(acked.size);
  rmSync(ballast);
  // Free space is read at most every 100 ms: the first batches after the deletion may still be refused.
  let again = await postEvents(srv.url, batch(1_000_000, 100));
  for (const deadline = Date.now() + 3000; again.status === 507 && Date.now() < deadline;) { await Bun.sleep(50); again = await postEvents(srv.url, batch(1_000_000, 100)); }
  expect(again.status).toBe(200);
  for (let i = 0; i < 100; i++) acked.add(`df-${1_000_000 + i}`);
  expect(await srv.terminate()).toBe(0);
  srv = await startCaracalProcess({ dataDir, args: ["--config", conf] });
  const ids = ((await (await fetch(`${srv.url}/v1/sql?q=${encodeURIComponent("SELECT event_id FROM events")}&format=json`)).json()) as any).rows.map((r: string[]) => r[0]);
  expect({ refused: refused > 0, stored: ids.length, distinct: new Set(ids).size, allAcked: [...acked].every((id) => ids.includes(id)) })
    .toEqual({ refused: true, stored: acked.size, distinct: acked.size, allAcked: true });
});
