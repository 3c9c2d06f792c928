import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { realFileSystem as fs } from "../../../../storage/fs/file-system.ts";
import { tempDir } from "../wal/temp-dir.ts";

const bytes = (...v: number[]) => new Uint8Array(v);

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => "ok", (e) => `${e.name}:${e.code}`);
}

describe("real file system", () => {
  test("append, size, read, truncate, rename, unlink, list, exists", async () => {
    await using d = await tempDir("fs");
    const dir = join(d.path, "a", "b");
    const listMissing = await fs.list(dir);
    await fs.mkdirp(dir);
    const f = await fs.openAppend(join(dir, "x"));
    await f.append([bytes(1, 2), bytes(), bytes(3)]);
    await f.append([bytes(4)]);
    await f.sync();
    const size = f.size;
    await f.close();
    const reopened = await fs.openAppend(join(dir, "x"));
    const sizeAtReopen = reopened.size;
    await reopened.close();
    const read = [...(await fs.readFile(join(dir, "x")))];
    await fs.truncate(join(dir, "x"), 2);
    const truncated = [...(await fs.readFile(join(dir, "x")))];
    await fs.rename(join(dir, "x"), join(dir, "y"));
    await fs.syncDir(dir);
    const listed = await fs.list(dir);
    const exists = [await fs.exists(join(dir, "x")), await fs.exists(join(dir, "y"))];
    await fs.unlink(join(dir, "y"));
    expect({ listMissing, size, sizeAtReopen, read, truncated, listed, exists, after: await fs.list(dir) }).toEqual({
      listMissing: [], size: 4, sizeAtReopen: 4, read: [1, 2, 3, 4], truncated: [1, 2], listed: ["y"], exists: [false, true], after: [],
    });
  });

  test("I/O errors are EngineError wal_io naming the path", async () => {
    await using d = await tempDir("fs");
    const missing = join(d.path, "nope");
    const err = await fs.readFile(missing).then(() => null, (e) => ({ name: e.name, code: e.code, hasPath: e.message.includes(missing) }));
    expect({ err, unlink: await codeOf(fs.unlink(missing)), truncate: await codeOf(fs.truncate(missing, 0)) }).toEqual({
      err: { name: "EngineError", code: "wal_io", hasPath: true },
      unlink: "EngineError:wal_io", truncate: "EngineError:wal_io",
    });
  });

  test.skipIf(!existsSync("/dev/full"))("ENOSPC is disk_full", async () => {
    const f = await fs.openAppend("/dev/full");
    const result = await codeOf(f.append([new Uint8Array(4096)]));
    await f.close();
    expect(result).toEqual("EngineError:disk_full");
  });
});
