// The store tables as the native engine sees them: the in-memory Table, and whether the Parquet
// history holds rows that are no longer in memory within a time range (then the native engine must
// not answer alone over that range, and gives the query to DuckDB, whose views read both).

import type { Catalog } from "../../engine/store/catalog.ts";
import type { NativeTable, NativeTables } from "../../engine/query/native.ts";
import { evictedOverlap, type HistorySource } from "../../storage/parquet/table-history.ts";

export function nativeTables(catalog: Catalog, history: HistorySource): NativeTables {
  return {
    get(name: string): NativeTable | undefined {
      const table = catalog.get(name);
      if (table === undefined) return undefined;
      return {
        table,
        /** Some history file holding rows below rowBase (evicted from memory) overlaps [lo, hi) in time. */
        historyOverlaps(lo: number, hi: number): boolean {
          return table.rowBase > 0 && evictedOverlap(history.history(name), table.rowBase, lo, hi);
        },
      };
    },
  };
}
