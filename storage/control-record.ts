// A control record: a change of derived-state definitions made through the API (an audience or a
// funnel defined or removed, a user's tags set, ...). It is logged like ingest batches, acknowledged
// once durable, and applied in log order, live and on replay, so derived state stays a function of
// the log even for what users declare rather than send.
//
//   payload: UTF-8 JSON {"target": component name, "op": string, "body": any}

import { EngineError } from "../engine/core/errors.ts";

export const RECORD_KIND_CONTROL = 3;

export interface ControlRecord {
  readonly target: string;
  readonly op: string;
  readonly body: unknown;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

export function encodeControlRecord(r: ControlRecord): Uint8Array {
  return utf8.encode(JSON.stringify({ target: r.target, op: r.op, body: r.body }));
}

export function decodeControlRecord(payload: Uint8Array, lsn: number): ControlRecord {
  try {
    const r = JSON.parse(utf8d.decode(payload)) as ControlRecord;
    if (typeof r.target === "string" && typeof r.op === "string") return r;
  } catch { /* reported below */ }
  throw new EngineError("wal_corrupt", `WAL control record ${lsn} is not {target, op, body} JSON`);
}
