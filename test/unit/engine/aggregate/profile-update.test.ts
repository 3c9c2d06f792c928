import { expect, test } from "bun:test";
import fc from "fast-check";
import { BUCKET_COUNT_MAX } from "../../../../engine/aggregate/profile-config.ts";
import { recentInsert, ringAdd, ringSum, sessionHash, sessionSeen } from "../../../../engine/aggregate/profile-update.ts";
import { testSeed } from "../../../sim/rng.ts";

const seed = testSeed();
console.log(`profile-update seed=${seed}`);
const runs = { seed, numRuns: 300 };

test("a ring counts exactly the events of the window's buckets, for any arrival order, whenever now is not before its head", () => {
  const n = 5, types = 2;
  const event = fc.record({ bucket: fc.integer({ min: 1, max: 40 }), type: fc.integer({ min: -1, max: 1 }) });
  fc.assert(fc.property(fc.array(event, { maxLength: 80 }), fc.integer({ min: 0, max: 8 }), (evs, ahead) => {
    const counts = new Uint16Array(3 * types * n), heads = new Uint32Array(3);
    // Slot 1 of three, so a write outside the slot shows up in slots 0 and 2.
    for (const e of evs) ringAdd(counts, heads, 1, types * n, types, n, e.bucket, e.type);
    const now = heads[1]! + ahead, lo = Math.max(now, heads[1]!) - n + 1, hi = Math.min(now, heads[1]!);
    const got = [0, 1].map((t) => ringSum(counts, types * n + t * n, n, lo, hi));
    const want = [0, 1].map((t) => evs.filter((e) => e.type === t && e.bucket > now - n && e.bucket <= now).length);
    expect({ got, others: [...counts.subarray(0, types * n), ...counts.subarray(2 * types * n)].some((c) => c !== 0) }).toEqual({ got: want, others: false });
  }), runs);
});

test("a ring counter saturates at BUCKET_COUNT_MAX", () => {
  const counts = new Uint16Array(4), heads = new Uint32Array(1);
  for (let i = 0; i < BUCKET_COUNT_MAX + 10; i++) ringAdd(counts, heads, 0, 0, 1, 4, 100, 0);
  expect([...counts]).toEqual([BUCKET_COUNT_MAX, 0, 0, 0]);
});

test("recent items are the top n distinct items by (second, arrival) of their latest event", () => {
  const ev = fc.record({ item: fc.integer({ min: 1, max: 6 }), sec: fc.integer({ min: 0, max: 5 }) });
  fc.assert(fc.property(fc.array(ev, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (evs, n) => {
    // The list at [2, 2 + 2n), between guard pairs.
    const a = new Uint32Array(2 * n + 4);
    evs.forEach((e) => recentInsert(a, 2, n, e.item, e.sec));
    const best = new Map<number, [number, number]>();
    evs.forEach((e, i) => { const b = best.get(e.item); if (!b || e.sec >= b[0]) best.set(e.item, [e.sec, i]); });
    const want = [...best].sort((a, b) => b[1][0] - a[1][0] || b[1][1] - a[1][1]).slice(0, n).map(([item, [sec]]) => [item, sec]);
    const got: number[][] = [];
    for (let k = 0; k < n && a[2 + 2 * k] !== 0; k++) got.push([a[2 + 2 * k]!, a[3 + 2 * k]!]);
    expect({ got, guards: [a[0], a[1], a[2 * n + 2], a[2 * n + 3]] }).toEqual({ got: want, guards: [0, 0, 0, 0] });
  }), runs);
});

test("sessions equal COUNT(DISTINCT session_id) when no session resumes after k other distinct ones", () => {
  const k = 4;
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), (picks) => {
    const ids = picks.map((p) => `session-${p}-${seed}`);
    // The precondition, directly: between two uses of a session, fewer than k other distinct ones.
    ids.forEach((id, i) => {
      const last = ids.lastIndexOf(id, i - 1);
      if (last >= 0) fc.pre(new Set(ids.slice(last + 1, i)).size < k);
    });
    const hashes = new Uint32Array(k);
    let sessions = 0;
    for (const id of ids) if (sessionSeen(hashes, 0, k, sessionHash(id))) sessions++;
    expect(sessions).toEqual(new Set(ids).size);
  }), runs);
});

test("a session resumed after k others began counts again", () => {
  const k = 2, hashes = new Uint32Array(k);
  const fresh = ["a", "b", "a", "c", "b", "a"].map((id) => sessionSeen(hashes, 0, k, sessionHash(id)));
  expect(fresh).toEqual([true, true, false, true, true, true]);
});
