// Worker for thread-priority.test.ts: lowers its own thread, reports its tid, and waits to be terminated.
import { lowerThisThread } from "../../../../engine/core/thread-priority.ts";
import { dlopen, FFIType } from "bun:ffi";

declare const self: Worker;
const lowered = lowerThisThread(7);
const libc = dlopen("libc.so.6", { syscall: { args: [FFIType.i64], returns: FFIType.i64 } });
const tid = Number(libc.symbols.syscall(process.arch === "arm64" ? 178 : 186));
libc.close();
// Stays alive (a listener keeps the thread) until terminated, so its /proc entry can be read.
self.onmessage = () => {};
self.postMessage({ lowered, tid });
