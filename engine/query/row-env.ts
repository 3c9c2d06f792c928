// Where row expressions read their columns: one slot per scanned column, repointed at each scan
// batch's vectors (setBatch), and the CompileEnv whose leaves read the slots. Expressions over a
// single dictionary-coded string column are evaluated once per distinct value instead of once per
// row (`country = 'US'`, `lower(url) LIKE '%sale%'`, `coalesce(campaign, 'none')`): the value for a
// code is computed the first time a row holds it and cached by code, so the cost is bounded by both
// the rows and the dictionary. The dictionary cannot grow during a query: execution is synchronous
// and appends run on this thread.
//
// Batches come from a lazy scan: a slot is empty until someone calls need() for it, which loads the
// column for the rows asked (every row, or a selection) and remembers which; asking again for a
// subset of those rows costs a comparison, asking for others loads the whole batch.

import { ColumnType } from "../core/types.ts";
import type { StringDictionary } from "../column/string-dictionary.ts";
import type { CodePredicate, DenseView, ScanBatch, Table, ViewMarks } from "../store/table.ts";
import { columnsOf, type BExpr } from "./bound.ts";
import { compile, type CompileEnv } from "./compile.ts";
import type { Fn, Val } from "./functions/value.ts";
import type { SqlValue } from "./result.ts";

export interface ColumnSlot {
  readonly type: ColumnType;
  /** The column's global dictionary when it is dictionary-coded, else null. */
  readonly dict: StringDictionary | null;
  validity: Uint8Array | null;
  f64: Float64Array | null;
  i32: Int32Array | null;
  u8: Uint8Array | null;
  codes: Uint32Array | null;
  strings: ((i: number) => string) | undefined;
}

export interface RowEnv {
  readonly slots: readonly ColumnSlot[];
  readonly compileEnv: CompileEnv;
  /** A new batch of the scan, whose vector j is slot j; every slot is empty until need(). */
  setBatch(b: ScanBatch): void;
  /** Fills slot `column` for rows sel[0, n) (ascending) at least, unless it holds them already. */
  need(column: number, sel: Int32Array, n: number): void;
  /** Keeps, in place, the rows sel[0, n) whose dictionary code in slot `column` p keeps (ScanBatch.refine). */
  refineCodes(column: number, p: CodePredicate, sel: Int32Array, n: number): number;
  /** Rows in the current batch: a selection of this many rows is every row, in order. */
  rowCount(): number;
  /** ScanBatch.codesInto for slot `column` (a dictionary column): group slots without loading the slot. */
  codesInto(column: number, sel: Int32Array | null, n: number, out: Int32Array, mul: number, nullCode: number): void;
  /** ScanBatch.markCodes for slot `column`: count(DISTINCT) without loading the slot. */
  markCodes(column: number, sel: Int32Array | null, n: number, seen: Uint8Array): number;
  /** ScanBatch.markBy for slots x, y: filtered count(DISTINCT) of several filters in one pass. */
  markBy(x: number, y: number, sel: Int32Array | null, n: number, viewMask: Uint8Array, vm: ViewMarks): void;
  /** ScanBatch.flushMarks, after the scan (no-op when no batch was scanned). */
  flushMarks(x: number, vm: ViewMarks): void;
  /** ScanBatch.dense for slot `column` (FLOAT64/TIMESTAMP): sums without loading the slot. */
  dense(column: number, sel: Int32Array | null, n: number): DenseView;
  /** For an expression reading only dictionary column `column`: its value as a function of that column's value. */
  perValue(e: BExpr): { column: number; f: (v: string | null) => Val } | null;
}

export function isNullAt(validity: Uint8Array | null, i: number): boolean {
  return validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0;
}

function columnFn(s: ColumnSlot): Fn {
  switch (s.type) {
    case ColumnType.FLOAT64: case ColumnType.TIMESTAMP: return (i) => (isNullAt(s.validity, i) ? null : s.f64![i]!);
    case ColumnType.INT32: return (i) => (isNullAt(s.validity, i) ? null : s.i32![i]!);
    case ColumnType.BOOL: return (i) => (isNullAt(s.validity, i) ? null : s.u8![i] !== 0);
    default:
      if (s.dict !== null) { const d = s.dict; return (i) => (isNullAt(s.validity, i) ? null : d.get(s.codes![i]!)); }
      return (i) => (isNullAt(s.validity, i) ? null : s.strings!(i));
  }
}

/** Cache by code (the last entry, `size`, for NULL): arrays for small dictionaries, a Map for large. */
function perCode(s: ColumnSlot, f: (v: string | null) => Val): Fn {
  const dict = s.dict!, size = dict.size;
  if (size < 1 << 16) {
    const known = new Uint8Array(size + 1), vals: Val[] = new Array<Val>(size + 1).fill(null);
    return (i) => {
      const code = isNullAt(s.validity, i) ? size : s.codes![i]!;
      if (known[code] === 1) return vals[code]!;
      const v = f(code === size ? null : dict.get(code));
      vals[code] = v;
      known[code] = 1;
      return v;
    };
  }
  const cache = new Map<number, Val>();
  return (i) => {
    const code = isNullAt(s.validity, i) ? size : s.codes![i]!;
    let v = cache.get(code);
    if (v === undefined) { v = f(code === size ? null : dict.get(code)); cache.set(code, v); }
    return v;
  };
}

export function createRowEnv(table: Table, scan: readonly string[], params: readonly SqlValue[], nowMs: number): RowEnv {
  const slots: ColumnSlot[] = scan.map((name) => ({
    type: table.schema.columns[table.columnIndex(name)]!.type, dict: table.dictionary(name),
    validity: null, f64: null, i32: null, u8: null, codes: null, strings: undefined,
  }));
  const leaves = slots.map(columnFn);
  const perValue = (e: BExpr): { column: number; f: (v: string | null) => Val } | null => {
    if (e.kind === "column") return null;
    const cols = columnsOf(e);
    if (cols.size !== 1) return null;
    const column = cols.values().next().value!;
    if (slots[column]!.dict === null) return null;
    let current: Val = null;
    const inner = compile(e, { params, nowMs, leaf: () => () => current });
    return { column, f: (v) => { current = v; return inner(0); } };
  };
  const compileEnv: CompileEnv = {
    params, nowMs,
    leaf: (e) => leaves[(e as { column: number }).column]!,
    takeOver(e) {
      const p = perValue(e);
      return p === null ? null : perCode(slots[p.column]!, p.f);
    },
  };
  const loads = createLoads(slots.length);
  let batch: ScanBatch | null = null;
  return {
    slots, compileEnv, perValue,
    setBatch(b) { batch = b; loads.gen++; },
    need(column, sel, n) {
      const b = batch!, v = b.vectors[column]!;
      if (!loads.load(b, column, sel, n)) return;
      const s = slots[column]!;
      s.validity = v.validity; s.f64 = v.f64; s.i32 = v.i32; s.u8 = v.u8; s.codes = v.codes; s.strings = v.strings;
    },
    refineCodes: (column, p, sel, n) => batch!.refine(column, p, sel, n),
    rowCount: () => batch!.rowCount,
    codesInto: (column, sel, n, out, mul, nullCode) => batch!.codesInto(column, sel, n, out, mul, nullCode),
    markCodes: (column, sel, n, seen) => batch!.markCodes(column, sel, n, seen),
    dense: (column, sel, n) => batch!.dense(column, sel, n),
    markBy: (x, y, sel, n, viewMask, vm) => batch!.markBy(x, y, sel, n, viewMask, vm),
    flushMarks: (x, vm) => batch?.flushMarks(x, vm),
  };
}

/** Which rows of each slot the current batch (generation `gen`) has loaded. */
function createLoads(columns: number) {
  const full = new Int32Array(columns).fill(-1), part = new Int32Array(columns).fill(-1);
  const partSel: (Int32Array | null)[] = new Array(columns).fill(null), partN = new Int32Array(columns);
  return {
    gen: 0,
    /** Loads what is missing; false when slot `c` already held rows sel[0, n). */
    load(b: ScanBatch, c: number, sel: Int32Array, n: number): boolean {
      const gen = this.gen;
      if (full[c] === gen) return false;
      if (part[c] === gen) {
        if (isSubset(sel, n, partSel[c]!, partN[c]!)) return false;
        b.load(c, null, b.rowCount);
        full[c] = gen;
        return true;
      }
      if (b.load(c, n === b.rowCount ? null : sel, n)) { full[c] = gen; return true; }
      const keep = (partSel[c] ??= new Int32Array(sel.length));
      keep.set(n === sel.length ? sel : sel.subarray(0, n));
      partN[c] = n;
      part[c] = gen;
      return true;
    },
  };
}

/** True when every a[k] (k < n) occurs in b[0, m); both ascending. */
function isSubset(a: Int32Array, n: number, b: Int32Array, m: number): boolean {
  let j = 0;
  for (let k = 0; k < n; k++) {
    const x = a[k]!;
    while (j < m && b[j]! < x) j++;
    if (j === m || b[j] !== x) return false;
  }
  return true;
}
