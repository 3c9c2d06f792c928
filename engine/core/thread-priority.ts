// Background threads (ingest parsing, sealing, Parquet encoding) run at a lower CPU priority than the
// serving thread: on a two-core VM the parse worker, the serving thread and whatever else runs there
// compete for the cores, and a lookup that waits for the scheduler to hand its core back waits whole
// time slices (measured: lookup p99 3.6x a bare server's under the same ingest). Linux schedules
// threads, so the worker lowers its own thread (setpriority on its tid); the serving thread keeps
// nice 0 and is preferred whenever both want a core, while the workers still get every idle cycle.
//
// Only where it is known to work (Linux x64 and arm64, through bun:ffi and libc); elsewhere, or on
// any failure, nothing changes.

const GETTID: Record<string, number> = { x64: 186, arm64: 178 };
export const BACKGROUND_NICE = 10;

/** Lowers the calling thread's priority to `nice`; true when it did. */
export function lowerThisThread(nice = BACKGROUND_NICE): boolean {
  const sys = GETTID[process.arch];
  if (process.platform !== "linux" || sys === undefined || process.env.CARACAL_NO_THREAD_NICE) return false;
  try {
    // Imported lazily: a platform without FFI never loads it.
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", {
      syscall: { args: [FFIType.i64], returns: FFIType.i64 },
      setpriority: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    });
    try {
      const tid = Number(libc.symbols.syscall(sys));
      return tid > 0 && libc.symbols.setpriority(0 /* PRIO_PROCESS: a tid names one thread */, tid, nice) === 0;
    } finally {
      libc.close();
    }
  } catch {
    return false;
  }
}
