// Recovery's second core: while replay appends on the main thread, frozen segments are sealed by a
// worker (seal-worker.ts). Only for replay: nothing scans the store until recovery ends, so a frozen
// segment's arrays can be handed over (transferred, not copied) and its chunks installed when they
// come back; recovery waits for the last one before the server answers anything.

import { EngineError } from "../core/errors.ts";
import type { ColumnChunk } from "../column/column-chunk.ts";
import { sealOrder, sealSegment } from "./seal.ts";

/** Segments handed over and not back yet, at most: about 10 MB of raw arrays each. */
const PENDING_MAX = 16;
import type { SealJob, SealReply } from "./seal-worker.ts";
import type { TableState } from "./table-state.ts";

function workerUrl(): URL {
  const here = import.meta.url;
  // Inside a `bun build --compile` binary the worker is an entrypoint stored under its repository path.
  if (here.includes("/$bunfs/") || here.includes("/~BUN/")) return new URL("./engine/store/seal-worker.ts", new URL("./", here));
  return new URL("./seal-worker.ts", here);
}

export class SealOffload {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { t: TableState; index: number }>();
  private readonly handedOut = new Map<TableState, number>();
  private nextId = 1;
  private failure: Error | null = null;
  private idle: (() => void) | null = null;

  /** Started at the first segment to seal: most starts replay too little to need it. */
  private started(): Worker {
    if (this.worker) return this.worker;
    const w = (this.worker = new Worker(workerUrl()));
    w.onmessage = (ev: MessageEvent<SealReply>) => this.onReply(ev.data);
    w.onerror = (ev) => this.fail(new EngineError("internal", `seal worker failed: ${ev.message}`));
    return w;
  }

  /** Hands every segment of `t` that froze since the last call to the worker. */
  handOver(t: TableState): void {
    let index = this.handedOut.get(t) ?? t.firstUnsealed;
    for (; index < t.segments.length && t.segments[index]!.frozen; index++) {
      const seg = t.segments[index]!;
      if (seg.sealed || seg.sealedColumns > 0) continue;  // sealed on this thread already
      if (this.pending.size >= PENDING_MAX) { sealSegment(t, seg); continue; }  // the worker is behind
      const raw = seg.raw.map((r) => r!.parts());
      const id = this.nextId++;
      const job: SealJob = { id, schema: t.schema, segmentRows: t.segmentRows, rowCount: seg.rowCount, order: sealOrder(t), raw };
      const transfer = raw.flatMap((p) => [p.validity, p.f64, p.i32, p.u8, p.codes, p.heap, p.offsets])
        .filter((a): a is NonNullable<typeof a> => a !== null).map((a) => a.buffer as ArrayBuffer);
      this.pending.set(id, { t, index });
      seg.sealOrder = job.order;
      this.started().postMessage(job, [...new Set(transfer)]);
    }
    this.handedOut.set(t, index);
  }

  /** Resolves once every handed-over segment is sealed and installed; rejects if any failed. */
  async drain(): Promise<void> {
    if (this.pending.size > 0 && this.failure === null) await new Promise<void>((resolve) => { this.idle = resolve; });
    if (this.failure) throw this.failure;
  }

  close(): void {
    this.worker?.terminate();
  }

  private onReply(reply: SealReply): void {
    const job = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (!job) return;
    if (!reply.ok) return this.fail(new EngineError("internal", `sealing a segment of ${job.t.schema.name} failed: ${reply.message}`));
    const seg = job.t.segments[job.index]!;
    reply.chunks.forEach((chunk: ColumnChunk, c: number) => seg.setChunk(c, chunk));
    seg.timeMin = reply.timeMin;
    seg.timeMax = reply.timeMax;
    if (this.pending.size === 0) this.wake();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake();
  }

  private wake(): void {
    const f = this.idle;
    this.idle = null;
    f?.();
  }
}
