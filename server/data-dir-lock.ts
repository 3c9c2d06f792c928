// One process per data directory: two writers on one WAL would interleave records and corrupt it.
// The lock is a file holding the owner's PID, created exclusively. A lock left by a process that is
// gone (kill -9, power loss) is stale and taken over; a live owner is a clear start-up error.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { EngineError } from "../engine/core/errors.ts";

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}

export function lockDataDir(dir: string): () => void {
  const path = join(dir, "LOCK");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => { try { unlinkSync(path); } catch { /* already gone */ } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new EngineError("bad_config", `data directory ${dir} is in use by process ${pid}; stop it or choose another --data`);
      }
      unlinkSync(path);
    }
  }
  throw new EngineError("bad_config", `cannot lock data directory ${dir}`);
}
