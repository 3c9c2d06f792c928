// Width-specialised bit-unpacking kernels, generated once per (kernel, width) and cached: the scan's
// hottest loops (packed-kernels.ts, store/read-codes.ts) run through these for every row.
//
// 32 values of width w fill exactly w words, so a block of 32 values starting on a word boundary
// has every value at a fixed word and shift. The generated loop reads the block's w words once into
// locals and extracts each value with constant shifts and mask (straight-line code, no per-value
// address arithmetic and no second word read), the way DuckDB's bitpacking templates unpack per
// width. Measured in JSC: unpacking 2-3 times faster than the generic shift loop at widths 5 and 14.
//
// A kernel handles rows [0, n) from value `start`: values up to the first block boundary and after
// the last whole block go through a plain shift loop in the same generated function, whole blocks
// through the straight-line code (scan batches start at multiples of 4096, so usually there is no
// head). Widths 0, 8, 16 and 32 are not packed (bit-pack.ts) and have no kernels here. The
// generated source is built from numbers only.

import { maskOf } from "./bit-pack.ts";

/** out[i] = base + p(start + i). */
export type UnpackU32 = (data: Uint32Array, start: number, n: number, base: number, out: Uint32Array) => void;
/** out[i] = base + p(start + i). */
export type UnpackI32 = (data: Uint32Array, start: number, n: number, base: number, out: Int32Array) => void;
/** out[i] = (base + p(start + i)) / scale. */
export type UnpackF64 = (data: Uint32Array, start: number, n: number, base: number, scale: number, out: Float64Array) => void;
/** out[i] = table[p(start + i)]. */
export type GatherU32 = (data: Uint32Array, start: number, n: number, table: Uint32Array, out: Uint32Array) => void;
/** out[i] = table[p(start + i)]. */
export type GatherI32 = (data: Uint32Array, start: number, n: number, table: Int32Array, out: Int32Array) => void;
/** Rows i whose state[off + p(start + i)] is KEEP (1) into sel, deciding UNKNOWN (0) codes by resolve; returns how many. */
export type KeepRows = (data: Uint32Array, start: number, n: number, state: Uint8Array, off: number, resolve: (c: number) => number, sel: Int32Array) => number;

/** Whether kernels of this width exist (`start` is any value index: kernels handle unaligned heads). */
export function generated(width: number, _start: number): boolean {
  return width > 0 && width < 32 && width !== 8 && width !== 16;
}

/** Expression of value j (0..31) of a block whose words are in locals x0..x{width-1}. */
function valueExpr(width: number, j: number): string {
  const mask = maskOf(width), bit = j * width, w = bit >>> 5, s = bit & 31;
  if (s + width <= 32) return s === 0 ? `(x${w} & ${mask})` : `((x${w} >>> ${s}) & ${mask})`;
  return `(((x${w} >>> ${s}) | (x${w + 1} << ${32 - s})) & ${mask})`;
}

/** A kernel: `each(v, i)` is the statement for value v (an expression) of row i (an expression). */
function build(width: number, params: string, prologue: string, each: (v: string, i: string) => string, epilogue: string): unknown {
  const mask = maskOf(width);
  let loads = "", body = "";
  for (let w = 0; w < width; w++) loads += `const x${w} = data[wd + ${w}] | 0;\n`;
  for (let j = 0; j < 32; j++) body += each(valueExpr(width, j), `i + ${j}`) + "\n";
  const tail = each(`(((data[bit >>> 5] >>> (bit & 31)) | ((data[(bit >>> 5) + 1] << (31 - (bit & 31))) << 1)) & ${mask})`, "i");
  const src = `return function (${params}) {
  ${prologue}
  let i = 0;
  const head = Math.min(n, (32 - (start & 31)) & 31);
  for (let bit = start * ${width}; i < head; i++, bit += ${width}) { ${tail} }
  const full = head + ((n - head) & ~31);
  for (let wd = ((start + i) * ${width}) >>> 5; i < full; i += 32, wd += ${width}) {
${loads}${body}  }
  for (let bit = (start + i) * ${width}; i < n; i++, bit += ${width}) { ${tail} }
  ${epilogue}
}`;
  return new Function(src)();
}

/** Kernels by kind, then by width (an array read per call: kernels are fetched once per batch). */
const cache = new Map<string, unknown[]>();

function kernel<T>(kind: string, width: number, make: () => unknown): T {
  let byWidth = cache.get(kind);
  if (byWidth === undefined) cache.set(kind, (byWidth = new Array<unknown>(33).fill(undefined)));
  let k = byWidth[width];
  if (k === undefined) byWidth[width] = k = make();
  return k as T;
}

export function unpackU32Kernel(width: number): UnpackU32 {
  return kernel("u32", width, () => build(width, "data, start, n, base, out", "", (v, i) => `out[${i}] = base + ${v};`, ""));
}

export function unpackI32Kernel(width: number): UnpackI32 {
  return kernel("i32", width, () => build(width, "data, start, n, base, out", "", (v, i) => `out[${i}] = (base + ${v}) | 0;`, ""));
}

/** With scale 1 the kernel skips the division (a third of its time). */
/** out[i] = out[i] * mul + base + p(start + i), in int32: a later GROUP BY key combined into the slots. */
export type CombineI32 = (data: Uint32Array, start: number, n: number, base: number, mul: number, out: Int32Array) => void;

export function combineI32Kernel(width: number): CombineI32 {
  return kernel("comb", width, () => build(width, "data, start, n, base, mul, out", "", (v, i) => `out[${i}] = (Math.imul(out[${i}], mul) + base + ${v}) | 0;`, ""));
}

export function unpackF64Kernel(width: number, scale: number): UnpackF64 {
  if (scale === 1) return kernel("f64/1", width, () => build(width, "data, start, n, base, scale, out", "", (v, i) => `out[${i}] = base + ${v};`, ""));
  return kernel("f64", width, () => build(width, "data, start, n, base, scale, out", "", (v, i) => `out[${i}] = (base + ${v}) / scale;`, ""));
}

export function gatherU32Kernel(width: number): GatherU32 {
  return kernel("gu32", width, () => build(width, "data, start, n, table, out", "", (v, i) => `out[${i}] = table[${v}];`, ""));
}

export function gatherI32Kernel(width: number): GatherI32 {
  return kernel("gi32", width, () => build(width, "data, start, n, table, out", "", (v, i) => `out[${i}] = table[${v}];`, ""));
}

/** Rows i whose p(start + i) equals t into sel; returns how many (twice as fast as a state lookup). */
export type KeepEqual = (data: Uint32Array, start: number, n: number, t: number, sel: Int32Array) => number;

export function keepEqualKernel(width: number): KeepEqual {
  return kernel("eq", width, () => build(width, "data, start, n, t, sel", "let m = 0;", (v, i) => `sel[m] = ${i}; m += ${v} === t ? 1 : 0;`, "return m;"));
}

export function keepKernel(width: number): KeepRows {
  // KEEP = 1, DROP = 2: `st & 1` counts the row; UNKNOWN (0) is decided on first sight.
  return kernel("keep", width, () => build(width, "data, start, n, state, off, resolve, sel", "let m = 0;",
    (v, i) => `{ const c = off + ${v}; let st = state[c]; if (st === 0) st = resolve(c); sel[m] = ${i}; m += st & 1; }`, "return m;"));
}
