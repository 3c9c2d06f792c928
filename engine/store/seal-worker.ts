// Worker thread: seals the frozen segments recovery hands over (seal-offload.ts), so replay appends on
// one core while segments are compressed on the other. It runs the very code the main thread runs
// (seal.ts, in the order the main thread chose) on the segment's own arrays and sends the chunks back.

import type { TableSchema } from "../core/types.ts";
import { sealColumn } from "./seal.ts";
import { Segment } from "./segment.ts";
import { TailColumn, type TailParts } from "./tail-column.ts";
import { createTableState, type TableState } from "./table-state.ts";
import type { ColumnChunk } from "../column/column-chunk.ts";

export interface SealJob {
  id: number;
  schema: TableSchema;
  segmentRows: number;
  rowCount: number;
  order: Int32Array;
  raw: TailParts[];
}

export type SealReply =
  | { id: number; ok: true; chunks: ColumnChunk[]; timeMin: number; timeMax: number }
  | { id: number; ok: false; message: string };

declare const self: Worker;
const tables = new Map<string, TableState>();

self.onmessage = (ev: MessageEvent<SealJob>) => {
  const job = ev.data;
  try {
    let t = tables.get(job.schema.name);
    if (!t) tables.set(job.schema.name, (t = createTableState(job.schema, { segmentRows: job.segmentRows })));
    const raw = job.raw.map((p, c) => TailColumn.adopt(t!.columns[c]!.type, t!.columns[c]!.unique, p));
    const seg = new Segment(job.segmentRows, t.columns, 0, raw);
    seg.rowCount = job.rowCount;
    seg.frozen = true;
    seg.sealOrder = job.order;
    for (const c of job.order) sealColumn(t, seg, c);
    t.sealReaders.clear();
    const reply: SealReply = { id: job.id, ok: true, chunks: seg.chunks as ColumnChunk[], timeMin: seg.timeMin, timeMax: seg.timeMax };
    self.postMessage(reply);
  } catch (e) {
    self.postMessage({ id: job.id, ok: false, message: String((e as Error)?.stack ?? e) } satisfies SealReply);
  }
};
