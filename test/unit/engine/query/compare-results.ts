// Result comparison for differential tests: exact equality except DOUBLE (relative 1e-9, absolute
// 1e-9 near zero) and columns marked approximate (relative tolerance given); rows compared in order
// when ORDER BY fully determines it, else as multisets (rows bucketed by their non-float values,
// then matched with tolerance inside a bucket).

import type { SqlValue } from "../../../../engine/query/result.ts";

export interface CompareOptions {
  readonly ordered?: boolean;
  /** Column index -> relative tolerance (approx_count_distinct: 0.02). */
  readonly approx?: Readonly<Record<number, number>>;
}

function near(a: number, b: number, rel: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= Math.max(rel * Math.max(Math.abs(a), Math.abs(b)), 1e-9);
}

function valueEqual(a: SqlValue, b: SqlValue, rel: number | undefined): boolean {
  if (a === null || b === null) return a === b;
  if (rel !== undefined && (typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number")) {
    return near(Number(a), Number(b), rel);
  }
  if (typeof a === "number" && typeof b === "number") return near(a, b, 1e-9);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a, big) === JSON.stringify(b, big);
  return a === b;
}

const big = (_k: string, v: unknown) => (typeof v === "bigint" ? `${v}n` : v);

function rowEqual(a: SqlValue[], b: SqlValue[], o: CompareOptions): boolean {
  return a.length === b.length && a.every((v, i) => valueEqual(v, b[i]!, o.approx?.[i]));
}

/** Key of the exactly compared values of a row (floats and approximate columns left out). */
function bucketKey(row: SqlValue[], o: CompareOptions): string {
  return JSON.stringify(row.map((v, i) => (typeof v === "number" || o.approx?.[i] !== undefined ? "~" : v instanceof Date ? v.getTime() : v)), big);
}

export function show(rows: SqlValue[][], max = 8): string {
  return rows.slice(0, max).map((r) => JSON.stringify(r, big)).join("\n") + (rows.length > max ? `\n... ${rows.length} rows` : "");
}

/** null when equal, else a description of the first difference. */
export function diffResults(actual: SqlValue[][], expected: SqlValue[][], o: CompareOptions = {}): string | null {
  if (actual.length !== expected.length) return `row count ${actual.length}, DuckDB ${expected.length}\nours:\n${show(actual)}\nDuckDB:\n${show(expected)}`;
  if (o.ordered) {
    for (let i = 0; i < actual.length; i++) {
      if (!rowEqual(actual[i]!, expected[i]!, o)) return `row ${i}: ours ${JSON.stringify(actual[i], big)}, DuckDB ${JSON.stringify(expected[i], big)}`;
    }
    return null;
  }
  const buckets = new Map<string, SqlValue[][]>();
  for (const r of actual) {
    const k = bucketKey(r, o);
    const b = buckets.get(k);
    if (b) b.push(r); else buckets.set(k, [r]);
  }
  for (const r of expected) {
    const b = buckets.get(bucketKey(r, o)) ?? [];
    const at = b.findIndex((x) => rowEqual(x, r, o));
    if (at < 0) return `DuckDB row ${JSON.stringify(r, big)} missing from ours\nours:\n${show(actual)}`;
    b.splice(at, 1);
  }
  return null;
}
