// Worker-thread entry: runs ingestBody for bodies the main thread sends, so parsing never delays
// lookups served on the main thread. Started by worker-pool.ts; holds no state between requests
// beyond the table schemas it was given and their compiled validators.
//
// Protocol (structured clone; ArrayBuffers are transferred, not copied):
//   in:  {kind: "init", tables: TableSchema[]}                  once, first
//        {kind: "parse", id, table, format, gzip, body, receivedAt, source, allowEnvelope, positionLabels?}
//   out: {id: 0, ok: true, ready: true}                         once, after init
//        {id, ok: true, out: IngestOutput}  |  {id, ok: false, code, message, detail?}

import { EngineError } from "../../engine/core/errors.ts";
import type { TableSchema } from "../../engine/core/types.ts";
import { ingestBody, type IngestOutput } from "./ingest-batch.ts";
import { lowerThisThread } from "../../engine/core/thread-priority.ts";
import { READY_ID, type ParseRequest, type WorkerMessage, type WorkerReply } from "./worker-protocol.ts";

declare const self: Worker;

const tables = new Map<string, TableSchema>();

self.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const msg = event.data;
  if (msg.kind === "init") {
    for (const t of msg.tables) tables.set(t.name, t);
    lowerThisThread();
    self.postMessage({ id: READY_ID, ok: true, ready: true } satisfies WorkerReply);
    return;
  }
  const reply = handle(msg);
  self.postMessage(reply, reply.ok && "out" in reply ? transferables(reply.out) : []);
};

function handle(req: ParseRequest): WorkerReply {
  try {
    const table = tables.get(req.table);
    if (!table) throw new EngineError("unknown_table", `table "${req.table}" is not declared; known tables: ${[...tables.keys()].join(", ")}`);
    const out = ingestBody({
      table, format: req.format, gzip: req.gzip, body: req.body, receivedAt: req.receivedAt,
      source: req.source, allowEnvelope: req.allowEnvelope, positionLabels: req.positionLabels,
    });
    return { id: req.id, ok: true, out };
  } catch (e) {
    if (e instanceof EngineError) return { id: req.id, ok: false, code: e.code, message: e.message, detail: e.detail };
    // A bug, not bad input: say so, keep the stack for the log, and keep serving.
    return { id: req.id, ok: false, code: "internal", message: `parse worker: ${(e as Error)?.stack ?? String(e)}` };
  }
}

function transferables(out: IngestOutput): ArrayBuffer[] {
  const list = [out.batch.buffer, out.idHashes.buffer, out.rowPositions.buffer] as ArrayBuffer[];
  if (out.deadLetters) list.push(out.deadLetters.buffer as ArrayBuffer);
  return list;
}
