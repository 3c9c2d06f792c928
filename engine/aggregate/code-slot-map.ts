// A map from a non-negative int32 key (a subject's dictionary code, tagged with which `by` column it
// came from) to a slot, in two typed arrays: open addressing with linear probing and backward-shift
// deletion (no tombstones, so lookups stay short however many subjects come and go).
//
// Invariants: keys[i] = -1 marks an empty bucket; load stays <= 1/2; every key lies in the probe run
// that starts at its home bucket. The map never shrinks: its size follows the most subjects ever
// live, which a definition's user cap bounds.

import { assert } from "../core/assert.ts";

const EMPTY = -1;

export class CodeSlotMap {
  private keys = new Int32Array(64).fill(EMPTY);
  private vals = new Int32Array(64);
  private mask = 63;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get byteSize(): number {
    return this.keys.byteLength + this.vals.byteLength;
  }

  /** The slot of `key`, or -1. */
  get(key: number): number {
    const keys = this.keys, mask = this.mask;
    for (let i = home(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.vals[i]!;
      if (k === EMPTY) return -1;
    }
  }

  /** Inserts a key that is not present. */
  set(key: number, slot: number): void {
    assert(key >= 0, "map keys are non-negative");
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    this.place(key, slot);
    this.count++;
  }

  /** Removes a key that is present. */
  delete(key: number): void {
    const keys = this.keys, vals = this.vals, mask = this.mask;
    let i = home(key, mask);
    while (keys[i] !== key) {
      assert(keys[i] !== EMPTY, "deleted map key is present");
      i = (i + 1) & mask;
    }
    // Backward shift: pull later members of the run into the hole when the hole lies between their
    // home bucket and where they sit (cyclically), so no lookup ever meets a gap in its run.
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const h = home(keys[j]!, mask);
      const between = i <= j ? h <= i || h > j : h <= i && h > j;
      if (!between) continue;
      keys[i] = keys[j]!;
      vals[i] = vals[j]!;
      i = j;
    }
    keys[i] = EMPTY;
    this.count--;
  }

  private place(key: number, slot: number): void {
    const keys = this.keys, mask = this.mask;
    let i = home(key, mask);
    while (keys[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = key;
    this.vals[i] = slot;
  }

  private grow(): void {
    const oldKeys = this.keys, oldVals = this.vals;
    this.keys = new Int32Array(oldKeys.length * 2).fill(EMPTY);
    this.vals = new Int32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== EMPTY) this.place(oldKeys[i]!, oldVals[i]!);
  }
}

function home(key: number, mask: number): number {
  return (Math.imul(key, 0x9e3779b1) >>> 16 ^ Math.imul(key, 0x85ebca6b)) & mask;
}
