// What the native engine is told about history: only files holding rows that left memory (below
// rowBase) and overlapping the asked time range make it hand a query to DuckDB.
import { expect, test } from "bun:test";
import { ColumnType } from "../../../../engine/core/types.ts";
import { Catalog } from "../../../../engine/store/catalog.ts";
import type { TableHistory } from "../../../../storage/parquet/table-history.ts";
import { nativeTables } from "../../../../server/sql/native-tables.ts";
import { batchOf } from "../../engine/store/table-helpers.ts";

test("historyOverlaps: evicted rows in the range, not compacted rows still in memory", () => {
  const cols = [{ name: "ts", type: ColumnType.TIMESTAMP }];
  const catalog = new Catalog();
  const t = catalog.create({ name: "t", timeColumn: "ts", columns: cols }, { segmentRows: 8 });
  t.appendBatch(batchOf("t", cols, Array.from({ length: 24 }, (_, i) => [1000 + i])), null);
  t.seal();
  const history: TableHistory = { version: 1, compactedRows: 16, files: [
    { path: "/a", firstRow: 0, rowCount: 8, timeMin: 1000, timeMax: 1007 },
    { path: "/b", firstRow: 8, rowCount: 8, timeMin: 1008, timeMax: 1015 },
  ] };
  const tables = nativeTables(catalog, { history: () => history });
  const before = [tables.get("t")!.historyOverlaps(0, 2000)];
  t.evictBefore(8, () => true);   // rows [0, 8) leave memory; [8, 16) are compacted but still there
  const nt = tables.get("t")!;
  expect({ before, after: [nt.historyOverlaps(1000, 1001), nt.historyOverlaps(1007, 1008), nt.historyOverlaps(1008, 2000), nt.historyOverlaps(0, 1000)], missing: tables.get("nope") })
    .toEqual({ before: [false], after: [true, true, false, false], missing: undefined });
});
