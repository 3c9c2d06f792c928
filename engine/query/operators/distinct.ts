// count(DISTINCT x) (and approx_count_distinct, computed exactly; see aggregates.ts) per group.
// Over a dictionary column the distinct values are distinct codes: one open-addressing set of
// (group, code) pairs in typed arrays serves every group, and a pair seen for the first time adds
// one to its group's count, so no object is made per group or per row; without GROUP BY, a byte per
// code is enough. Other inputs use a Set of
// values per group (JS Sets treat 0 and -0 as one value, as DuckDB does).

import type { AggSpec } from "../bound.ts";
import { compile } from "../compile.ts";
import type { Val } from "../functions/value.ts";
import type { RowEnv } from "../row-env.ts";
import type { AggOp } from "./aggregates.ts";

const EMPTY = -1;

function codePairOp(env: RowEnv, column: number): AggOp {
  const s = env.slots[column]!;
  let counts = new Float64Array(16);
  let slots = new Int32Array(1 << 12).fill(EMPTY); // entry index per slot; load stays <= 1/2
  let groupsOf = new Int32Array(1 << 11), codesOf = new Int32Array(1 << 11);
  let entries = 0;
  const hash = (g: number, c: number) => {
    let h = Math.imul(g, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77);
    h ^= h >>> 15;
    return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 13);
  };
  const place = (e: number) => {
    const mask = slots.length - 1;
    let at = hash(groupsOf[e]!, codesOf[e]!) & mask;
    while (slots[at] !== EMPTY) at = (at + 1) & mask;
    slots[at] = e;
  };
  const grow = () => {
    const g2 = new Int32Array(groupsOf.length * 2), c2 = new Int32Array(codesOf.length * 2);
    g2.set(groupsOf); c2.set(codesOf);
    groupsOf = g2; codesOf = c2;
    slots = new Int32Array(slots.length * 2).fill(EMPTY);
    for (let e = 0; e < entries; e++) place(e);
  };
  return {
    grow(n) {
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
        const g = gids[k]!, c = a[i]!, mask = slots.length - 1;
        let at = hash(g, c) & mask;
        for (;;) {
          const e = slots[at]!;
          if (e === EMPTY) {
            if (entries === groupsOf.length) { grow(); k--; break; } // retry this row after growing
            groupsOf[entries] = g; codesOf[entries] = c; slots[at] = entries++;
            counts[g]!++;
            break;
          }
          if (groupsOf[e] === g && codesOf[e] === c) break;
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
    grow(n) { while (sets.length < n) sets.push(new Set()); },
    update(sel, gids, n) {
      for (let k = 0; k < n; k++) { const v = f(sel[k]!); if (v !== null) sets[gids[k]!]!.add(v); }
    },
    result: (g) => sets[g]!.size,
  };
}

/** Without GROUP BY: one byte per dictionary code says whether it was seen. */
function codeBitmapOp(env: RowEnv, column: number): AggOp {
  const s = env.slots[column]!, seen = new Uint8Array(s.dict!.size);
  let count = 0;
  return {
    grow() {},
    update(sel, _gids, n) {
      const v = s.validity, a = s.codes!;
      for (let k = 0; k < n; k++) {
        const i = sel[k]!;
        if (v !== null && (v[i >> 3]! & (1 << (i & 7))) === 0) continue;
        const c = a[i]!;
        if (seen[c] === 0) { seen[c] = 1; count++; }
      }
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
