// Generated events (data.ts) as one columnar batch of the `events` table, the form the store appends:
// benchmarks that fill a Table directly (no HTTP, no WAL) build their batches here.

import { BatchBuilder } from "../engine/core/batch-codec.ts";
import { EVENT_COLUMNS, EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { isStringType } from "../engine/core/types.ts";
import { decodeBatch } from "../engine/core/batch-codec.ts";
import type { Table } from "../engine/store/table.ts";
import type { GeneratedEvent } from "./data.ts";

const colIndex = new Map(EVENT_COLUMNS.map((c, i) => [c.name, i]));
const RECEIVED = colIndex.get("received_at")!;

export function eventsBatch(events: readonly GeneratedEvent[]): Uint8Array {
  const b = new BatchBuilder(EVENTS_SCHEMA.name, EVENT_COLUMNS, events.length);
  // The server stamps one receive time per request; a little after the newest event of the batch.
  let received = 0;
  for (const e of events) received = Math.max(received, e.ts);
  received += 20;
  for (const e of events) {
    const row = b.addRow();
    for (const [k, v] of Object.entries(e)) {
      if (v === undefined || v === null) continue;
      const c = colIndex.get(k)!;
      if (isStringType(EVENT_COLUMNS[c]!.type)) b.setString(c, row, typeof v === "string" ? v : JSON.stringify(v));
      else b.setNumber(c, row, v as number);
    }
    b.setNumber(RECEIVED, row, received);
  }
  return b.finish();
}

/** Appends `events` to `table` in batches of `batchRows`, as ingest would (no WAL). */
export function appendEvents(table: Table, events: Iterable<GeneratedEvent>, batchRows: number): void {
  let pending: GeneratedEvent[] = [];
  for (const e of events) {
    pending.push(e);
    if (pending.length === batchRows) { table.appendBatch(decodeBatch(eventsBatch(pending)), null); pending = []; }
  }
  if (pending.length) table.appendBatch(decodeBatch(eventsBatch(pending)), null);
}
