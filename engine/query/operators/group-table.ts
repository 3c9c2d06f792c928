// Key-id tuples -> group ids, with the tuple of each group kept for the output. Four layouts, chosen
// once per query:
//
//   dictionary keys, small product   the group id IS the tuple's flat index (group-direct.ts)
//   one key            the key id indexes a growable Int32Array of dense group ids 0, 1, 2...
//   all domains known  the ids combine into one flat index when the product stays small
//   otherwise          open addressing over tuples in typed arrays (no objects per group)
//
// Other than the first layout, ids are dense in order of first appearance.

import type { ColumnSlot, RowEnv } from "../row-env.ts";
import { directTable, type RowCounts } from "./group-direct.ts";
import type { KeyCol } from "./group-keys.ts";

export type { RowCounts } from "./group-direct.ts";

const FLAT_MAX = 1 << 22;
const EMPTY = -1;

export interface GroupTable {
  readonly keys: readonly KeyCol[];
  /** Groups so far. */
  count(): number;
  /** Group ids are below this (aggregate states are grown to it): count() except for flat index ids. */
  idLimit(): number;
  /** Whether id g stands for a group (ids of flat index layouts may have no rows). */
  present(g: number): boolean;
  /** True when assign reads the key columns' slots (RowEnv.need them first); false: the store reads them. */
  readonly readsSlots: boolean;
  /** gids[k] = group of row sel[k] (creating groups as needed), for k < n. */
  assign(sel: Int32Array, n: number, gids: Int32Array): void;
  /** Id of key j for group g. */
  keyId(g: number, j: number): number;
}

function growInt32(a: Int32Array<ArrayBuffer>, need: number, fill: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2)).fill(fill);
  b.set(a);
  return b;
}

export function createGroupTable(keys: readonly KeyCol[], batchRows: number, env: RowEnv, counted: RowCounts | null = null): GroupTable {
  const direct = directTable(keys, env, counted);
  if (direct !== null) return direct;
  const K = keys.length;
  const scratch = keys.map(() => new Int32Array(batchRows));
  let groups = 0;
  let tuples = new Int32Array(Math.max(K, 1) * 64); // key ids of group g at g * K
  const addGroup = (k: number): number => {
    tuples = growInt32(tuples, (groups + 1) * K, 0);
    for (let j = 0; j < K; j++) tuples[groups * K + j] = scratch[j]![k]!;
    return groups++;
  };
  const table: GroupTable = {
    keys, readsSlots: true, count: () => groups, idLimit: () => groups, present: () => true, keyId: (g, j) => tuples[g * K + j]!, assign: () => undefined,
  };
  if (K === 0) {
    groups = 1;
    return { ...table, assign(_sel, n, gids) { gids.fill(0, 0, n); } };
  }
  const product = keys.reduce((p, k) => (k.domain < 0 || p < 0 ? -1 : p * k.domain), 1);
  if (K === 1 && keys[0]!.dictSlot) {
    const x = keys[0]!.dictSlot, nx = x.dict!.size, ix = scratch[0]!;
    const slots = new Int32Array(nx + 1).fill(EMPTY);
    return {
      ...table,
      assign(sel, n, gids) {
        const a = x.codes!, v = x.validity;
        for (let k = 0; k < n; k++) {
          const i = sel[k]!;
          const c = v !== null && (v[i >> 3]! & (1 << (i & 7))) === 0 ? nx : a[i]!;
          let g = slots[c]!;
          if (g === EMPTY) { ix[k] = c; g = slots[c] = addGroup(k); }
          gids[k] = g;
        }
      },
    };
  }
  if (K === 1) {
    // The key id is the slot: no combining, and a known domain never needs the bounds check.
    const key = keys[0]!, ids = scratch[0]!;
    let slots = new Int32Array(Math.max(key.domain, 1024)).fill(EMPTY);
    const fixed = key.domain >= 0;
    return {
      ...table,
      assign(sel, n, gids) {
        key.ids(sel, n, ids);
        for (let k = 0; k < n; k++) {
          const id = ids[k]!;
          if (!fixed && id >= slots.length) slots = growInt32(slots, id + 1, EMPTY);
          let g = slots[id]!;
          if (g === EMPTY) g = slots[id] = addGroup(k);
          gids[k] = g;
        }
      },
    };
  }
  if (product > 0 && product <= FLAT_MAX && K === 2 && keys[0]!.dictSlot && keys[1]!.dictSlot) {
    return { ...table, assign: twoDictAssign(keys[0]!.dictSlot, keys[1]!.dictSlot, new Int32Array(product).fill(EMPTY), addGroup, scratch) };
  }
  if (product > 0 && product <= FLAT_MAX) {
    const slots = new Int32Array(product).fill(EMPTY);
    const strides = keys.map((_, j) => keys.slice(j + 1).reduce((p, k) => p * k.domain, 1));
    const a = scratch[0]!, b = scratch[1]!, strideA = strides[0]!;
    return {
      ...table,
      assign(sel, n, gids) {
        for (let j = 0; j < K; j++) keys[j]!.ids(sel, n, scratch[j]!);
        for (let k = 0; k < n; k++) {
          let slot = a[k]! * strideA + b[k]! * strides[1]!;
          for (let j = 2; j < K; j++) slot += scratch[j]![k]! * strides[j]!;
          let g = slots[slot]!;
          if (g === EMPTY) g = slots[slot] = addGroup(k);
          gids[k] = g;
        }
      },
    };
  }
  return { ...table, assign: hashAssign(keys, scratch, () => groups, addGroup, (g, j) => tuples[g * K + j]!) };
}

/** Two dictionary keys (country, device): codes read and combined in one loop. */
function twoDictAssign(
  x: ColumnSlot, y: ColumnSlot, slots: Int32Array, addGroup: (k: number) => number, scratch: Int32Array[],
): GroupTable["assign"] {
  const nx = x.dict!.size, ny = y.dict!.size, dy = ny + 1;
  const ix = scratch[0]!, iy = scratch[1]!; // addGroup records the tuple from here
  return (sel, n, gids) => {
    const ax = x.codes!, vx = x.validity, ay = y.codes!, vy = y.validity;
    for (let k = 0; k < n; k++) {
      const i = sel[k]!, bit = 1 << (i & 7), byte = i >> 3;
      const cx = vx !== null && (vx[byte]! & bit) === 0 ? nx : ax[i]!;
      const cy = vy !== null && (vy[byte]! & bit) === 0 ? ny : ay[i]!;
      const s = cx * dy + cy;
      let g = slots[s]!;
      if (g === EMPTY) { ix[k] = cx; iy[k] = cy; g = slots[s] = addGroup(k); }
      gids[k] = g;
    }
  };
}

function hashAssign(
  keys: readonly KeyCol[], scratch: Int32Array[], count: () => number, addGroup: (k: number) => number,
  keyId: (g: number, j: number) => number,
): GroupTable["assign"] {
  const K = keys.length;
  let slots = new Int32Array(1024).fill(EMPTY);
  let hashes = new Int32Array(64); // per group, to rehash without the keys
  const hashAt = (k: number): number => {
    let h = 0x811c9dc5 | 0;
    for (let j = 0; j < K; j++) h = Math.imul(h ^ scratch[j]![k]!, 0x01000193);
    return (h ^ (h >>> 15)) | 0;
  };
  const place = (g: number, h: number) => {
    const mask = slots.length - 1;
    let s = h & mask;
    while (slots[s] !== EMPTY) s = (s + 1) & mask;
    slots[s] = g;
  };
  return (sel, n, gids) => {
    for (let j = 0; j < K; j++) keys[j]!.ids(sel, n, scratch[j]!);
    for (let k = 0; k < n; k++) {
      const h = hashAt(k), mask = slots.length - 1;
      let s = h & mask, g = EMPTY;
      for (;; s = (s + 1) & mask) {
        const c = slots[s]!;
        if (c === EMPTY) break;
        let same = hashes[c] === h;
        for (let j = 0; same && j < K; j++) same = keyId(c, j) === scratch[j]![k];
        if (same) { g = c; break; }
      }
      if (g === EMPTY) {
        g = addGroup(k);
        hashes = growInt32(hashes, g + 1, 0);
        hashes[g] = h;
        if (count() * 2 > slots.length) {
          slots = new Int32Array(slots.length * 2).fill(EMPTY);
          for (let c = 0; c < count(); c++) place(c, hashes[c]!);
        } else slots[s] = g;
      }
      gids[k] = g;
    }
  };
}
