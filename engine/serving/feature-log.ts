// The text form of a FeatureVector carried in a bid event's props, and its inverse: training reads
// back exactly the values scoring computed, so the model is fitted on what it will be applied to.
//
// Format: the non-zero entries by ascending index, comma separated; an entry is `<index>` when its
// value is exactly 1 (every hashed one-hot) and `<index>:<value>` otherwise, the value in JavaScript's
// shortest round-trip decimal form. Example: "0:0.6931,3,11:2.3979,40,9512,16102".
// The props also carry the space's fingerprint ("fs"); decoding under another fingerprint is refused
// by the caller (training-set.ts) since indices mean nothing across spaces.
// Invariant: decodeFeatures(encodeFeatures(v)) reproduces v's values bit for bit; decode rejects
// anything encode cannot produce (unsorted or repeated indices, out-of-range indices, zero values).

import { FeatureVector } from "./bid-features.ts";
import { SERVING_LIMITS } from "./serving-limits.ts";

/** The log text of `v`. Sorts v.indices in place (the vector's values are unchanged). */
export function encodeFeatures(v: FeatureVector): string {
  const idx = v.indices.subarray(0, v.count).sort();
  let s = "";
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!, x = v.values[i]!;
    if (k > 0) s += ",";
    s += x === 1 ? `${i}` : `${i}:${x}`;
  }
  return s;
}

/**
 * Parses log text into `out` (reset first, same dimension as when it was written). Returns false,
 * leaving `out` reset, when the text is not something encodeFeatures produces.
 */
export function decodeFeatures(text: string, out: FeatureVector): boolean {
  out.reset();
  if (text.length === 0) return true;
  if (text.length > SERVING_LIMITS.FEATURE_LOG_LENGTH_MAX) return false;
  let last = -1;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf(",", pos);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", pos);
    const hasValue = colon >= 0 && colon < end;
    const index = parseIndex(text, pos, hasValue ? colon : end);
    const value = hasValue ? parseValue(text.slice(colon + 1, end)) : 1;
    if (index <= last || index >= out.dimension || Number.isNaN(value) || value === 0 || out.count >= out.indices.length) {
      out.reset();
      return false;
    }
    out.add(index, value);
    last = index;
    pos = end + 1;
  }
  return true;
}

/** A decimal integer in text[start, end) without sign or leading zeros; -1 otherwise. */
function parseIndex(text: string, start: number, end: number): number {
  if (end <= start || end - start > 9 || (text.charCodeAt(start) === 48 && end - start > 1)) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A finite value as String(number) writes it; NaN for anything else. */
function parseValue(s: string): number {
  const x = Number(s);
  return s.length > 0 && Number.isFinite(x) && String(x) === s ? x : NaN;
}
