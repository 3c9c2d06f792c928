// Test helper: a batch as plain rows, so tests can assert whole values with one toEqual.

import { decodeBatch, dictString, isPresent } from "../../../../engine/core/batch-codec.ts";
import { ColumnType } from "../../../../engine/core/types.ts";

export type Row = Record<string, string | number | boolean>;

/** Rows of `bytes`, each holding its non-null columns; BOOL columns as booleans. */
export function rowsOf(bytes: Uint8Array): Row[] {
  const batch = decodeBatch(bytes);
  const rows: Row[] = [];
  for (let r = 0; r < batch.rowCount; r++) {
    const row: Row = {};
    for (const c of batch.columns) {
      if (!isPresent(c.validity, r)) continue;
      if (c.codes) row[c.name] = dictString(c, c.codes[r]!);
      else if (c.type === ColumnType.BOOL) row[c.name] = c.values![r] === 1;
      else row[c.name] = c.values![r]!;
    }
    rows.push(row);
  }
  return rows;
}

/** Every row with the given columns removed (generated ids, receive times). */
export function without(rows: Row[], ...names: string[]): Row[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !names.includes(k))));
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
