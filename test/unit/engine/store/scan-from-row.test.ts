// Scans from a row index: segments wholly before it are skipped, batches carry their first row index.
import { expect, test } from "bun:test";
import { ColumnType } from "../../../../engine/core/types.ts";
import { Table } from "../../../../engine/store/table.ts";
import { batchOf } from "./table-helpers.ts";

test("fromRow skips whole segments and reports each batch's first row", () => {
  const cols = [{ name: "ts", type: ColumnType.TIMESTAMP }];
  const table = new Table({ name: "t", timeColumn: "ts", columns: cols }, { segmentRows: 16 });
  table.appendBatch(batchOf("t", cols, Array.from({ length: 40 }, (_, i) => [1000 + i])), null);
  const seen: number[] = [], firstRows: number[] = [];
  for (const batch of table.scan({ columns: ["ts"], fromRow: 21 })) {
    firstRows.push(batch.firstRow);
    for (let i = 0; i < batch.rowCount; i++) if (batch.firstRow + i >= 21) seen.push(batch.vectors[0]!.f64![i]! - 1000);
  }
  expect({ seen, firstRows }).toEqual({ seen: Array.from({ length: 19 }, (_, i) => 21 + i), firstRows: [16, 32] });
});
