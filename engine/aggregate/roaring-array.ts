// Kernels on array containers: ranges a[from, from + n) of a Uint16Array holding sorted, unique
// 16-bit values (at most 4096 of them; see roaring-containers.ts). Every function takes the ranges
// explicitly because array containers of one bitmap share one Uint16Array (its pool).
//
// Intersections merge two ranges of similar sizes and gallop (exponential then binary search, as in
// CRoaring's intersect_skewed_uint16) when one is much smaller, so a batch-sized scope intersected
// with a large container costs O(small * log(large)).
//
// Outputs may alias an input only where a function says so.

/** Sizes ratio from which intersections gallop through the larger range instead of merging. */
const GALLOP_RATIO = 32;

/** First index in a[from, to) whose value is >= v (to when none). */
export function lowerBound(a: Uint16Array, from: number, to: number, v: number): number {
  let lo = from, hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in a[from, to) whose value is >= v, probing 1, 2, 4, ... ahead of `from` first. */
export function gallop(a: Uint16Array, from: number, to: number, v: number): number {
  if (from >= to || a[from]! >= v) return from;
  let step = 1, lo = from;
  while (lo + step < to && a[lo + step]! < v) (lo += step), (step <<= 1);
  return lowerBound(a, lo + 1, Math.min(to, lo + step + 1), v);
}

export function contains(a: Uint16Array, from: number, n: number, v: number): boolean {
  const i = lowerBound(a, from, from + n, v);
  return i < from + n && a[i] === v;
}

/** |a ∩ b|. */
export function intersectCount(a: Uint16Array, af: number, an: number, b: Uint16Array, bf: number, bn: number): number {
  if (an * GALLOP_RATIO < bn) return gallopCount(a, af, an, b, bf, bn);
  if (bn * GALLOP_RATIO < an) return gallopCount(b, bf, bn, a, af, an);
  let i = af, j = bf, c = 0;
  const ae = af + an, be = bf + bn;
  while (i < ae && j < be) {
    const x = a[i]!, y = b[j]!;
    if (x < y) i++;
    else if (x > y) j++;
    else (c++, i++, j++);
  }
  return c;
}

/** |s ∩ l| for a small range s and a large one l. */
function gallopCount(s: Uint16Array, sf: number, sn: number, l: Uint16Array, lf: number, ln: number): number {
  let c = 0, j = lf;
  const le = lf + ln;
  for (let i = sf, se = sf + sn; i < se && j < le; i++) {
    const v = s[i]!;
    j = gallop(l, j, le, v);
    if (j < le && l[j] === v) (c++, j++);
  }
  return c;
}

export function intersects(a: Uint16Array, af: number, an: number, b: Uint16Array, bf: number, bn: number): boolean {
  if (an > bn) return intersects(b, bf, bn, a, af, an);
  let j = bf;
  const be = bf + bn;
  if (an * GALLOP_RATIO < bn) {
    for (let i = af, ae = af + an; i < ae && j < be; i++) {
      j = gallop(b, j, be, a[i]!);
      if (j < be && b[j] === a[i]) return true;
    }
    return false;
  }
  let i = af;
  const ae = af + an;
  while (i < ae && j < be) {
    const x = a[i]!, y = b[j]!;
    if (x < y) i++;
    else if (x > y) j++;
    else return true;
  }
  return false;
}

/** Writes a ∩ b to out[at...]; returns its size. out may be a with at <= af (or b with at <= bf). */
export function intersect(a: Uint16Array, af: number, an: number, b: Uint16Array, bf: number, bn: number, out: Uint16Array, at: number): number {
  if (an * GALLOP_RATIO < bn) return gallopIntersect(a, af, an, b, bf, bn, out, at);
  if (bn * GALLOP_RATIO < an) return gallopIntersect(b, bf, bn, a, af, an, out, at);
  let i = af, j = bf, k = at;
  const ae = af + an, be = bf + bn;
  while (i < ae && j < be) {
    const x = a[i]!, y = b[j]!;
    if (x < y) i++;
    else if (x > y) j++;
    else (out[k++] = x), i++, j++;
  }
  return k - at;
}

function gallopIntersect(s: Uint16Array, sf: number, sn: number, l: Uint16Array, lf: number, ln: number, out: Uint16Array, at: number): number {
  let k = at, j = lf;
  const le = lf + ln;
  for (let i = sf, se = sf + sn; i < se && j < le; i++) {
    const v = s[i]!;
    j = gallop(l, j, le, v);
    if (j < le && l[j] === v) (out[k++] = v), j++;
  }
  return k - at;
}

/** Writes a ∪ b to out[at...]; returns its size. out must not overlap a or b. */
export function union(a: Uint16Array, af: number, an: number, b: Uint16Array, bf: number, bn: number, out: Uint16Array, at: number): number {
  let i = af, j = bf, k = at;
  const ae = af + an, be = bf + bn;
  while (i < ae && j < be) {
    const x = a[i]!, y = b[j]!;
    if (x < y) (out[k++] = x), i++;
    else if (x > y) (out[k++] = y), j++;
    else (out[k++] = x), i++, j++;
  }
  while (i < ae) out[k++] = a[i++]!;
  while (j < be) out[k++] = b[j++]!;
  return k - at;
}

/** Writes a \ b to out[at...]; returns its size. out may be a with at <= af. */
export function difference(a: Uint16Array, af: number, an: number, b: Uint16Array, bf: number, bn: number, out: Uint16Array, at: number): number {
  let i = af, j = bf, k = at;
  const ae = af + an, be = bf + bn;
  if (bn * GALLOP_RATIO < an) {
    // Few to remove: copy the runs between them.
    for (; j < be && i < ae; j++) {
      const p = lowerBound(a, i, ae, b[j]!);
      k = moveDown(a, i, p, out, k);
      i = p < ae && a[p] === b[j] ? p + 1 : p;
    }
    return moveDown(a, i, ae, out, k) - at;
  }
  while (i < ae && j < be) {
    const x = a[i]!, y = b[j]!;
    if (x < y) (out[k++] = x), i++;
    else if (x > y) j++;
    else i++, j++;
  }
  while (i < ae) out[k++] = a[i++]!;
  return k - at;
}

/** Copies a[from, to) to out[at...] (out may be a with at <= from); returns at + (to - from). */
function moveDown(a: Uint16Array, from: number, to: number, out: Uint16Array, at: number): number {
  const n = to - from;
  if (n <= 0) return at;
  if (n > 32 && out === a) a.copyWithin(at, from, to);
  else if (n > 32) out.set(a.subarray(from, to), at);
  else for (let i = 0; i < n; i++) out[at + i] = a[from + i]!;
  return at + n;
}

/** Whether a[af, af + n) and b[bf, bf + n) hold the same values. */
export function rangesEqual(a: Uint16Array, af: number, b: Uint16Array, bf: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[af + i] !== b[bf + i]) return false;
  return true;
}

/**
 * Merges the sorted, unique src[sf, sf + sn) into the array a[af, af + an) in place, where
 * a has room for an + sn values; returns the new size. Works from the back: each block of `a`
 * larger than the next source value moves up once (copyWithin when long), so inserting a few values
 * into a large container costs one memmove, not one per value.
 */
export function unionInPlace(a: Uint16Array, af: number, an: number, src: Uint16Array, sf: number, sn: number): number {
  // Count duplicates first: the final size fixes where the back merge writes.
  const dup = intersectCount(a, af, an, src, sf, sn);
  const size = an + sn - dup;
  let r = af + an; // a[af, r) not yet placed
  let w = af + size; // out[w...] placed
  for (let s = sf + sn - 1; s >= sf && w > r; s--) {
    const v = src[s]!;
    const q = lowerBound(a, af, r, v + 1); // a[q, r) > v: moves up as one block
    const n = r - q;
    if (n > 0) {
      w -= n;
      if (w !== q) {
        if (n > 32) a.copyWithin(w, q, r);
        else for (let i = n - 1; i >= 0; i--) a[w + i] = a[q + i]!;
      }
    }
    r = q;
    if (q > af && a[q - 1] === v) continue; // already present: moves with the next block
    a[--w] = v;
  }
  return size;
}

/** Removes the sorted src values from a[af, af + an) in place; returns the new size. */
export function differenceInPlace(a: Uint16Array, af: number, an: number, src: Uint16Array, sf: number, sn: number): number {
  return difference(a, af, an, src, sf, sn, a, af);
}

/** Whether a[from, from + n) is strictly ascending (valid as an array container). */
export function strictlyAscending(a: Uint16Array, from: number, n: number): boolean {
  for (let i = from + 1, end = from + n; i < end; i++) if (a[i]! <= a[i - 1]!) return false;
  return true;
}
