// The one way derived state (rollups, audiences, funnels, profiles, ...) sees events: after the store
// has appended a WAL record's rows, the feed hands each consumer those rows as batches of column
// vectors, in WAL order, on the live path and on replay alike. So derived state is a pure function of
// the log, like the store itself.
//
// A FeedBatch is a view over store memory: vectors are valid only during the consume() call, string
// columns are codes into the table's global dictionaries (engine/column/string-dictionary.ts), and
// consumers must not keep them. Global codes live only as long as the process: anything a consumer
// persists keys by string (or by ids of its own), never by a global code.

import type { Vector } from "../column/vector.ts";

export interface FeedBatch {
  readonly table: string;
  /** The new rows are vector positions [begin, end): a scan batch may start before the first new row. */
  readonly begin: number;
  readonly end: number;
  /** Table row index of vector position 0 (rows are numbered from the first event the table ever stored). */
  readonly firstRow: number;
  /** The column's vector (positions [0, end) valid), or null when the table has no such column. */
  column(name: string): Vector | null;
}

export interface RowConsumer {
  /** Sees every stored row exactly once, in table row order. Must not throw for any row content. */
  consume(batch: FeedBatch): void;
}
