import { describe, expect, test } from "bun:test";
import { Rng } from "./rng.ts";
import { SimFileSystem } from "./sim-file-system.ts";

const A = new Uint8Array(64).fill(0xaa);
const B = new Uint8Array(64).fill(0xbb);

/** Outcomes over seeds 1..200 of `scenario`, as a sorted list of distinct strings. */
async function outcomes(scenario: (fs: SimFileSystem, seed: number) => Promise<string>): Promise<string[]> {
  const seen = new Set<string>();
  for (let seed = 1; seed <= 200; seed++) seen.add(await scenario(new SimFileSystem(new Rng(seed)), seed));
  return [...seen].sort();
}

describe("simulated file system", () => {
  test("power loss keeps synced bytes and a prefix of the rest, sometimes torn and corrupted", async () => {
    const seen = await outcomes(async (fs, seed) => {
      await fs.mkdirp("/d");
      const f = await fs.openAppend("/d/f");
      await fs.syncDir("/d");
      await f.append([A]);
      await f.sync();
      await f.append([B.subarray(0, 32), B.subarray(32)]); // one write
      await f.append([B]); // a second one
      const after = await fs.crash(new Rng(seed)).readFile("/d/f");
      const head = after.subarray(0, 64).every((b) => b === 0xaa);
      const tail = after.subarray(64);
      const clean = tail.every((b) => b === 0xbb);
      const kind = tail.byteLength === 0 ? "none" : tail.byteLength === 64 || tail.byteLength === 128 ? "whole" : "torn";
      return `${head}/${kind}/${clean ? "clean" : "corrupt"}`;
    });
    expect(seen).toEqual(["true/none/clean", "true/torn/clean", "true/torn/corrupt", "true/whole/clean"]);
  });

  test("a created file survives power loss only once its directory is synced", async () => {
    const seen = await outcomes(async (fs, seed) => {
      await fs.mkdirp("/d");
      const f = await fs.openAppend("/d/f");
      await f.append([A]);
      await f.sync();
      const before = await fs.crash(new Rng(seed)).exists("/d/f");
      return `unsynced:${before}`;
    });
    const synced = await outcomes(async (fs, seed) => {
      await fs.mkdirp("/d");
      await (await fs.openAppend("/d/f")).sync();
      await fs.syncDir("/d");
      await fs.unlink("/d/f"); // not synced: may be undone
      return `synced:${await fs.crash(new Rng(seed)).exists("/d/f")}`;
    });
    expect({ seen, synced }).toEqual({ seen: ["unsynced:false", "unsynced:true"], synced: ["synced:false", "synced:true"] });
  });

  test("a process crash loses nothing; the dead view's operations never settle", async () => {
    const fs = new SimFileSystem(new Rng(1));
    await fs.mkdirp("/d");
    const f = await fs.openAppend("/d/f");
    await f.append([A]);
    let settled = false;
    f.append([B]).finally(() => (settled = true));
    const next = fs.crash(new Rng(2), "process");
    const content = await next.readFile("/d/f");
    await next.readFile("/d/f"); // a few more ticks
    expect({ size: content.byteLength, settled }).toEqual({ size: 64, settled: false });
  });

  test("injected faults: a failed write may leave a prefix; a failed sync rejects", async () => {
    const fs = new SimFileSystem(new Rng(3));
    await fs.mkdirp("/d");
    const f = await fs.openAppend("/d/f");
    fs.failNextWrites(1, "disk_full", { partial: true });
    const w = await f.append([A, B]).then(() => "ok", (e) => e.code);
    const sizeAfterFailure = f.size;
    fs.failNextSyncs(1);
    const s = await f.sync().then(() => "ok", (e) => e.code);
    const again = await f.append([A]).then(() => "ok", (e) => e.code);
    expect({ w, partial: sizeAfterFailure > 0 && sizeAfterFailure < 128, s, again }).toEqual({ w: "disk_full", partial: true, s: "wal_io", again: "ok" });
  });
});
