// What the SQL console draws from a result ({"columns": [{name, type}], "rows": [[...]]}): which
// column is the x axis and which are series, and as what chart. Pure, so it is tested directly.
// Rules: series are the numeric columns (at most SERIES_MAX); x is the first column that is not a
// series (or the first column when all are numeric); a time x draws lines on a time axis, any other
// x draws bars (or lines when asked) over its first CATEGORIES_MAX rows. No series, no chart.

export interface ResultColumn { name: string; type: string }
export interface SqlResultJson { columns: ResultColumn[]; rows: unknown[][]; stats?: { elapsed_ms: number; rows_scanned: number; engine: string } }
export type ChartKind = "auto" | "bar" | "line" | "none";

export interface ChartSpec {
  readonly x: number;
  readonly ys: readonly number[];
  readonly type: "bar" | "line";
  readonly time: boolean;
  /** Rows drawn (the first ones). */
  readonly rows: number;
}

export const SERIES_MAX = 6;
export const CATEGORIES_MAX = 100;
export const TIME_POINTS_MAX = 5000;

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL.*)$/i;
const TIME = /^(DATE|TIMESTAMP.*)$/i;

export function isNumericType(t: string): boolean {
  return NUMERIC.test(t.trim());
}

export function isTimeType(t: string): boolean {
  return TIME.test(t.trim());
}

export function chartSpec(r: SqlResultJson, kind: ChartKind): ChartSpec | null {
  if (kind === "none" || r.rows.length === 0 || r.columns.length < 2) return null;
  const numeric = r.columns.map((c) => isNumericType(c.type));
  let x = numeric.indexOf(false);
  if (x < 0) x = 0;
  const ys = r.columns.map((_, i) => i).filter((i) => i !== x && numeric[i]).slice(0, SERIES_MAX);
  if (ys.length === 0) return null;
  const time = isTimeType(r.columns[x]!.type);
  const type = kind === "auto" ? (time ? "line" : "bar") : kind;
  return { x, ys, type, time, rows: Math.min(r.rows.length, time ? TIME_POINTS_MAX : CATEGORIES_MAX) };
}

/** A result cell as text: null as "NULL", objects as JSON. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export interface ErrorSpan { before: string; marked: string; after: string; line: number; column: number }

/**
 * The SQL split around an error position (a 0-based character offset): the marked part is the
 * word at the position, or its one character if that is no word character; at a line end or the
 * text's end there is nothing to mark and a single blank stands in for it. Line and column are
 * 1-based, as an editor shows them.
 */
export function errorSpan(sql: string, position: number): ErrorSpan {
  const at = Math.max(0, Math.min(Math.trunc(position), sql.length));
  let end = at;
  while (end < sql.length && /[\w$."]/.test(sql[end]!)) end++;
  if (end === at && at < sql.length && sql[at] !== "\n") end = at + 1;
  const lines = sql.slice(0, at).split("\n");
  const marked = sql.slice(at, end);
  return { before: sql.slice(0, at), marked: marked === "" ? " " : marked, after: sql.slice(end), line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}
