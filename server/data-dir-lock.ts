// One process per data directory: two writers on one WAL would interleave records and corrupt it.
//
// The lock is a file, LOCK, holding the owner's PID and the kernel's start time of that process. It
// is created atomically (written under a private name, then hard-linked into place: link fails if
// LOCK exists). A lock whose owner is gone (kill -9, power loss), or whose PID was since reused by
// another process (a different start time), is stale: it is renamed
// aside (only one of several starting processes can win that rename), checked to be the stale file
// that was read (not a fresh lock another process just took), and removed. A live owner, this
// process included, is a clear start-up error.

import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { EngineError } from "../engine/core/errors.ts";

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** The process's start time in clock ticks since boot (/proc/PID/stat field 22), or "" without /proc. */
function startTime(pid: number): string {
  try { return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19] ?? ""; } catch { return ""; }
}

interface Owner { pid: number; started: string }

function readOwner(path: string): Owner | null {
  try {
    const [pid, started] = readFileSync(path, "utf8").trim().split(" ");
    return { pid: Number(pid), started: started ?? "" };
  } catch (e) {
    if (code(e) === "ENOENT") return null;
    throw e;
  }
}

/** The owner still runs: its PID exists and, where /proc tells, it started when the lock says. */
function ownerAlive(o: Owner): boolean {
  if (!Number.isInteger(o.pid) || o.pid <= 0) return false;
  try { process.kill(o.pid, 0); } catch (e) { if (code(e) !== "EPERM") return false; }
  const now = startTime(o.pid);
  return o.started === "" || now === "" || now === o.started;
}

export function lockDataDir(dir: string): () => void {
  const path = join(dir, "LOCK");
  const mine = join(dir, `LOCK.${process.pid}.tmp`);
  const fd = openSync(mine, "w");
  writeSync(fd, `${process.pid} ${startTime(process.pid)}`);
  closeSync(fd);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, path);
        return () => { try { if (readOwner(path)?.pid === process.pid) unlinkSync(path); } catch { /* already gone */ } };
      } catch (e) {
        if (code(e) !== "EEXIST") throw e;
      }
      const owner = readOwner(path);
      if (owner === null) continue;  // released meanwhile: try again
      if (owner.pid === process.pid || ownerAlive(owner)) {
        const who = owner.pid === process.pid ? "this process" : `process ${owner.pid}`;
        throw new EngineError("bad_config", `data directory ${dir} is in use by ${who}; stop it or choose another --data`);
      }
      const aside = join(dir, `LOCK.stale.${process.pid}`);
      try { renameSync(path, aside); } catch (e) { if (code(e) === "ENOENT") continue; throw e; }
      const moved = readOwner(aside);
      if (moved?.pid !== owner.pid || moved.started !== owner.started) {
        // Another process replaced the stale lock with its own between our read and our rename: give it back.
        try { linkSync(aside, path); } catch { /* a third process holds it now; the next round decides */ }
      }
      unlinkSync(aside);
    }
    throw new EngineError("bad_config", `cannot lock data directory ${dir}: another process keeps taking the lock`);
  } finally {
    try { unlinkSync(mine); } catch { /* nothing to clean */ }
  }
}
