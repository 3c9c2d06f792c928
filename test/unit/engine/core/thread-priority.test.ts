// A background thread lowers its own priority and only its own: the kernel reports nice 7 for the
// worker's thread and leaves the test's main thread at its nice.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";

/** Field 19 of /proc/PID/task/TID/stat: the thread's nice value. */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

test.skipIf(process.platform !== "linux" || !["x64", "arm64"].includes(process.arch))("lowerThisThread lowers the calling thread only", async () => {
  const mainBefore = niceOf(process.pid);
  const worker = new Worker(new URL("./nice-worker.ts", import.meta.url).href);
  const { lowered, tid } = await new Promise<{ lowered: boolean; tid: number }>((resolve) => { worker.onmessage = (e) => resolve(e.data); });
  const workerNice = niceOf(tid);
  worker.terminate();
  expect({ lowered, workerNice, mainNice: niceOf(process.pid), differentThread: tid !== process.pid }).toEqual({ lowered: true, workerNice: 7, mainNice: mainBefore, differentThread: true });
});
