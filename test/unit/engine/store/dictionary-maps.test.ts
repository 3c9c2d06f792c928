// Code maps: ingest gives string values their global codes before logging a batch; the live store
// and replay append with those maps, and replay re-creates the dictionary entries in the same order.
import { expect, test } from "bun:test";
import { ColumnType, type TableSchema } from "../../../../engine/core/types.ts";
import { Table } from "../../../../engine/store/table.ts";
import { batchOf, readAll } from "./table-helpers.ts";

const COLS = [{ name: "ts", type: ColumnType.TIMESTAMP }, { name: "user", type: ColumnType.STRING }, { name: "page", type: ColumnType.STRING }];
const SCHEMA: TableSchema = { name: "t", timeColumn: "ts", columns: COLS };
const batches = [
  batchOf("t", COLS, [[1, "ann", "/a"], [2, "bob", null], [3, "ann", "/b"]]),
  batchOf("t", COLS, [[4, "cid", "/a"], [5, null, "/c"], [6, "bob", "/a"]]),
];

test("appending with maps equals looking up; replay from the maps restores the same codes", () => {
  const plain = new Table(SCHEMA, { segmentRows: 4 });
  for (const b of batches) plain.appendBatch(b, null);

  const live = new Table(SCHEMA, { segmentRows: 4 });
  const logged = batches.map((b) => live.mapDictionaries(b));      // decided, in log order
  batches.forEach((b, i) => live.appendBatch(b, null, logged[i]!)); // applied after durability

  const replayed = new Table(SCHEMA, { segmentRows: 4 });
  batches.forEach((b, i) => { replayed.restoreDictionaries(b, logged[i]!); replayed.appendBatch(b, null, logged[i]!); });

  const all = { columns: ["ts", "user", "page"] };
  const codes = (t: Table) => ["ann", "bob", "cid", "/a", "/b", "/c"].map((s) => t.dictionary(s.startsWith("/") ? "page" : "user")!.find(s));
  expect([readAll(live, all).rows, readAll(replayed, all).rows, codes(replayed)])
    .toEqual([readAll(plain, all).rows, readAll(plain, all).rows, codes(live)]);
  expect(logged.map((m) => m.map((x) => x && [...x]))).toEqual([[null, [0, 1], [0, 1]], [null, [2, 1], [0, 2]]]);
});

test("a logged map whose new codes skip one does not line up; a map of the wrong shape is wal_corrupt", () => {
  const t = new Table(SCHEMA);
  const fits = t.restoreDictionaries(batches[0]!, [null, new Uint32Array([0, 1]), new Uint32Array([0, 1])]);
  // "/c" is new and must get the next code, 2; a map giving it 3 means a record before was lost.
  const skips = t.restoreDictionaries(batches[1]!, [null, new Uint32Array([2, 1]), new Uint32Array([0, 3])]);
  expect([fits, skips]).toEqual([true, false]);
  expect(() => t.restoreDictionaries(batches[1]!, [null, new Uint32Array([2, 1])])).toThrow(/cover 2 columns, the batch has 3/);
  expect(() => t.restoreDictionaries(batches[1]!, [null, new Uint32Array([2]), new Uint32Array([0, 2])])).toThrow(/for user do not match its dictionary/);
});
