// Group ids of dictionary GROUP BY keys whose domains multiply to at most DIRECT_MAX: the group id IS
// the key tuple's flat index (codes in mixed radix, NULL = dictionary size), computed by the store
// from the codes where they lie (RowEnv.codesInto: packed words, a MAPPED column's map), so no key
// column is loaded and no lookup is made per row. Ids go up to the product; `present` says which
// have rows, from an unfiltered count(*) when the query has one, else from a byte per id.

import type { RowEnv } from "../row-env.ts";
import type { GroupTable } from "./group-table.ts";
import type { KeyCol } from "./group-keys.ts";

/** Largest product of dictionary domains grouped by flat index (aggregate states are sized to it). */
export const DIRECT_MAX = 1 << 16;

/**
 * How a flat index table may learn which ids have rows without marking them per row: the row count
 * of id g from an unfiltered count(*) (group-by.ts), usable when no more than maxGroups ids exist
 * (the group limit then never needs a running count).
 */
export interface RowCounts {
  readonly rows: (g: number) => number;
  readonly maxGroups: number;
}

/** Dictionary keys whose domains multiply to at most DIRECT_MAX: the group id is the flat index. */
export function directTable(keys: readonly KeyCol[], env: RowEnv, counted: RowCounts | null): GroupTable | null {
  if (keys.length === 0 || !keys.every((k) => k.column !== undefined)) return null;
  const product = keys.reduce((p, k) => p * k.domain, 1);
  if (product > DIRECT_MAX) return null;
  const K = keys.length, cols = keys.map((k) => k.column!), domains = keys.map((k) => k.domain);
  const strides = keys.map((_, j) => domains.slice(j + 1).reduce((p, d) => p * d, 1));
  const keyId = (g: number, j: number) => Math.floor(g / strides[j]!) % domains[j]!;
  const codes = (sel: Int32Array, n: number, gids: Int32Array) => {
    const all = n === env.rowCount() ? null : sel;
    for (let j = 0; j < K; j++) env.codesInto(cols[j]!, all, n, gids, j === 0 ? 0 : domains[j]!, domains[j]! - 1);
  };
  if (counted !== null && product <= counted.maxGroups) {
    // A count(*) sees every row: its counts say which ids are groups, so rows are not marked here.
    const rows = counted.rows;
    return {
      keys, readsSlots: false, idLimit: () => product, present: (g) => rows(g) > 0, keyId, assign: codes,
      count() { let c = 0; for (let g = 0; g < product; g++) if (rows(g) > 0) c++; return c; },
    };
  }
  const hit = new Uint8Array(product);
  let groups = 0;
  return {
    keys, readsSlots: false,
    count: () => groups,
    idLimit: () => product,
    present: (g) => hit[g] === 1,
    keyId,
    assign(sel, n, gids) {
      codes(sel, n, gids);
      for (let k = 0; k < n; k++) {
        const g = gids[k]!;
        if (hit[g] === 0) { hit[g] = 1; groups++; }
      }
    },
  };
}

