// Sealing on the seal worker (recovery) gives the same table as sealing on this thread.
import { expect, test } from "bun:test";
import { ColumnType, type TableSchema } from "../../../../engine/core/types.ts";
import { SealOffload } from "../../../../engine/store/seal-offload.ts";
import { Table } from "../../../../engine/store/table.ts";
import { batchOf, readAll } from "./table-helpers.ts";

const COLS = [
  { name: "ts", type: ColumnType.TIMESTAMP }, { name: "session", type: ColumnType.STRING },
  { name: "country", type: ColumnType.STRING }, { name: "price", type: ColumnType.FLOAT64 }, { name: "id", type: ColumnType.STRING },
];
const SCHEMA: TableSchema = {
  name: "t", timeColumn: "ts",
  columns: COLS.map((c) => (c.name === "id" ? { ...c, unique: true } : c)),
};

test("segments sealed by the worker read back exactly as when sealed inline", async () => {
  // 30 batches of 50 rows in 64-row segments: 23 frozen segments, more than the 16 the worker may
  // hold at once, so some are sealed on this thread: both paths are checked.
  const batches = Array.from({ length: 30 }, (_, b) => batchOf("t", COLS, Array.from({ length: 50 }, (_, i) => {
    const n = b * 50 + i;
    return [1_700_000_000_000 + n, `s${Math.floor(n / 7)}`, `c${Math.floor(n / 7) % 5}`, n % 3 === 0 ? null : n / 4, `id-${n}`];
  })));
  const inline = new Table(SCHEMA, { segmentRows: 64 });
  const offloaded = new Table(SCHEMA, { segmentRows: 64 });
  const offload = new SealOffload();
  offloaded.sealWith(offload);
  try {
    for (const b of batches) {
      inline.appendBatch(b, null);
      offloaded.appendBatch(b, null);
      offloaded.handOverFrozen(offload);
    }
    await offload.drain();
  } finally {
    offload.close();
    offloaded.sealWith(null);
  }
  const all = { columns: COLS.map((c) => c.name) };
  const sealed = (t: Table) => t.columnMemory().every((c) => Object.values(c.encodings).reduce((a, b) => a + b, 0) === 23);
  expect({ rows: readAll(offloaded, all).rows, sealed: sealed(offloaded), pruned: readAll(offloaded, { ...all, timeMin: 1_700_000_000_500 }).rows.length })
    .toEqual({ rows: readAll(inline, all).rows, sealed: true, pruned: readAll(inline, { ...all, timeMin: 1_700_000_000_500 }).rows.length });
});
