// count(DISTINCT x) (and approx_count_distinct, computed exactly; see aggregates.ts) per group.
// Over a dictionary column the distinct values are distinct codes: one open-addressing set of
// (group, code) pairs in one Float64Array serves every group, with a small table of the pair last
// seen per code in front (repeats of a visitor within a group stay in L1), and a pair seen for the
// first time adds one to its group's count, so no object is made per group or per row. Without
// GROUP BY, a byte per code is enough, set by the store where the codes lie (through a MAPPED
// column's map once per key). Other inputs use a Set of values per group (JS Sets treat 0 and -0 as
// one value, as DuckDB does).

import type { AggSpec } from "../bound.ts";
import { compile } from "../compile.ts";
import { decline } from "../decline.ts";
import type { Val } from "../functions/value.ts";
import type { RowEnv } from "../row-env.ts";
import type { AggOp } from "./aggregates.ts";

const RECENT_BITS = 10, RECENT_MASK = (1 << RECENT_BITS) - 1;

function pairHash(g: number, c: number): number {
  let h = Math.imul(g, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 13);
}

/**
 * (group, code) pairs as one number g * (size + 1) + c + 1 in an open-addressing Float64Array (0 =
 * empty, so new arrays need no fill): a probe reads one array (the pair itself, not an entry index
 * and then two arrays), which is what a set this size costs per row: cache misses.
 */
function codePairOp(env: RowEnv, column: number): AggOp {
  const s = env.slots[column]!, radix = s.dict!.size + 1;
  const maxGroup = Math.floor(Number.MAX_SAFE_INTEGER / radix);
  let counts = new Float64Array(16);
  let keys = new Float64Array(1 << 15); // load stays <= 1/2
  // The pair last inserted or found for each code (low RECENT_BITS): a visitor's events repeat
  // within a group (a session's page views in one minute), and this small table answers most
  // repeats from L1 before the set is probed.
  const recent = new Float64Array(1 << RECENT_BITS);
  let entries = 0;
  const rehash = () => {
    const old = keys;
    keys = new Float64Array(old.length * 2);
    const mask = keys.length - 1;
    for (let j = 0; j < old.length; j++) {
      const key = old[j]!;
      if (key === 0) continue;
      const g = Math.floor((key - 1) / radix), c = key - 1 - g * radix;
      let at = pairHash(g, c) & mask;
      while (keys[at] !== 0) at = (at + 1) & mask;
      keys[at] = key;
    }
  };
  return {
    readsSlots: true,
    grow(n) {
      if (n > maxGroup) decline(`count(DISTINCT) over ${n} groups`);
      if (n <= counts.length) return;
      const b = new Float64Array(Math.max(n, counts.length * 2));
      b.set(counts);
      counts = b;
    },
    update(sel, gids, n) {
      const v = s.validity, a = s.codes!;
      for (let k = 0; k < n; k++) {
        const i = sel[k]!;
        if (v !== null && (v[i >> 3]! & (1 << (i & 7))) === 0) continue;
        const g = gids[k]!, c = a[i]!, key = g * radix + c + 1, r = c & RECENT_MASK;
        if (recent[r] === key) continue;
        recent[r] = key;
        const mask = keys.length - 1;
        let at = pairHash(g, c) & mask;
        for (;;) {
          const e = keys[at]!;
          if (e === key) break;
          if (e === 0) {
            keys[at] = key;
            counts[g]!++;
            if (++entries * 2 > keys.length) rehash();
            break;
          }
          at = (at + 1) & mask;
        }
      }
    },
    result: (g) => counts[g]!,
  };
}

function valueSetOp(spec: AggSpec, env: RowEnv): AggOp {
  const f = compile(spec.arg!, env.compileEnv);
  const sets: Set<Val>[] = [];
  return {
    readsSlots: true,
    grow(n) { while (sets.length < n) sets.push(new Set()); },
    update(sel, gids, n) {
      for (let k = 0; k < n; k++) { const v = f(sel[k]!); if (v !== null) sets[gids[k]!]!.add(v); }
    },
    result: (g) => sets[g]!.size,
  };
}

/**
 * Without GROUP BY: one byte per dictionary code says whether it was seen, set by the store where the
 * codes lie (RowEnv.markCodes: through a MAPPED column's map once per key, not once per row).
 */
function codeBitmapOp(env: RowEnv, column: number): AggOp {
  const seen = new Uint8Array(env.slots[column]!.dict!.size);
  let count = 0;
  return {
    readsSlots: false,
    grow() {},
    update(sel, _gids, n) {
      if (n > 0) count += env.markCodes(column, n === env.rowCount() ? null : sel, n, seen);
    },
    result: () => count,
  };
}

export function distinctOp(spec: AggSpec, env: RowEnv, singleGroup: boolean): AggOp {
  const a = spec.arg!;
  if (a.kind === "column" && env.slots[a.column]!.dict !== null) {
    return singleGroup ? codeBitmapOp(env, a.column) : codePairOp(env, a.column);
  }
  return valueSetOp(spec, env);
}
