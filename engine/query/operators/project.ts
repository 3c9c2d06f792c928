// The sink of a query without aggregates: evaluates the output (and hidden ORDER BY) expressions of
// each surviving row. With ORDER BY and LIMIT it keeps only the best offset + limit rows (TopK);
// with LIMIT alone it stops the scan once offset + limit rows are in; without LIMIT it stops with
// result_too_large as soon as the rows exceed maxRows.

import type { Fn } from "../functions/value.ts";
import { TopK, type Row } from "./order-by.ts";
import { tooLarge, type Sink } from "./sink.ts";

export interface ProjectOptions {
  readonly fns: readonly Fn[];
  /** Comparator when ORDER BY is present. */
  readonly cmp: ((a: Row, b: Row) => number) | null;
  readonly offset: number;
  readonly limit: number | null;
  readonly maxRows: number;
}

export function projectSink(o: ProjectOptions): Sink {
  const { fns, cmp, offset, limit, maxRows } = o;
  const width = fns.length;
  const rows: Row[] = [];
  const top = cmp !== null && limit !== null ? new TopK(offset + limit, cmp) : null;
  const build = (i: number): Row => {
    const row: Row = new Array(width);
    for (let c = 0; c < width; c++) row[c] = fns[c]!(i);
    return row;
  };
  return {
    consume(sel, n) {
      if (top !== null) {
        for (let k = 0; k < n; k++) top.push(build(sel[k]!));
        return true;
      }
      for (let k = 0; k < n; k++) {
        rows.push(build(sel[k]!));
        if (cmp === null && limit !== null && rows.length >= offset + limit) return false;
        if (limit === null && rows.length - offset > maxRows) tooLarge(maxRows);
      }
      return true;
    },
    finish: () => (top !== null ? top.sorted() : rows),
  };
}
