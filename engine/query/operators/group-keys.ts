// GROUP BY keys as small integers. Each key expression maps a row to a key id:
//
//   dictionary column   its code (NULL = dictionary size): no string is touched
//   BOOLEAN column      0, 1 (NULL = 2)
//   fixed-width time bucket of a timestamp column   floor((ts - origin) / width), interned
//   anything else       the compiled value, interned (a Map from value to a dense id, with the last
//                       value remembered: time buckets of time-ordered rows repeat)
//
// Ids of known range (`domain`) can index flat arrays; interned ids grow as values appear.

import { ColumnType } from "../../core/types.ts";
import type { BExpr } from "../bound.ts";
import { compile } from "../compile.ts";
import { decline } from "../decline.ts";
import type { Val } from "../functions/value.ts";
import { fixedBuckets } from "../functions/time-parts.ts";
import { isNullAt, type ColumnSlot, type RowEnv } from "../row-env.ts";

/** Time buckets given ids by a flat array around the first bucket seen (4096 minutes: about 3 days). */
const BUCKET_WINDOW = 4096;

export interface KeyCol {
  /** Number of possible ids when fixed in advance, else -1 (interned ids: 0 .. count - 1). */
  readonly domain: number;
  /** Writes the key id of row sel[k] into out[k] for k < n. */
  ids(sel: Int32Array, n: number, out: Int32Array): void;
  /** The key value an id stands for. */
  value(id: number): Val;
  /** For a dictionary column: its slot, so group tables can read codes directly (id = code, NULL = size). */
  readonly dictSlot?: ColumnSlot;
  /** For a dictionary column: its slot number, so group tables can have the store combine codes (RowEnv.codesInto). */
  readonly column?: number;
}

export function keyCol(e: BExpr, env: RowEnv): KeyCol {
  if (e.type === "INTERVAL") return decline("GROUP BY an interval");
  if (e.kind === "column") {
    const s = env.slots[e.column]!;
    if (s.dict !== null) {
      const dict = s.dict, size = dict.size;
      return {
        domain: size + 1,
        ids(sel, n, out) {
          const v = s.validity, a = s.codes!;
          if (v === null) for (let k = 0; k < n; k++) out[k] = a[sel[k]!]!;
          else for (let k = 0; k < n; k++) { const i = sel[k]!; out[k] = (v[i >> 3]! & (1 << (i & 7))) === 0 ? size : a[i]!; }
        },
        value: (id) => (id === size ? null : dict.get(id)),
        dictSlot: s,
        column: e.column,
      };
    }
    if (s.type === ColumnType.BOOL) {
      return {
        domain: 3,
        ids(sel, n, out) { const v = s.validity, a = s.u8!; for (let k = 0; k < n; k++) { const i = sel[k]!; out[k] = isNullAt(v, i) ? 2 : a[i]! !== 0 ? 1 : 0; } },
        value: (id) => (id === 2 ? null : id === 1),
      };
    }
  }
  return bucketKey(e, env) ?? internedKey(compile(e, env.compileEnv));
}

/** date_trunc / time_bucket of a timestamp column with a fixed width: bucket numbers by arithmetic. */
function bucketKey(e: BExpr, env: RowEnv): KeyCol | null {
  if (e.kind !== "call" || e.args.length !== 2) return null;
  const [unit, col] = e.args;
  if (unit!.kind !== "const" || col!.kind !== "column") return null;
  const s = env.slots[col.column]!;
  if (s.type !== ColumnType.TIMESTAMP) return null;
  const b = fixedBuckets(e.fn, unit.value);
  if (b === null) return null;
  const { origin, width } = b;
  const ids = new Map<number, number>(), starts: number[] = [];
  // Buckets near the first one seen get their id from a flat window (no hashing); others from the Map.
  const window = new Int32Array(BUCKET_WINDOW).fill(-1);
  let nullId = -1, windowFirst = NaN;
  const intern = (bucket: number): number => {
    let id = ids.get(bucket);
    if (id === undefined) { id = starts.push(origin + bucket * width) - 1; ids.set(bucket, id); }
    const w = bucket - windowFirst;
    if (w >= 0 && w < BUCKET_WINDOW) window[w] = id;
    return id;
  };
  // The last bucket's bounds [lo, hi): rows arrive nearly in time order, so most rows fall in the
  // bucket of the row before and take its id with two comparisons instead of a division.
  let lo = Infinity, hi = -Infinity, lastId = -1;
  return {
    domain: -1,
    ids(sel, n, out) {
      const v = s.validity, a = s.f64!;
      if (windowFirst !== windowFirst && n > 0) windowFirst = Math.floor((a[sel[0]!]! - origin) / width) - (BUCKET_WINDOW >> 2);
      for (let k = 0; k < n; k++) {
        const i = sel[k]!;
        if (v !== null && isNullAt(v, i)) { if (nullId < 0) { nullId = starts.push(NaN) - 1; } out[k] = nullId; continue; }
        const t = a[i]!;
        if (t >= lo && t < hi) { out[k] = lastId; continue; }
        const bucket = Math.floor((t - origin) / width), w = bucket - windowFirst;
        const id = w >= 0 && w < BUCKET_WINDOW ? window[w]! : -1;
        out[k] = lastId = id >= 0 ? id : intern(bucket);
        lo = origin + bucket * width;
        hi = lo + width;
      }
    },
    value: (id) => (id === nullId ? null : starts[id]!),
  };
}

function internedKey(f: (i: number) => Val): KeyCol {
  const ids = new Map<Val, number>();
  const values: Val[] = [];
  let lastValue: Val = null, lastId = -1;
  return {
    domain: -1,
    ids(sel, n, out) {
      for (let k = 0; k < n; k++) {
        const v = f(sel[k]!);
        if (v === lastValue && lastId >= 0) { out[k] = lastId; continue; }
        let id = ids.get(v);
        if (id === undefined) { id = values.push(v) - 1; ids.set(v, id); }
        out[k] = lastId = id;
        lastValue = v;
      }
    },
    value: (id) => values[id]!,
  };
}
