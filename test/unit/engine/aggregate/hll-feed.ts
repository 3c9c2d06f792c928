// Shared by the HyperLogLog tests: feeding sketches with hashed ids, and reading their registers.

import { hashNumber, hashString } from "../../../../engine/aggregate/hash.ts";
import { Hll } from "../../../../engine/aggregate/hll.ts";
import { EngineError } from "../../../../engine/core/errors.ts";

const out = new Uint32Array(2);

/** Adds hashNumber(first + i * stride) for i in [from, to). */
export function addIds(h: Hll, first: number, stride: number, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    hashNumber(first + i * stride, out, 0);
    h.add(out[0]!, out[1]!);
  }
}

export function addStrings(h: Hll, prefix: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    hashString(prefix + i, out, 0);
    h.add(out[0]!, out[1]!);
  }
}

/** A sketch of precision p fed ids [from, to) of the sequence first + i * stride. */
export function sketchOf(p: number, from: number, to: number, first = 0, stride = 1): Hll {
  const h = new Hll(p);
  addIds(h, first, stride, from, to);
  return h;
}

/** The dense registers the sketch stands for, whatever its state. */
export function registersOf(h: Hll): number[] {
  const r = new Uint8Array(1 << h.p);
  h.mergeInto(r);
  return Array.from(r);
}

/** A dense, empty sketch of precision p (through the codec: the only way to skip the sparse state). */
export function denseEmpty(p: number): Hll {
  return Hll.decode(new Uint8Array(3 + (3 << p) / 4).fill(0).fill(1, 0, 1).fill(p, 1, 2).fill(1, 2, 3));
}

/** One HLL standard error at precision p: 1.04 / sqrt(2^p) (Flajolet et al. 2007). */
export function sigma(p: number): number {
  return 1.04 / Math.sqrt(2 ** p);
}

/** [code, message] of the EngineError `f` throws, null if it returns; anything else is rethrown. */
export function engineErrorOf(f: () => unknown): [string, string] | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof EngineError) return [e.code, e.message];
    throw e;
  }
}
