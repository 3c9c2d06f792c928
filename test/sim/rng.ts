// A tiny seeded PRNG for simulations and generated test data (splitmix32: a 32-bit state advanced by
// a Weyl sequence, then mixed). Same seed, same sequence, on every platform: a failing seed printed by
// a test reproduces the failure exactly.

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform u32. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** A uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  bool(pTrue = 0.5): boolean {
    return this.float() < pTrue;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.next();
      out[i] = v;
      if (i + 1 < n) out[i + 1] = v >>> 8;
      if (i + 2 < n) out[i + 2] = v >>> 16;
      if (i + 3 < n) out[i + 3] = v >>> 24;
    }
    return out;
  }

  /** An independent generator derived from this one, so sub-workloads do not shift each other. */
  fork(): Rng {
    return new Rng(this.next());
  }
}

/** The seed from $SEED, or a fresh one; tests print it so a failure can be replayed. */
export function testSeed(): number {
  const env = process.env.SEED;
  return env !== undefined && env !== "" ? Number(env) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/**
 * mulberry32 as a function: the generator the seeded test and benchmark data were built with (their
 * recorded hashes depend on this exact sequence), shared so there is one copy.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
