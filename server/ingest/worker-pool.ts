// Main-thread side of parsing: a fixed set of parse workers (parse-worker.ts). Each body goes to
// the worker with the fewest requests in flight (round-robin among equals); its ArrayBuffer is
// transferred when the body is the whole of it, so after parse() the caller's `body` may be
// detached and must not be read again.
//
// Invariants:
// - Every parse() promise settles: with the worker's output, with the EngineError the worker
//   reported (recreated from its code and message), or with `internal` when the worker died
//   (uncaught error, exit, out of memory). The bodies a dead worker held are not retried here:
//   the caller owns the decision to resend.
// - A worker that dies after it was ready is replaced at once. One that dies before it was ready
//   (cannot load: a binary built without the worker entrypoint) is replaced only when the next
//   body needs it, so a worker that can never start fails requests instead of spinning.
// - Workers are referenced (keep the process alive) only while they have requests in flight.
//
// Bundling: under `bun`, the worker is ./parse-worker.ts next to this file. A compiled binary must
// carry it as a second entrypoint, stored under its repository path, which `--root .` ensures:
//   bun build --compile --root . server/main.ts server/ingest/parse-worker.ts --outfile dist/caracal

import { assert } from "../../engine/core/assert.ts";
import { LIMITS } from "../../engine/core/limits.ts";
import { EngineError } from "../../engine/core/errors.ts";
import type { TableSchema } from "../../engine/core/types.ts";
import type { BodyJob, IngestOutput } from "./ingest-batch.ts";
import type { ParseRequest, WorkerMessage, WorkerReply } from "./worker-protocol.ts";

export interface ParseWorkerPoolOptions {
  workers: number;
  tables: readonly TableSchema[];
  /** The worker script; tests substitute one that can be made to crash. */
  workerUrl?: URL;
  /** A job not answered within this is given up: its worker is replaced (a parser stuck on input). */
  jobDeadlineMs?: number;
}

/** What the pool parses: a body for a table named in the config. */
export type ParseJob = BodyJob;

interface Pending { resolve: (out: IngestOutput) => void; reject: (e: EngineError) => void; sentAt: number }
interface Slot { worker: Worker; pending: Map<number, Pending>; alive: boolean; ready: boolean }

export class ParseWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly tables: readonly TableSchema[];
  private readonly tableNames: Set<string>;
  private readonly url: URL;
  private nextId = 1;
  private turn = 0;
  private closed = false;
  private readonly jobDeadlineMs: number;
  private readonly watchdog: ReturnType<typeof setInterval>;
  /** Workers replaced after dying; for metrics and tests. */
  restarts = 0;

  constructor(opts: ParseWorkerPoolOptions) {
    assert(Number.isInteger(opts.workers) && opts.workers >= 1, `workers must be a positive integer, got ${opts.workers}`);
    this.tables = opts.tables;
    this.tableNames = new Set(opts.tables.map((t) => t.name));
    this.url = opts.workerUrl ?? defaultWorkerUrl();
    for (let i = 0; i < opts.workers; i++) this.slots.push(this.spawn());
    this.jobDeadlineMs = opts.jobDeadlineMs ?? LIMITS.PARSE_JOB_DEADLINE_MS;
    // Without it one body a parser cannot finish would hold its request, its bytes and shutdown forever.
    this.watchdog = setInterval(() => this.checkDeadlines(), Math.min(1000, this.jobDeadlineMs / 2));
    this.watchdog.unref();
  }

  private checkDeadlines(): void {
    const now = performance.now();
    for (const slot of this.slots) {
      const oldest = slot.pending.values().next().value;  // Maps iterate in insertion order
      if (slot.alive && oldest && now - oldest.sentAt > this.jobDeadlineMs) {
        this.onDeath(slot, `no answer within ${this.jobDeadlineMs} ms`);
      }
    }
  }

  parse(job: ParseJob): Promise<IngestOutput> {
    if (this.closed) return Promise.reject(new EngineError("shutting_down", "parse workers are stopped"));
    if (!this.tableNames.has(job.table)) {
      return Promise.reject(new EngineError("unknown_table", `table "${job.table}" is not declared; known tables: ${[...this.tableNames].join(", ")}`));
    }
    const slot = this.pick();
    const id = this.nextId++;
    const msg: ParseRequest = { kind: "parse", id, ...job };
    return new Promise<IngestOutput>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, sentAt: performance.now() });
      if (slot.pending.size === 1) slot.worker.ref();
      try {
        slot.worker.postMessage(msg, [transferable(msg)]);
      } catch (e) {
        this.settle(slot, id);
        reject(new EngineError("internal", `cannot send the body to a parse worker: ${(e as Error).message}`));
      }
    });
  }

  /** Stops every worker; requests still in flight fail with shutting_down. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    const stopped = this.slots.filter((slot) => slot.alive).map((slot) => {
      slot.alive = false;
      this.failAll(slot, new EngineError("shutting_down", "parse workers are stopping; the batch was not ingested"));
      return new Promise<void>((resolve) => {
        slot.worker.addEventListener("close", () => resolve(), { once: true });
        slot.worker.terminate();
      });
    });
    await Promise.all(stopped);
  }

  private pick(): Slot {
    const n = this.slots.length;
    let best = -1;
    for (let i = 0; i < n; i++) {
      const k = (this.turn + i) % n;
      const s = this.slots[k]!;
      if (!s.alive) this.slots[k] = this.spawn(); // one that never started: try again now
      if (best < 0 || this.slots[k]!.pending.size < this.slots[best]!.pending.size) best = k;
    }
    this.turn++;
    return this.slots[best]!;
  }

  private spawn(): Slot {
    const worker = new Worker(this.url);
    const slot: Slot = { worker, pending: new Map(), alive: true, ready: false };
    worker.unref();
    worker.onmessage = (ev: MessageEvent<WorkerReply>) => this.onReply(slot, ev.data);
    worker.onerror = (ev: ErrorEvent) => this.onDeath(slot, `uncaught ${errorLine(ev.message)}`);
    worker.addEventListener("messageerror", () => this.onDeath(slot, "unreadable message"));
    worker.addEventListener("close", (ev) => this.onDeath(slot, `exited with code ${(ev as CloseEvent).code}`));
    const init: WorkerMessage = { kind: "init", tables: this.tables };
    worker.postMessage(init);
    return slot;
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if ("ready" in reply) {
      slot.ready = true;
      return;
    }
    const p = this.settle(slot, reply.id);
    if (!p) return;
    if (reply.ok) p.resolve(reply.out);
    else p.reject(new EngineError(reply.code, reply.message, reply.detail));
  }

  private settle(slot: Slot, id: number): Pending | undefined {
    const p = slot.pending.get(id);
    slot.pending.delete(id);
    if (p && slot.pending.size === 0) slot.worker.unref();
    return p;
  }

  private onDeath(slot: Slot, why: string): void {
    if (!slot.alive) return;
    slot.alive = false;
    this.failAll(slot, new EngineError("internal", `parse worker died (${why}); the batch was not ingested and may be resent`));
    slot.worker.terminate();
    if (this.closed || !slot.ready) return;
    this.restarts++;
    this.slots[this.slots.indexOf(slot)] = this.spawn();
  }

  private failAll(slot: Slot, err: EngineError): void {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
    slot.worker.unref();
  }
}

/**
 * The body's buffer, to hand over without a copy. A view of part of a buffer (a pooled Buffer) or
 * of a shared or resizable one is copied first: transferring it would detach memory the caller
 * still uses for other things.
 */
function transferable(msg: ParseRequest): ArrayBuffer {
  const b = msg.body;
  const whole = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
  if (!whole || !(b.buffer instanceof ArrayBuffer) || b.buffer.resizable) msg.body = b.slice();
  return msg.body.buffer as ArrayBuffer;
}

/** Bun's report of an uncaught worker error is a source excerpt, the error line, then the stack. */
function errorLine(message: string): string {
  const lines = message.split("\n").map((l) => l.trim());
  return (lines.find((l) => /^\w*error\b/i.test(l)) ?? lines.filter(Boolean).at(-1) ?? "").slice(0, 500);
}

/**
 * parse-worker.ts beside this file; inside a compiled binary, where every module is bundled into
 * the executable and import.meta.url names the executable, the entrypoint stored at
 * server/ingest/parse-worker.ts under the bundle root (see the build command above).
 */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  if (here.includes("/$bunfs/") || here.includes("/~BUN/")) return new URL("./server/ingest/parse-worker.ts", new URL("./", here));
  return new URL("./parse-worker.ts", here);
}
