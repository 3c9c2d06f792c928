// The stable hash behind hashed one-hot features (the "hashing trick": Weinberger, Dasgupta, Langford,
// Smola, Attenberg, "Feature Hashing for Large Scale Multitask Learning", ICML 2009).
//
// Invariants (a model trained under one hash is useless under another, so this is frozen: any change
// here must bump FEATURE_SPACE_VERSION in bid-features.ts):
// - 32-bit FNV-1a over a field salt then the value, finalized with murmur3's fmix32 so that the low
//   bits (the bucket) depend on every input bit.
// - Strings are hashed as UTF-16 code units with ASCII letters folded to lower case ("iOS" and "ios"
//   are one value), at most SERVING_LIMITS.FEATURE_STRING_LENGTH_MAX units, with no allocation.
// - Integers are hashed as two 16-bit halves of their int32 value, after a type tag, so the integer 4
//   and the string "4" differ (fields are one or the other, but crosses mix both).
// Pure JavaScript arithmetic: the same value gives the same bucket on every platform and runtime.

import { SERVING_LIMITS } from "./serving-limits.ts";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;
const TAG_STRING = 0x5354;
const TAG_INT = 0x494e;
const SEPARATOR = 0xffff;

/** The starting state of a field: its salt (the field's index in the feature space) mixed in. */
export function fieldSeed(field: number): number {
  let h = FNV_OFFSET;
  h = Math.imul(h ^ (field & 0xffff), FNV_PRIME);
  h = Math.imul(h ^ (field >>> 16), FNV_PRIME);
  return h >>> 0;
}

/** Mixes a string into h: ASCII case folded, at most FEATURE_STRING_LENGTH_MAX code units. */
export function mixString(h: number, s: string): number {
  return mixStringRange(h, s, 0, s.length);
}

/** mixString of s.slice(start, end), without making the slice (a host inside a page URL). */
export function mixStringRange(h: number, s: string, start: number, end: number): number {
  h = Math.imul(h ^ TAG_STRING, FNV_PRIME);
  const n = end - start < SERVING_LIMITS.FEATURE_STRING_LENGTH_MAX ? end : start + SERVING_LIMITS.FEATURE_STRING_LENGTH_MAX;
  for (let i = start; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h;
}

/** Mixes an integer (taken as int32) into h. */
export function mixInt(h: number, n: number): number {
  const v = n | 0;
  h = Math.imul(h ^ TAG_INT, FNV_PRIME);
  h = Math.imul(h ^ (v & 0xffff), FNV_PRIME);
  return Math.imul(h ^ (v >>> 16), FNV_PRIME);
}

/** Marks the boundary between the parts of a crossed feature ("a","bc" differs from "ab","c"). */
export function mixSeparator(h: number): number {
  return Math.imul(h ^ SEPARATOR, FNV_PRIME);
}

/** murmur3 fmix32: the final avalanche, as an unsigned 32-bit value. */
export function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A whole string's hash under a seed: for keys outside the feature space (the holdout split). */
export function hashString(s: string, seed = 0): number {
  return finish(mixString(fieldSeed(seed), s));
}
