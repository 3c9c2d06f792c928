// Tests of derived state: plain event objects -> a real `events` Table (the same columnar batches the
// ingest path builds) -> FeedBatches, exactly as the server's feed hands them to consumers.

import { BatchBuilder, decodeBatch } from "../../engine/core/batch-codec.ts";
import { EVENT_COLUMNS, EVENTS_SCHEMA } from "../../engine/core/event-schema.ts";
import { isStringType } from "../../engine/core/types.ts";
import type { FeedBatch, RowConsumer } from "../../engine/aggregate/row-feed.ts";
import { Table } from "../../engine/store/table.ts";

/** An event as a client would send it after validation: ts in epoch ms, strings and numbers. */
export type PlainEvent = Record<string, string | number | null | undefined>;

const colIndex = new Map(EVENT_COLUMNS.map((c, i) => [c.name, i]));
let idCounter = 0;

/** One columnar batch of the `events` table; event_id and received_at are filled when absent. */
export function plainEventsBatch(events: readonly PlainEvent[]): Uint8Array {
  const b = new BatchBuilder(EVENTS_SCHEMA.name, EVENT_COLUMNS, events.length);
  for (const e of events) {
    const row = b.addRow();
    if (e.event_id == null) b.setString(colIndex.get("event_id")!, row, `e${++idCounter}`);
    if (e.received_at == null) b.setNumber(colIndex.get("received_at")!, row, Number(e.ts ?? 0));
    for (const [k, v] of Object.entries(e)) {
      if (v === undefined || v === null) continue;
      const c = colIndex.get(k);
      if (c === undefined) throw new Error(`events has no column ${k}`);
      if (isStringType(EVENT_COLUMNS[c]!.type)) b.setString(c, row, String(v));
      else b.setNumber(c, row, Number(v));
    }
  }
  return b.finish();
}

/** Feed batches over rows [fromRow, table.rowCount) of `table` (reading the given columns). */
export function* feedBatches(table: Table, fromRow: number, columns: readonly string[]): Generator<FeedBatch> {
  const index = new Map(columns.map((c, i) => [c, i]));
  for (const b of table.scan({ columns, fromRow })) {
    // The first batch may start before fromRow (scan batches start at multiples of 8).
    yield {
      table: table.schema.name, begin: Math.max(0, fromRow - b.firstRow), end: b.rowCount, firstRow: b.firstRow,
      column: (name) => { const j = index.get(name); return j === undefined ? null : b.vectors[j]!; },
    };
  }
}

/** Appends `events` to `table` and feeds the new rows to `consumers`; returns the rows stored. */
export function appendAndFeed(table: Table, events: readonly PlainEvent[], consumers: readonly RowConsumer[], columns: readonly string[] = EVENT_COLUMNS.map((c) => c.name)): number {
  const from = table.rowCount;
  const n = table.appendBatch(decodeBatch(plainEventsBatch(events)), null);
  for (const fb of feedBatches(table, from, columns)) for (const c of consumers) c.consume(fb);
  return n;
}

export function eventsTable(): Table {
  return new Table(EVENTS_SCHEMA);
}
