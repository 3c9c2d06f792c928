import { expect, test } from "bun:test";
import fc from "fast-check";
import { ByteReader, ByteWriter } from "../../../../engine/aggregate/byte-codec.ts";
import { NeighbourSummaries } from "../../../../engine/aggregate/reco-neighbours.ts";
import { Recommender } from "../../../../engine/aggregate/recommender.ts";
import { ValueIds } from "../../../../engine/aggregate/value-ids.ts";
import { Rng } from "../../../sim/rng.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../../../helpers/event-feed.ts";

const seed = Number(process.env.SEED ?? 20261208);
console.log(`reco-neighbours seed=${seed}`);

/** Violations of the Space-Saving guarantee of summary `x` against exact weights (an empty list when it holds). */
function violations(nb: NeighbourSummaries, x: number, exact: Map<number, number>): string[] {
  const out: string[] = [];
  const b = nb.blockOf[x]!;
  let w = 0;
  for (const v of exact.values()) w += v;
  if (b < 0) return w > 0 ? [`no summary for weight ${w}`] : [];
  const bound = w / nb.m, kept = new Set<number>();
  if (Math.abs(nb.total[b]! - w) > 1e-9 * w) out.push(`total ${nb.total[b]} != ${w}`);
  for (let j = b * nb.m; j < b * nb.m + nb.fill[b]!; j++) {
    const y = nb.nbr[j]!, t = exact.get(y) ?? 0, eps = 1e-9 * w;
    kept.add(y);
    if (!(nb.cnt[j]! - nb.err[j]! <= t + eps && t <= nb.cnt[j]! + eps)) out.push(`${y}: true ${t} outside [${nb.cnt[j]! - nb.err[j]!}, ${nb.cnt[j]}]`);
    if (nb.err[j]! > bound + eps) out.push(`${y}: err ${nb.err[j]} > W/M ${bound}`);
  }
  for (const [y, t] of exact) if (t > bound + 1e-9 * w && !kept.has(y)) out.push(`${y}: true ${t} > W/M ${bound} but not kept`);
  return out;
}

test("weighted Space-Saving: lower <= true <= count, error <= W/M, every neighbour above W/M kept", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 4 })), { maxLength: 300 }), (m, updates) => {
    const nb = new NeighbourSummaries(m, 16);
    nb.ensureItems(32);
    const exact = new Map<number, number>();
    for (const [y, w] of updates) { nb.add(0, y, w, 0, y); exact.set(y, (exact.get(y) ?? 0) + w); }
    expect(violations(nb, 0, exact)).toEqual([]);
  }), { seed, numRuns: 300 });
});

test("a smaller M from a checkpoint keeps each item's largest counters", () => {
  const nb = new NeighbourSummaries(6, 16);
  nb.ensureItems(40);
  const rng = new Rng(seed);
  for (let i = 0; i < 500; i++) nb.add(i % 3, 10 + rng.int(0, 20), rng.int(1, 5), 0, -1);
  const w = new ByteWriter();
  nb.encode(w);
  const small = new NeighbourSummaries(3, 16);
  small.decode(new ByteReader(w.finish(), "test"), 40);
  const top = (s: NeighbourSummaries, x: number, k: number) => {
    const b = s.blockOf[x]!, rows: [number, number][] = [];
    for (let j = b * s.m; j < b * s.m + s.fill[b]!; j++) rows.push([s.nbr[j]!, s.cnt[j]!]);
    return rows.sort((p, q) => q[1] - p[1] || p[0] - q[0]).slice(0, k);
  };
  expect([0, 1, 2].map((x) => top(small, x, 3))).toEqual([0, 1, 2].map((x) => top(nb, x, 3)));
});

test("through the component: each item's summary bounds the exact number of sessions it shares with each other item", () => {
  const rng = new Rng(seed ^ 0xabc);
  const r = new Recommender(new ValueIds(), { neighboursPerItem: 5, coHalfLifeMs: Infinity, sessionItems: 8, coWindowMs: 3_600_000 });
  const events: PlainEvent[] = [], sessions: number[][] = [];
  const t0 = Date.UTC(2026, 11, 1);
  for (let s = 0; s < 600; s++) {
    // Skewed: low item numbers are far more common, so some neighbours are heavy and most are light.
    const items = new Set<number>();
    for (let k = rng.int(2, 6); k > 0; k--) items.add(Math.floor(Math.pow(rng.float(), 2) * 40));
    sessions.push([...items]);
    let t = t0 + s * 1000;
    // Repeats in a session must not count twice.
    for (const it of [...items, ...items]) events.push({ type: "view_item", ts: (t += 1), session_id: `s${s}`, item_id: `i${it}` });
  }
  const table = eventsTable();
  for (let i = 0; i < events.length; i += 257) appendAndFeed(table, events.slice(i, i + 257), [r]);
  const bad: string[] = [];
  for (let x = 0; x < 40; x++) {
    const exact = new Map<number, number>();
    for (const s of sessions) if (s.includes(x)) for (const y of s) if (y !== x) { const id = r.items.find(`i${y}`); exact.set(id, (exact.get(id) ?? 0) + 1); }
    const id = r.items.find(`i${x}`);
    if (id >= 0) bad.push(...violations(r.neighbours, id, exact).map((v) => `i${x} ${v}`));
  }
  expect(bad).toEqual([]);
});
