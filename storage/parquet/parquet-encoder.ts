// Compaction's Parquet encoding, off the serving thread: jobs go to one worker (parquet-worker.ts),
// started at the first job. A worker that dies fails the jobs in flight (the compaction pass fails
// and is retried; the WAL still holds the rows) and the next job starts a new one.

import { EngineError } from "../../engine/core/errors.ts";
import type { EncodeJob, EncodeReply } from "./parquet-worker.ts";
import { transferList, type PartRows } from "./part-rows.ts";
import { encodeParts, type PartFile } from "./rows-to-parquet.ts";

export type Encode = (rows: PartRows) => Promise<PartFile[]>;

/** Encodes on this thread: for tests and the crash simulation, which must not depend on thread timing. */
export const encodeInline: Encode = async (rows) => encodeParts(rows);

function workerUrl(): URL {
  const here = import.meta.url;
  // Inside a `bun build --compile` binary the worker is an entrypoint stored under its repository path.
  if (here.includes("/$bunfs/") || here.includes("/~BUN/")) return new URL("./storage/parquet/parquet-worker.ts", new URL("./", here));
  return new URL("./parquet-worker.ts", here);
}

export class ParquetEncoder {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (p: PartFile[]) => void; reject: (e: Error) => void }>();

  readonly encode: Encode = (rows) => new Promise<PartFile[]>((resolve, reject) => {
    const id = this.nextId++;
    this.pending.set(id, { resolve, reject });
    this.started().postMessage({ id, rows } satisfies EncodeJob, transferList(rows));
  });

  private started(): Worker {
    if (this.worker) return this.worker;
    const w = (this.worker = new Worker(workerUrl()));
    w.onmessage = (ev: MessageEvent<EncodeReply>) => {
      const r = ev.data, p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.parts);
      else p.reject(new EngineError("internal", `Parquet encoding failed: ${r.message}`));
    };
    w.onerror = (ev) => this.failAll(`Parquet worker failed: ${ev.message}`);
    w.unref?.();  // an idle encoder never keeps the process alive
    return w;
  }

  private failAll(message: string): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new EngineError("internal", message));
    this.pending.clear();
  }

  close(): void {
    this.failAll("compaction is shutting down");
  }
}
