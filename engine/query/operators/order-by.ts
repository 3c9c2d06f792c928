// ORDER BY over materialized rows (arrays of values): a comparator built once from the sort terms,
// a full sort, and a bounded top-k heap for ORDER BY ... LIMIT (keeps offset + limit rows, so memory
// is bounded by the LIMIT, not by the rows scanned). NULLs sort last unless NULLS FIRST, in either
// direction (DuckDB's default); strings in code-point order, booleans false before true. Rows that
// tie on every term come out in any order, as in DuckDB.

import { compareUtf8 } from "../functions/utf8.ts";
import type { Val } from "../functions/value.ts";

export type Row = Val[];

export interface SortTerm {
  /** Position of the sort value in each row. */
  readonly at: number;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
  readonly strings: boolean;
}

export function rowComparator(terms: readonly SortTerm[]): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const t of terms) {
      const x = a[t.at]!, y = b[t.at]!;
      if (x === y) continue;
      if (x === null) return t.nullsFirst ? -1 : 1;
      if (y === null) return t.nullsFirst ? 1 : -1;
      const c = t.strings ? compareUtf8(x as string, y as string) : (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
      if (c !== 0) return t.desc ? -c : c;
    }
    return 0;
  };
}

/** The k smallest rows under cmp: a max-heap whose root is the worst row kept. */
export class TopK {
  private readonly heap: Row[] = [];
  constructor(private readonly k: number, private readonly cmp: (a: Row, b: Row) => number) {}

  push(row: Row): void {
    const h = this.heap;
    if (this.k === 0) return;
    if (h.length < this.k) {
      h.push(row);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.cmp(h[i]!, h[p]!) <= 0) break;
        [h[i], h[p]] = [h[p]!, h[i]!];
        i = p;
      }
      return;
    }
    if (this.cmp(row, h[0]!) >= 0) return;
    h[0] = row;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && this.cmp(h[l]!, h[m]!) > 0) m = l;
      if (r < h.length && this.cmp(h[r]!, h[m]!) > 0) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  get size(): number {
    return this.heap.length;
  }

  sorted(): Row[] {
    return this.heap.slice().sort(this.cmp);
  }
}
