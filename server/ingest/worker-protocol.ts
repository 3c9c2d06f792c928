// Messages between worker-pool.ts (main thread) and parse-worker.ts.

import type { ErrorCode } from "../../engine/core/errors.ts";
import type { TableSchema } from "../../engine/core/types.ts";
import type { BodyJob, IngestOutput } from "./ingest-batch.ts";

export interface ParseRequest extends BodyJob {
  kind: "parse";
  id: number;
}

export type WorkerMessage = { kind: "init"; tables: readonly TableSchema[] } | ParseRequest;

/** The id of the reply a worker sends once it has loaded and taken its tables. */
export const READY_ID = 0;

export type WorkerReply =
  | { id: typeof READY_ID; ok: true; ready: true }
  | { id: number; ok: true; out: IngestOutput }
  | { id: number; ok: false; code: ErrorCode; message: string; detail?: Record<string, unknown> };
