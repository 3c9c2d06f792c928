// replaceFileSync: the data is durable under the temp name before the rename, and the rename is
// durable (directory fsync) before it returns; on a real directory the file is replaced whole.

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replaceFileSync, type ReplaceFileOps } from "../../../../storage/fs/replace-file.ts";

const dir = mkdtempSync(join(tmpdir(), "caracal-replace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("replaceFileSync", () => {
  test("fsyncs the temp file before the rename and the directory after it", () => {
    const calls: string[] = [];
    const names = new Map<number, string>();
    const ops: ReplaceFileOps = {
      openSync: ((p: string, flags: string, mode?: number) => { const fd = nodeFs.openSync(p, flags, mode); names.set(fd, p === dir ? "dir" : p.endsWith(".tmp") ? "tmp" : p); calls.push(`open ${names.get(fd)}`); return fd; }) as ReplaceFileOps["openSync"],
      writeSync: ((fd: number, ...rest: unknown[]) => { calls.push(`write ${names.get(fd)}`); return (nodeFs.writeSync as (...a: unknown[]) => number)(fd, ...rest); }) as ReplaceFileOps["writeSync"],
      fsyncSync: (fd) => { calls.push(`fsync ${names.get(fd)}`); nodeFs.fsyncSync(fd); },
      closeSync: (fd) => { calls.push(`close ${names.get(fd)}`); nodeFs.closeSync(fd); },
      renameSync: (from, to) => { calls.push("rename"); nodeFs.renameSync(from, to); },
    };
    const path = join(dir, "alerts.json");
    writeFileSync(path, "old");
    replaceFileSync(path, '{"rules":[]}', 0o644, ops);
    expect(calls).toEqual(["open tmp", "write tmp", "fsync tmp", "close tmp", "rename", "open dir", "fsync dir", "close dir"]);
    expect(readFileSync(path, "utf8")).toBe('{"rules":[]}');
  });

  test("replaces the content whole, with the mode asked, and leaves no temp file", () => {
    const path = join(dir, "keys.json");
    writeFileSync(path, "x".repeat(10_000));
    const bytes = new Uint8Array(70_000).map((_, i) => i % 251);
    replaceFileSync(path, bytes, 0o600);
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    replaceFileSync(join(dir, "new.json"), "{}", 0o600);
    expect(statSync(join(dir, "new.json")).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});
