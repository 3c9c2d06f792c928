// Worker thread: encodes compaction's rows as Parquet (rows-to-parquet.ts) on the second core, so the
// thread that serves requests only pulls rows out of the store and writes the bytes it gets back.

import { lowerThisThread } from "../../engine/core/thread-priority.ts";
import type { PartRows } from "./part-rows.ts";
import { encodeParts, type PartFile } from "./rows-to-parquet.ts";

export interface EncodeJob { id: number; rows: PartRows }
export type EncodeReply = { id: number; ok: true; parts: PartFile[] } | { id: number; ok: false; message: string };

declare const self: Worker;

// Compaction is background work: the serving thread goes first (engine/core/thread-priority.ts).
lowerThisThread();

self.onmessage = (ev: MessageEvent<EncodeJob>) => {
  const { id, rows } = ev.data;
  try {
    const parts = encodeParts(rows);
    self.postMessage({ id, ok: true, parts } satisfies EncodeReply, parts.map((p) => p.bytes.buffer as ArrayBuffer));
  } catch (e) {
    self.postMessage({ id, ok: false, message: (e as Error).message } satisfies EncodeReply);
  }
};
