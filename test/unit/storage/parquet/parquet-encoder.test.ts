// The worker encodes exactly what the inline encoder does, and the files read back (hyparquet) as the
// rows that went in, nulls, dictionary strings and hour partitions included.
import { expect, test } from "bun:test";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { ColumnType } from "../../../../engine/core/types.ts";
import { Table } from "../../../../engine/store/table.ts";
import { ParquetEncoder, encodeInline } from "../../../../storage/parquet/parquet-encoder.ts";
import { extractRows } from "../../../../storage/parquet/part-rows.ts";
import { batchOf } from "../../engine/store/table-helpers.ts";

const cols = [
  { name: "ts", type: ColumnType.TIMESTAMP }, { name: "kind", type: ColumnType.STRING }, { name: "v", type: ColumnType.FLOAT64 },
  { name: "n", type: ColumnType.INT32 }, { name: "ok", type: ColumnType.BOOL },
];
const HOUR = 3_600_000, T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);
const rows = Array.from({ length: 300 }, (_, i) => [T0 + i * 30_000, i % 7 === 0 ? null : `k${i % 5}`, i % 11 === 0 ? null : i / 4, i, i % 2 === 0]);

test("worker and inline encodings are identical and read back as the rows", async () => {
  const table = new Table({ name: "t", timeColumn: "ts", columns: cols }, { segmentRows: 64 });
  table.appendBatch(batchOf("t", cols, rows), null);
  table.seal();
  const encoder = new ParquetEncoder();
  try {
    const inline = await encodeInline(extractRows(table, 10, 290));
    const viaWorker = await encoder.encode(extractRows(table, 10, 290));
    expect(viaWorker.map((p) => [p.partition, p.rowCount, p.timeMin, p.timeMax, Bun.hash(p.bytes)]))
      .toEqual(inline.map((p) => [p.partition, p.rowCount, p.timeMin, p.timeMax, Bun.hash(p.bytes)]));
    const back: unknown[][] = [];
    for (const p of viaWorker) {
      for (const r of await parquetReadObjects({ file: p.bytes.slice().buffer, compressors })) {
        back.push([(r.ts as Date).getTime(), r.kind, r.v, r.n, r.ok]);
      }
    }
    expect({ partitions: viaWorker.length, back }).toEqual({ partitions: 3, back: rows.slice(10, 290) });
  } finally {
    encoder.close();
  }
});
