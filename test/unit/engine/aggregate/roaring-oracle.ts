// Id sets shaped like Roaring containers, for property tests of bitmaps.ts: a set is a list of
// container specs (key, how many values, and how they are laid out), expanded deterministically, so
// fast-check shrinks specs, not thousands of numbers. Counts cluster where container kinds change
// (2048/2049 values in memory, 4096/4097 in the portable format) and at the extremes (1 value, a full container of 65536), and keys include
// 0, 65535 (ids up to 2^32 - 1) and neighbours, so containers appear and disappear under AND / AND NOT.
//
// roaring-wasm (CRoaring compiled to WebAssembly, which bitmaps.ts used to wrap) is the second oracle:
// helpers here build its bitmaps from the same ids.

import fc from "fast-check";
import { RoaringBitmap32 } from "roaring-wasm";
import { mulberry32 as rng } from "../../../sim/rng.ts";
export { mulberry32 as rng } from "../../../sim/rng.ts";


export interface ContainerSpec {
  readonly key: number;
  readonly count: number;
  /** random: `count` distinct lows anywhere; run: one range; runs: ranges of 1-64 with gaps. */
  readonly layout: "random" | "run" | "runs";
  readonly seed: number;
}

const KEYS = [0, 1, 2, 3, 5, 8, 100, 32767, 32768, 65534, 65535];

export const containerArb: fc.Arbitrary<ContainerSpec> = fc.record({
  key: fc.constantFrom(...KEYS),
  count: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 60 }) },
    { weight: 3, arbitrary: fc.constantFrom(2047, 2048, 2049, 4095, 4096, 4097) },
    { weight: 2, arbitrary: fc.integer({ min: 200, max: 4096 }) },
    { weight: 2, arbitrary: fc.integer({ min: 4097, max: 40_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(65_535, 65_536) },
  ),
  layout: fc.constantFrom("random" as const, "random" as const, "run" as const, "runs" as const),
  seed: fc.integer(),
});

/** Zero to five containers; a key may repeat (the specs then merge). */
export const idSetArb = fc.array(containerArb, { maxLength: 5 });

/** The low halves of one container spec, ascending and distinct. */
function lows(spec: ContainerSpec): number[] {
  const rand = rng(spec.seed), count = Math.min(spec.count, 65_536);
  if (spec.layout === "run") {
    const start = Math.floor(rand() * (65_537 - count));
    return Array.from({ length: count }, (_, i) => start + i);
  }
  const taken = new Uint8Array(65_536);
  const out: number[] = [];
  if (spec.layout === "runs") {
    for (let at = Math.floor(rand() * 64); out.length < count && at < 65_536; at += 1 + Math.floor(rand() * 64)) {
      for (let len = 1 + Math.floor(rand() * 64); len > 0 && at < 65_536 && out.length < count; len--, at++) out.push(at);
    }
    return out;
  }
  if (count > 30_000) {
    // Dense: drop random values from a full container.
    taken.fill(1);
    for (let dropped = 0; dropped < 65_536 - count; ) {
      const v = Math.floor(rand() * 65_536);
      if (taken[v]) (taken[v] = 0), dropped++;
    }
  } else {
    for (let added = 0; added < count; ) {
      const v = Math.floor(rand() * 65_536);
      if (!taken[v]) (taken[v] = 1), added++;
    }
  }
  for (let v = 0; v < 65_536; v++) if (taken[v]) out.push(v);
  return out;
}

/** The ids of a set spec, ascending and distinct. */
export function expand(specs: readonly ContainerSpec[]): Uint32Array {
  const all = new Set<number>();
  for (const s of specs) for (const low of lows(s)) all.add(s.key * 65_536 + low);
  return Uint32Array.from(all).sort();
}

/** The same ids shuffled, with about 5% repeated: the input an addMany sees from a batch. */
export function shuffled(ids: Uint32Array, seed: number): Uint32Array {
  const rand = rng(seed);
  const out = Array.from(ids);
  for (let i = 0; i < ids.length / 20; i++) out.push(ids[Math.floor(rand() * ids.length)]!);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return Uint32Array.from(out);
}

/** A roaring-wasm bitmap of `ids`; optionally run-optimized (so its serialization has run containers). */
export function wasmOf(ids: Uint32Array, runs = false): RoaringBitmap32 {
  const r = new RoaringBitmap32();
  for (let i = 0; i < ids.length; i += 65_536) r.addMany(ids.subarray(i, Math.min(ids.length, i + 65_536)));
  if (runs) r.runOptimize();
  return r;
}

export function sortedUnion(a: Uint32Array, b: Uint32Array): number[] {
  return Array.from(new Set([...a, ...b])).sort((x, y) => x - y);
}

export function sortedIntersection(a: Uint32Array, b: Uint32Array): number[] {
  const sb = new Set(b);
  return Array.from(a).filter((x) => sb.has(x));
}

export function sortedDifference(a: Uint32Array, b: Uint32Array): number[] {
  const sb = new Set(b);
  return Array.from(a).filter((x) => !sb.has(x));
}
