import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DedupWindow } from "../../../../server/ingest/dedup-window.ts";

/** Reference model: the same rules over a Map, in insertion order. */
class ModelWindow {
  private seen = new Map<string, number>();
  constructor(private windowMs: number, private maxIds: number) {}
  checkAndAdd(lo: number, hi: number, at: number): boolean {
    if (this.maxIds === 0) return false;
    if (lo === 0 && hi === 0) lo = 1;
    for (const [k, t] of this.seen) { if (t < at - this.windowMs) this.seen.delete(k); else break; }
    const key = `${lo}:${hi}`;
    if (this.seen.has(key)) return true;
    if (this.seen.size === this.maxIds) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, at);
    return false;
  }
}

describe("DedupWindow", () => {
  test("a repeated id is a duplicate, a new one is not", () => {
    const w = new DedupWindow({ windowMs: 1000, maxIds: 10 });
    expect([w.checkAndAdd(1, 2, 0), w.checkAndAdd(1, 2, 5), w.checkAndAdd(1, 3, 5), w.checkAndAdd(0, 0, 5), w.checkAndAdd(0, 0, 6)])
      .toEqual([false, true, false, false, true]);
  });

  test("ids older than the window are forgotten", () => {
    const w = new DedupWindow({ windowMs: 100, maxIds: 10 });
    w.checkAndAdd(7, 7, 0);
    expect([w.checkAndAdd(7, 7, 100), w.checkAndAdd(8, 8, 150), w.checkAndAdd(7, 7, 201), w.size]).toEqual([true, false, false, 2]);
  });

  test("the count bound evicts the oldest id first", () => {
    const w = new DedupWindow({ windowMs: 1e9, maxIds: 3 });
    for (let i = 1; i <= 4; i++) w.checkAndAdd(i, 0, i);
    expect([w.size, w.checkAndAdd(1, 0, 9), w.checkAndAdd(4, 0, 9)]).toEqual([3, false, true]);
  });

  test("maxIds 0 disables de-duplication", () => {
    const w = new DedupWindow({ windowMs: 1000, maxIds: 0 });
    expect([w.checkAndAdd(1, 1, 0), w.checkAndAdd(1, 1, 0)]).toEqual([false, false]);
  });

  test("holds a million ids in typed arrays and still finds them", () => {
    const w = new DedupWindow({ windowMs: 1e12, maxIds: 2_000_000 });
    for (let i = 0; i < 1_000_000; i++) w.checkAndAdd(Math.imul(i, 0x9e3779b1) >>> 0, i, i);
    let dups = 0;
    for (let i = 0; i < 1_000_000; i += 7) if (w.checkAndAdd(Math.imul(i, 0x9e3779b1) >>> 0, i, 2e6)) dups++;
    expect({ size: w.size, dups, bytesPerId: Math.round(w.byteSize / w.size) <= 48 })
      .toEqual({ size: 1_000_000, dups: Math.ceil(1_000_000 / 7), bytesPerId: true });
  });

  test("property: agrees with a Map model under time and count eviction", () => {
    const seed = Number(process.env.SEED ?? 7);
    const op = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 30 }));
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 200 }),
      (ops, maxIds, windowMs) => {
        const w = new DedupWindow({ windowMs, maxIds });
        const m = new ModelWindow(windowMs, maxIds);
        let t = 0;
        const got: boolean[] = [], want: boolean[] = [];
        for (const [lo, hi, dt] of ops) { t += dt; got.push(w.checkAndAdd(lo, hi, t)); want.push(m.checkAndAdd(lo, hi, t)); }
        expect(got).toEqual(want);
      }), { seed, numRuns: 300 });
  });

  test("property: a window rebuilt by replay answers like the one built live", () => {
    const seed = Number(process.env.SEED ?? 13);
    // (time step, which id): times may step back (batches finish parsing out of receive order) and ids repeat.
    const add = fc.tuple(fc.integer({ min: -20, max: 30 }), fc.integer({ min: 0, max: 40 }));
    fc.assert(fc.property(fc.array(add, { maxLength: 300 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 400 }),
      fc.array(fc.integer({ min: 0, max: 320 }), { maxLength: 40 }),
      (adds, maxIds, windowMs, probes) => {
        const live = new DedupWindow({ windowMs, maxIds });
        const replayed = new DedupWindow({ windowMs, maxIds });
        replayed.beginReplay();
        let t = 0;
        for (const [dt, id] of adds) {
          t += dt;
          // The log holds every row with its drop decision, as recovery sees it.
          if (live.checkAndAdd(id + 1, id % 3, t)) replayed.replayTime(t);
          else replayed.replayAdd(id + 1, id % 3, t);
        }
        replayed.endReplay();
        const later = t + 1;
        // Then sweep an eviction cutoff across every time seen: the size after each step shows which
        // stored times fell out, so any difference in the times the two windows hold shows up.
        const sweep = (w: DedupWindow) => Array.from({ length: 200 }, (_, k) => (w.evictOlderThan(k * 50), w.size));
        expect([replayed.size, probes.map((p) => replayed.checkAndAdd(p, p % 3, later)), sweep(replayed)])
          .toEqual([live.size, probes.map((p) => live.checkAndAdd(p, p % 3, later)), sweep(live)]);
      }), { seed, numRuns: 300 });
  });
});
