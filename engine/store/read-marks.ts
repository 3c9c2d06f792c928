// count(DISTINCT x) FILTER (WHERE y = ...) for several filters on the same two dictionary columns at
// once (a funnel: distinct visitors who viewed, carted, bought), for a ColumnReader pair:
//
//   viewMask[code of y] has bit f set when filter f keeps the code (entry `size` is NULL), and row i
//   marks its code of x in view f's seen array for each set bit.
//
// When x is MAPPED over a key packed in place and y is FOR without nulls, and every row of the batch
// is taken, the rows only OR their y code's mask into a byte per map entry of the chunk (two
// width-specialised unpacks and one flat loop, no branch per row); the entries are folded into the
// seen arrays once per chunk, when the scan moves on (or at flushMarks), so a session's events cost
// one fold, not one mark each. Otherwise the codes are decoded and each row marks directly.

import type { ColumnChunk } from "../column/column-chunk.ts";
import { Encoding } from "../column/column-chunk.ts";
import { generated, unpackI32Kernel } from "../column/packed-gen.ts";
import type { ColumnReader } from "./column-reader.ts";
import { codesFromVector } from "./read-codes.ts";
import { directKey, prepareMap } from "./read-mapped.ts";
import type { Segment } from "./segment.ts";

/** Views (at most 8) of count(DISTINCT x), with their seen arrays and counts. */
export interface ViewMarks {
  /** By view: byte per code of x, 1 once marked. */
  readonly seens: readonly Uint8Array[];
  /** By view: codes marked so far (folded entries included). */
  readonly added: Float64Array;
  /** The MAPPED chunk of x whose entry marks are not folded yet, and those marks (by key index). */
  chunk: ColumnChunk | null;
  entryMarks: Uint8Array;
}

export function newViewMarks(views: number, codes: number): ViewMarks {
  return {
    seens: Array.from({ length: views }, () => new Uint8Array(codes)), added: new Float64Array(views),
    chunk: null, entryMarks: new Uint8Array(0),
  };
}

function markCode(vm: ViewMarks, mask: number, c: number): void {
  for (let f = 0; mask !== 0; f++, mask >>>= 1) {
    if ((mask & 1) === 0) continue;
    const seen = vm.seens[f]!;
    if (seen[c] === 0) { seen[c] = 1; vm.added[f]!++; }
  }
}

/** Folds the pending entry marks of vm.chunk through its map (prepared in xr) into the seen arrays. */
export function flushMarks(xr: ColumnReader, vm: ViewMarks): void {
  const chunk = vm.chunk;
  if (chunk === null) return;
  prepareMap(xr, chunk);
  const marks = vm.entryMarks, codes = xr.mapCodes, valid = xr.mapValid;
  for (let k = 0; k < chunk.keyCount; k++) {
    const mk = marks[k]!;
    if (mk !== 0 && valid[k] === 1) markCode(vm, mk, codes[k]!);
  }
  vm.chunk = null;
}

export function markBy(
  xr: ColumnReader, yr: ColumnReader, seg: Segment, start: number, n: number, sel: Int32Array | null, m: number,
  viewMask: Uint8Array, vm: ViewMarks,
): void {
  const xc = seg.chunks[xr.c]!, yc = seg.chunks[yr.c]!;
  const key = sel === null && xc !== null && yc !== null && xc.encoding === Encoding.MAPPED ? directKey(seg, xc) : null;
  if (key !== null && yc!.encoding === Encoding.FOR && yc!.validity === null && generated(yc!.width, start) && generated(key.width, start)) {
    if (vm.chunk !== xc) {
      flushMarks(xr, vm);
      if (vm.entryMarks.length < xc!.keyCount) vm.entryMarks = new Uint8Array(Math.max(xc!.keyCount, vm.entryMarks.length * 2));
      else vm.entryMarks.fill(0, 0, xc!.keyCount);
      vm.chunk = xc;
    }
    const ys = yr.slotScratch, keys = xr.slotScratch, marks = vm.entryMarks;
    unpackI32Kernel(yc!.width)(yc!.packed as Uint32Array, start, n, yc!.base, ys);
    unpackI32Kernel(key.width)(key.packed as Uint32Array, start, n, 0, keys);
    for (let i = 0; i < n; i++) marks[keys[i]!] = marks[keys[i]!]! | viewMask[ys[i]!]!;
    return;
  }
  // Row by row from decoded codes: x's NULL rows mark nothing (code -1 here).
  const ys = yr.slotScratch, xs = xr.slotScratch;
  if (sel === null || m === n) { yr.load(seg, start, n); xr.load(seg, start, n); }
  else { yr.loadAt(seg, start, n, sel, m); xr.loadAt(seg, start, n, sel, m); }
  codesFromVector(yr.vector, sel, m, ys, 0, viewMask.length - 1);
  codesFromVector(xr.vector, sel, m, xs, 0, -1);
  for (let k = 0; k < m; k++) {
    const mk = viewMask[ys[k]!]!, c = xs[k]!;
    if (mk !== 0 && c >= 0) markCode(vm, mk, c);
  }
}
