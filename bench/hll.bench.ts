// HyperLogLog micro benchmark (engine/aggregate/hll.ts): cost per event of adding to a dense and to a
// sparse sketch at p = 14, against two floors measured in the same run (a loop that only hashes, and
// an exact JS Set of the same ids); the "UV over the last hour" merge of 60 sparse minute sketches
// into one accumulator; estimate; encode/decode; memory of many small sketches. Seeded data (SEED):
// user ids drawn Zipf(1.0) over 200k users, as bench/data.ts draws customers. Prints figures and a
// result hash, asserts nothing. Each figure is the best of runs lasting BENCH_SECONDS (default 1).
//
//   bun bench/hll.bench.ts [events, default 2000000]

import { CodeHashes, hashNumber, hashString } from "../engine/aggregate/hash.ts";
import { Hll, estimateRegisters, sparseMax } from "../engine/aggregate/hll.ts";
import { StringDictionary } from "../engine/column/string-dictionary.ts";
import { Rng } from "../test/sim/rng.ts";

const EVENTS = Number(process.argv[2] ?? 2_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const SEED = Number(process.env.SEED ?? 42);
const USERS = 200_000;
const P = 14;
const rng = new Rng(SEED);
const out = new Uint32Array(2);
let resultHash = 0;
const fold = (x: number) => { resultHash = (Math.imul(resultHash ^ (x >>> 0), 0x9e3779b1) + 1) >>> 0; };

/** Zipf(1.0) ranks in [0, n): inverse CDF by binary search over the cumulative weights. */
function zipf(n: number, count: number, r: Rng): Float64Array {
  const cdf = new Float64Array(n);
  let s = 0;
  for (let k = 0; k < n; k++) cdf[k] = s += 1 / (k + 1);
  const ids = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const u = r.float() * s;
    let lo = 0, hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (cdf[mid]! < u) lo = mid + 1; else hi = mid; }
    ids[i] = lo;
  }
  return ids;
}

/** Best wall time in ms of `f` over runs lasting SECONDS in all (at least 3 runs); its result goes into the hash once. */
function best(f: () => number): number {
  let ms = Infinity, result = 0;
  const until = performance.now() + SECONDS * 1000;
  for (let r = 0; r < 3 || performance.now() < until; r++) {
    const t = performance.now();
    result = f();
    ms = Math.min(ms, performance.now() - t);
  }
  fold(result);
  return ms;
}

const ns = (ms: number, n: number) => ((ms * 1e6) / n).toFixed(1).padStart(7);
const line = (what: string, ms: number, n: number, floorMs?: number) =>
  console.log(`${what.padEnd(52)} ${ns(ms, n)} ns/event${floorMs === undefined ? "" : `   ${(ms / floorMs).toFixed(2)}x the hash floor`}`);

// ---- data: ids per event, and the same users as strings behind dictionary codes
const [rIds, rFew, rKeys, rMinutes] = [rng.fork(), rng.fork(), rng.fork(), rng.fork()];
const ids = zipf(USERS, EVENTS, rIds);
const names = Array.from({ length: USERS }, (_, k) => `cus_${(k * 2654435761 % 4294967291).toString(36).padStart(8, "0")}`);
const dict = new StringDictionary();
const utf8 = new TextEncoder();
const codeOfUser = new Uint32Array(USERS);
for (let k = 0; k < USERS; k++) { const b = utf8.encode(names[k]!); codeOfUser[k] = dict.codeOfBytes(b, 0, b.length); }
const codes = new Uint32Array(EVENTS);
for (let i = 0; i < EVENTS; i++) codes[i] = codeOfUser[ids[i]!]!;
const exact = new Set(ids).size;
console.log(`${EVENTS} events, ${exact} distinct of ${USERS} users (Zipf 1.0), p = ${P}, seed ${SEED}`);

// ---- splitting wyhash's BigInt into two u32 halves (hash.ts picks the aliased BigUint64Array)
{
  const wide = new BigUint64Array(1), words = new Uint32Array(wide.buffer), M = 0xffffffffn;
  const hashOnly = best(() => { let x = 0; for (let i = 0; i < EVENTS; i++) x ^= Bun.hash.wyhash(names[ids[i]!]!, 0n) === 0n ? 1 : 0; return x; });
  const bigintSplit = best(() => { let x = 0; for (let i = 0; i < EVENTS; i++) { const h = Bun.hash.wyhash(names[ids[i]!]!, 0n); x ^= Number(h & M) ^ Number(h >> 32n); } return x; });
  const aliased = best(() => { let x = 0; for (let i = 0; i < EVENTS; i++) { wide[0] = Bun.hash.wyhash(names[ids[i]!]!, 0n); x ^= words[0]! ^ words[1]!; } return x; });
  const twoHashes = best(() => { let x = 0; for (let i = 0; i < EVENTS; i++) { const s = names[ids[i]!]!; x ^= Bun.hash.xxHash32(s, 1) ^ Bun.hash.xxHash32(s, 2); } return x; });
  console.log(`string -> 64-bit hash halves: wyhash alone ${ns(hashOnly, EVENTS)} ns; + BigInt & and >> ${ns(bigintSplit, EVENTS)} ns; ` +
    `+ aliased BigUint64Array ${ns(aliased, EVENTS)} ns (chosen); 2 x xxHash32 ${ns(twoHashes, EVENTS)} ns`);
}

// ---- per event
const hashFloor = best(() => { let x = 0; for (let i = 0; i < EVENTS; i++) { hashNumber(ids[i]!, out, 0); x ^= out[0]! ^ out[1]!; } return x; });
line("floor: hashNumber only", hashFloor, EVENTS);
const setMs = best(() => { const s = new Set<number>(); for (let i = 0; i < EVENTS; i++) s.add(ids[i]!); return s.size; });
line("floor: exact Set<number>.add of the same ids", setMs, EVENTS);
const strFloor = best(() => { let x = 0; for (let i = 0; i < EVENTS; i++) { hashString(names[ids[i]!]!, out, 0); x ^= out[0]! ^ out[1]!; } return x; });
line("floor: hashString only (14-byte ids)", strFloor, EVENTS);
const dense = new Hll(P);
const denseMs = best(() => { dense.clear(); for (let i = 0; i < EVENTS; i++) { hashNumber(ids[i]!, out, 0); dense.add(out[0]!, out[1]!); } return dense.estimate(); });
line("hll dense: hashNumber + add", denseMs, EVENTS, hashFloor);
console.log(`${"".padEnd(52)} estimate ${dense.estimate().toFixed(0)} vs exact ${exact} (${((dense.estimate() / exact - 1) * 100).toFixed(2)}%)`);
let hashes = new CodeHashes(dict);
const coldMs = best(() => { hashes = new CodeHashes(dict); for (let c = 0; c < USERS; c++) hashes.fill(c, out, 0); return hashes.hashedCount; });
console.log(`${"CodeHashes, first use of each of 200k codes".padEnd(52)} ${ns(coldMs, USERS)} ns/value`);
const codeMs = best(() => { dense.clear(); for (let i = 0; i < EVENTS; i++) { hashes.fill(codes[i]!, out, 0); dense.add(out[0]!, out[1]!); } return dense.estimate(); });
line("hll dense: CodeHashes.fill (cached) + add", codeMs, EVENTS, hashFloor);

// Sparse: one busy (minute, campaign) sketch: 3000 users, each seen many times (stays below 4096).
const fewIds = zipf(3000, EVENTS, rFew);
const sparse = new Hll(P);
const sparseMs = best(() => { sparse.clear(); for (let i = 0; i < EVENTS; i++) { hashNumber(fewIds[i]!, out, 0); sparse.add(out[0]!, out[1]!); } return sparse.estimate(); });
line(`hll sparse, one sketch of ${sparse.isSparse ? "" : "(dense!) "}${new Set(fewIds).size} users`, sparseMs, EVENTS, hashFloor);
// The rollup shape: each event goes to one of 20k keys (Zipf), most keys ending with a handful of users.
const KEYS = 20_000, keyOf = zipf(KEYS, EVENTS, rKeys);
const sketches = Array.from({ length: KEYS }, () => new Hll(P));
const rollMs = best(() => { for (const h of sketches) h.clear(); for (let i = 0; i < EVENTS; i++) { hashNumber(ids[i]!, out, 0); sketches[keyOf[i]!]!.add(out[0]!, out[1]!); } return sketches[0]!.estimate(); });
const median = sketches.map((h) => h.estimate()).sort((a, b) => a - b)[KEYS >> 1]!;
line(`hll sparse, ${KEYS} keyed sketches (median ${median.toFixed(0)} users)`, rollMs, EVENTS, hashFloor);
const keyedSetMs = best(() => { const sets = Array.from({ length: KEYS }, () => new Set<number>()); for (let i = 0; i < EVENTS; i++) sets[keyOf[i]!]!.add(ids[i]!); return sets[0]!.size; });
line(`floor: exact, ${KEYS} keyed Set<number>`, keyedSetMs, EVENTS);
// Worst case: only new users, until the sketch turns dense (sparseMax(14) + 1 = 3073 entries).
const fillN = sparseMax(P) + 1, fills = Math.max(1, Math.floor(EVENTS / fillN));
const fillMs = best(() => { let x = 0; for (let r = 0; r < fills; r++) { const h = new Hll(P); for (let i = 0; i < fillN; i++) { hashNumber(r * fillN + i, out, 0); h.add(out[0]!, out[1]!); } x += h.isSparse ? 1 : 0; } return x; });
line(`hll sparse worst case: ${fillN} new users each`, fillMs, fills * fillN, hashFloor);

// ---- the hour rollup: 60 minute sketches of 100..400 users each (from 20k), merged per query
const minuteSketches: Hll[] = [], minuteSets: Set<string>[] = [];
for (let m = 0; m < 60; m++) {
  const h = new Hll(P), set = new Set<string>();
  for (let k = rMinutes.int(100, 400); k > 0; k--) {
    const name = names[rMinutes.int(0, 19_999)]!;
    set.add(name);
    hashString(name, out, 0);
    h.add(out[0]!, out[1]!);
  }
  minuteSketches.push(h);
  minuteSets.push(set);
}
const acc = new Uint8Array(1 << P);
const QUERIES = 200;
const us = (ms: number, n: number) => ((ms * 1000) / n).toFixed(1).padStart(6);
let hourUv = 0, exactUv = 0;
const accMs = best(() => { for (let q = 0; q < QUERIES; q++) { acc.fill(0); for (const h of minuteSketches) h.mergeInto(acc); hourUv = estimateRegisters(acc, P); } return hourUv; });
const chainMs = best(() => { let x = 0; for (let q = 0; q < QUERIES; q++) { const u = minuteSketches[0]!.clone(); for (let m = 1; m < 60; m++) u.merge(minuteSketches[m]!); x += u.estimate(); } return x; });
const exactMs = best(() => { for (let q = 0; q < QUERIES; q++) { const u = new Set<string>(); for (const s of minuteSets) for (const v of s) u.add(v); exactUv = u.size; } return exactUv; });
console.log(`hour UV from 60 sparse minute sketches (${minuteSketches.reduce((s, h) => s + h.bytes, 0)} bytes in all), per query:`);
console.log(`  mergeInto one accumulator + estimateRegisters ${us(accMs, QUERIES)} us   (UV ${hourUv.toFixed(0)}, exact ${exactUv}, ${((hourUv / exactUv - 1) * 100).toFixed(2)}%)`);
console.log(`  clone + 59 x merge + estimate                 ${us(chainMs, QUERIES)} us`);
console.log(`  exact: union of 60 Set<string>                ${us(exactMs, QUERIES)} us`);

// ---- estimate and codec
const REPS = 1000;
const small = minuteSketches[0]!;
const times = (f: () => number) => best(() => { let x = 0; for (let r = 0; r < REPS; r++) x += f(); return x; });
const denseBytes = dense.encode(), smallBytes = small.encode();
// Dense: unchanged since the last estimate (kept), after a register raise (kept histogram), from the
// registers alone (what every estimate cost before the sketch kept its histogram).
const denseRegs = new Uint8Array(1 << dense.p);
dense.mergeInto(denseRegs);
let raise = 0;
console.log(`estimate   dense p=14: unchanged ${ns(times(() => dense.estimate()), REPS)} ns; add + estimate ` +
  `${ns(times(() => { dense.add(0x9e3779b9 * ++raise, raise * 2654435761); return dense.estimate(); }), REPS)} ns (histogram kept); ` +
  `from the registers ${us(times(() => estimateRegisters(denseRegs, dense.p)), REPS)} us; sparse (${small.estimate().toFixed(0)} users) ${ns(times(() => small.estimate()), REPS)} ns`);
console.log(`encode     dense ${us(times(() => dense.encode().length), REPS)} us (${denseBytes.length} bytes); ` +
  `sparse ${us(times(() => small.encode().length), REPS)} us (${smallBytes.length} bytes, ${(smallBytes.length / small.estimate()).toFixed(2)} a user)`);
console.log(`decode     dense ${us(times(() => Hll.decode(denseBytes).p), REPS)} us; sparse ${us(times(() => Hll.decode(smallBytes).p), REPS)} us`);

// ---- memory: a rollup's worth of small sketches, against a Set per key
function heapAfter(build: () => unknown[]): { bytes: number; keep: unknown[] } {
  Bun.gc(true);
  const before = process.memoryUsage().heapUsed;
  const keep = build();
  Bun.gc(true);
  // Less the 8 bytes of the array slot that keeps each one alive.
  return { bytes: process.memoryUsage().heapUsed - before - 8 * keep.length, keep };
}
const SKETCHES = 100_000;
for (const users of [1, 4, 5, 20]) {
  let dataBytes = 0;
  const sk = heapAfter(() => Array.from({ length: SKETCHES }, (_, k) => {
    const h = new Hll(P);
    for (let u = 0; u < users; u++) { hashNumber(k * 1000 + u, out, 0); h.add(out[0]!, out[1]!); }
    dataBytes += h.bytes;
    return h;
  }));
  const sets = heapAfter(() => Array.from({ length: SKETCHES }, (_, k) => { const s = new Set<number>(); for (let u = 0; u < users; u++) s.add(k * 1000 + u); return s; }));
  fold(sk.keep.length + sets.keep.length);
  console.log(`memory     ${SKETCHES} sketches of ${String(users).padStart(2)} users: ${(sk.bytes / SKETCHES).toFixed(0).padStart(4)} bytes each on the heap ` +
    `(Hll.bytes says ${(dataBytes / SKETCHES).toFixed(0)}); a Set<number> of the same: ${(sets.bytes / SKETCHES).toFixed(0)} bytes`);
}
console.log(`result hash ${resultHash.toString(16)}`);
