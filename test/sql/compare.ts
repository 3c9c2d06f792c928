// Compares two SQL answers as POST /v1/sql returns them in JSON ({columns: [{name, type}], rows}) and
// returns a readable diff, or null when they agree. The rules, also stated in test/sql/README.md:
//
// 1. Columns: the same number, names and types (DuckDB type names, compared as text), in order.
// 2. Rows: the same number. When `ordered` (the query's ORDER BY fully determines the order) row i is
//    compared with row i; otherwise both sides are sorted and compared as multisets.
// 3. Cells are equal exactly (their JSON values: strings, numbers, booleans, null, ISO timestamps,
//    BIGINTs beyond 2^53 as strings, nested lists/objects) except:
//    - DOUBLE and FLOAT cells: |a - b| <= 1e-9 * max(|a|, |b|), or |a - b| <= 1e-9 near zero, since
//      summing in another order changes the last bits. null only equals null.
//    - approximate columns (approx_count_distinct): |a - b| <= 2% of max(|a|, |b|).
//
// Nothing here loosens a rule for a particular query: a disagreement is a finding, not noise.

export interface SqlAnswer {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly (readonly unknown[])[];
}

export interface CompareOptions {
  /** ORDER BY fully determines row order: compare in order; otherwise as sorted multisets. */
  readonly ordered: boolean;
  /** Approximate columns: true = every numeric column, or the names of those columns. */
  readonly approx?: boolean | readonly string[];
  /** Names of the two sides in the diff. */
  readonly labels?: readonly [string, string];
}

export const DOUBLE_REL_TOLERANCE = 1e-9;
export const DOUBLE_ABS_TOLERANCE = 1e-9;
export const APPROX_REL_TOLERANCE = 0.02;
/** Differing rows listed in a diff before it says "... and N more". */
const DIFF_ROWS_MAX = 12;

const FLOAT_TYPES = new Set(["DOUBLE", "FLOAT", "REAL", "FLOAT8", "FLOAT4"]);
const NUMERIC_TYPES = new Set([...FLOAT_TYPES, "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
  "UINTEGER", "UBIGINT", "UHUGEINT"]);

type CellRule = "exact" | "double" | "approx";

export function compareResults(expected: SqlAnswer, actual: SqlAnswer, opts: CompareOptions): string | null {
  const [le, la] = opts.labels ?? ["expected", "actual"];
  const cols = (a: SqlAnswer) => a.columns.map((c) => `${c.name} ${c.type}`).join(", ");
  if (cols(expected) !== cols(actual)) return `columns differ\n  ${le}: ${cols(expected)}\n  ${la}: ${cols(actual)}`;
  const rules = expected.columns.map((c) => cellRule(c.name, c.type, opts.approx));
  if (opts.ordered) return diffOrdered(expected.rows, actual.rows, rules, le, la);
  return diffUnordered(expected.rows, actual.rows, rules, le, la);
}

function cellRule(name: string, type: string, approx: CompareOptions["approx"]): CellRule {
  const approxHere = approx === true ? NUMERIC_TYPES.has(type) : Array.isArray(approx) && approx.includes(name);
  if (approxHere) return "approx";
  return FLOAT_TYPES.has(type) ? "double" : "exact";
}

export function cellsEqual(a: unknown, b: unknown, rule: CellRule): boolean {
  if (rule !== "exact" && isNumberLike(a) && isNumberLike(b)) {
    const x = Number(a), y = Number(b);
    if (x === y) return true;
    const diff = Math.abs(x - y), scale = Math.max(Math.abs(x), Math.abs(y));
    if (rule === "approx") return diff <= APPROX_REL_TOLERANCE * scale;
    return diff <= DOUBLE_REL_TOLERANCE * scale || diff <= DOUBLE_ABS_TOLERANCE;
  }
  return canonical(a) === canonical(b);
}

function rowsEqual(a: readonly unknown[], b: readonly unknown[], rules: readonly CellRule[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!cellsEqual(a[i], b[i], rules[i] ?? "exact")) return false;
  return true;
}

function diffOrdered(e: readonly (readonly unknown[])[], a: readonly (readonly unknown[])[], rules: readonly CellRule[], le: string, la: string): string | null {
  const lines: string[] = [];
  let differing = 0;
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (i < e.length && i < a.length && rowsEqual(e[i]!, a[i]!, rules)) continue;
    if (differing++ < DIFF_ROWS_MAX) {
      lines.push(`  row ${i}: ${le} ${i < e.length ? show(e[i]!) : "(none)"}`, `  row ${i}: ${la} ${i < a.length ? show(a[i]!) : "(none)"}`);
    }
  }
  if (differing === 0) return null;
  if (differing > DIFF_ROWS_MAX) lines.push(`  ... and ${differing - DIFF_ROWS_MAX} more differing rows`);
  return `${differing} rows differ (in order; ${le} has ${e.length} rows, ${la} ${a.length})\n${lines.join("\n")}`;
}

/**
 * Multiset comparison: rows are grouped by their exact cells; within a group the tolerant cells are
 * sorted numerically and paired up. Rows left unpaired are listed as only on one side.
 */
function diffUnordered(e: readonly (readonly unknown[])[], a: readonly (readonly unknown[])[], rules: readonly CellRule[], le: string, la: string): string | null {
  const exactKey = (r: readonly unknown[]) => r.map((v, i) => (rules[i] === "exact" ? canonical(v) : "")).join("\u0001");
  const group = (rows: readonly (readonly unknown[])[]) => {
    const m = new Map<string, (readonly unknown[])[]>();
    for (const r of rows) {
      const k = exactKey(r);
      const list = m.get(k);
      if (list) list.push(r); else m.set(k, [r]);
    }
    for (const list of m.values()) list.sort((x, y) => compareTolerantCells(x, y, rules));
    return m;
  };
  const ge = group(e), ga = group(a);
  const onlyE: (readonly unknown[])[] = [], onlyA: (readonly unknown[])[] = [], close: string[] = [];
  for (const [k, es] of ge) {
    const as = ga.get(k) ?? [];
    const n = Math.min(es.length, as.length);
    for (let i = 0; i < n; i++) {
      if (!rowsEqual(es[i]!, as[i]!, rules)) close.push(`  ${le} ${show(es[i]!)}\n  ${la} ${show(as[i]!)}`);
    }
    onlyE.push(...es.slice(n));
    onlyA.push(...as.slice(n));
  }
  for (const [k, as] of ga) if (!ge.has(k)) onlyA.push(...as);
  if (onlyE.length === 0 && onlyA.length === 0 && close.length === 0) return null;
  const lines = [`rows differ (as multisets; ${le} has ${e.length} rows, ${la} ${a.length}): ` +
    `${onlyE.length} only in ${le}, ${onlyA.length} only in ${la}, ${close.length} with different values`];
  const list = (title: string, rows: string[]) => {
    if (rows.length === 0) return;
    lines.push(`  ${title}:`, ...rows.slice(0, DIFF_ROWS_MAX).map((r) => `  ${r}`));
    if (rows.length > DIFF_ROWS_MAX) lines.push(`    ... and ${rows.length - DIFF_ROWS_MAX} more`);
  };
  list(`only in ${le}`, onlyE.sort(byCanonical).map((r) => `  ${show(r)}`));
  list(`only in ${la}`, onlyA.sort(byCanonical).map((r) => `  ${show(r)}`));
  list("same key, different values", close);
  return lines.join("\n");
}

function compareTolerantCells(x: readonly unknown[], y: readonly unknown[], rules: readonly CellRule[]): number {
  for (let i = 0; i < rules.length; i++) {
    if (rules[i] === "exact") continue;
    const c = numericOrder(x[i], y[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/** null first, then numbers ascending, then anything else by its text. */
function numericOrder(a: unknown, b: unknown): number {
  const rank = (v: unknown) => (v === null || v === undefined ? 0 : isNumberLike(v) ? 1 : 2);
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return Number(a) - Number(b);
  if (ra === 2) return canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0;
  return 0;
}

function isNumberLike(v: unknown): boolean {
  if (typeof v === "number") return true;
  return typeof v === "string" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v);
}

const byCanonical = (x: readonly unknown[], y: readonly unknown[]) => (canonical(x) < canonical(y) ? -1 : canonical(x) > canonical(y) ? 1 : 0);

/** One text per JSON value: -0 and 0 alike, object keys sorted. */
function canonical(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "number") return Object.is(v, -0) ? "0" : String(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

function show(row: readonly unknown[]): string {
  const s = JSON.stringify(row);
  return s.length > 400 ? `${s.slice(0, 400)}...` : s;
}
