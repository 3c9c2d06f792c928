import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockDataDir } from "../../../server/data-dir-lock.ts";

const dir = () => mkdtempSync(join(tmpdir(), "caracal-lock-"));

test("a lock is taken, refused to a second taker in the same process, and released", () => {
  const d = dir();
  const release = lockDataDir(d);
  expect(() => lockDataDir(d)).toThrow(/in use by this process/);
  release();
  expect([existsSync(join(d, "LOCK")), readdirSync(d)]).toEqual([false, []]);
  lockDataDir(d)();
});

test("a lock left by a dead process, or by a PID since reused by another process, is taken over; a live owner keeps it", async () => {
  const dead = Bun.spawn(["true"]);
  await dead.exited;
  const other = Bun.spawn(["sleep", "30"]);
  try {
    const started = readFileSync(`/proc/${other.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19];
    const lockWith = (content: string) => {
      const d = dir();
      writeFileSync(join(d, "LOCK"), content);
      try {
        const release = lockDataDir(d);
        const owner = Number(readFileSync(join(d, "LOCK"), "utf8").split(" ")[0]);
        release();
        return owner === process.pid && readdirSync(d).length === 0 ? "taken over" : "inconsistent";
      } catch (e) {
        return (e as Error).message.includes(`in use by process ${other.pid}`) ? "refused" : (e as Error).message;
      }
    };
    expect([lockWith(`${dead.pid} 1`), lockWith(`${other.pid} 1`), lockWith(`${other.pid} ${started}`)])
      .toEqual(["taken over", "taken over", "refused"]);
  } finally {
    other.kill();
  }
});
