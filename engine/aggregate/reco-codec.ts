// The recommender's checkpoint section. Items and categories are persisted as their strings in id
// order (ids are this component's own), users by key string (reco-users.ts), sessions by the hash of
// their key: no global dictionary code is ever written.
//
//   u32 VERSION
//   f64 watermark | f64 co landmark, f64 co half-life | f64 trend landmark, f64 trend half-life
//   json { counters, items: string[], categories: string[] }
//   f64[] pop  f64[] occ  i32[] catOf                      (one per item, in id order)
//   neighbour summaries (reco-neighbours.ts), open sessions (reco-sessions.ts), user rings (reco-users.ts)
//
// decode() reads everything into new parts and swaps them in at the end, so a corrupt section throws
// (data_corrupt) and leaves the component as it was. Heaps are rebuilt from popularity (they hold
// the exact top C, so the rebuilt ones answer the same). A checkpoint written with another half-life
// is first decayed to its watermark with the old one; another M, K, R or P is re-laid out by the parts.

import { ByteReader, ByteWriter } from "./byte-codec.ts";
import { encodeAtOnce } from "./derived-state.ts";
import { ForwardDecay } from "./reco-decay.ts";
import { NeighbourSummaries } from "./reco-neighbours.ts";
import { SessionTable } from "./reco-sessions.ts";
import { UserRings } from "./reco-users.ts";
import type { RecoCounters, Recommender } from "./recommender.ts";
import { ValueIds } from "./value-ids.ts";

const VERSION = 1;

export function encodeRecommender(r: Recommender): Uint8Array {
  return encodeAtOnce(encodeRecommenderSteps(r));
}

/** encodeRecommender in steps (Recommender.encodeGradually): a yield between its parts (30 ms at once for 20k users). */
export function* encodeRecommenderSteps(r: Recommender): Generator<void, Uint8Array, void> {
  const n = r.items.size;
  const w = new ByteWriter().u32(VERSION).f64(r.watermark);
  w.f64(r.co.landmarkMs).f64(r.co.halfLifeMs).f64(r.trend.landmarkMs).f64(r.trend.halfLifeMs);
  w.json({ counters: r.counters, items: r.items.values(), categories: r.categories.values() });
  w.array(r.pop, n).array(r.occ, n).array(r.catOf, n);
  yield;
  r.neighbours.encode(w);
  yield;
  yield* r.sessions.encodeSteps(w);
  yield;
  yield* r.userRings.encodeSteps(w, r.users);
  return w.finish();
}

export function decodeRecommender(r: Recommender, bytes: Uint8Array): void {
  const rd = new ByteReader(bytes, "recommendations checkpoint");
  if (rd.u32() !== VERSION) rd.fail("unknown version");
  const watermark = rd.f64(), coL = rd.f64(), coH = rd.f64(), trL = rd.f64(), trH = rd.f64();
  const head = rd.json<{ counters: RecoCounters; items: string[]; categories: string[] }>();
  if (!Array.isArray(head?.items) || !Array.isArray(head.categories)) rd.fail("header without items or categories");
  const items = ValueIds.fromValues(head.items.map(String)), categories = ValueIds.fromValues(head.categories.map(String));
  if (items.size !== head.items.length || categories.size !== head.categories.length) rd.fail("duplicate item or category");
  const n = items.size, pop = rd.f64s(), occ = rd.f64s(), catOf = rd.i32s();
  if (pop.length !== n || occ.length !== n || catOf.length !== n) rd.fail(`per-item arrays not of ${n} items`);
  for (const c of catOf) if (c < -1 || c >= categories.size) rd.fail(`category id ${c} out of range`);
  const c = r.config;
  const neighbours = new NeighbourSummaries(c.neighboursPerItem, c.neighbourBlocksMax);
  neighbours.decode(rd, n);
  const sessions = new SessionTable(c.sessionsMax, c.sessionItems);
  sessions.decode(rd, n);
  const userRings = new UserRings(c.recentItems, c.purchasedItems, c.usersMax);
  userRings.decode(rd, r.users, n);
  rd.end();

  const coScale = rebaseFor(r.co, coL, coH, watermark), trScale = rebaseFor(r.trend, trL, trH, watermark);
  if (coScale !== 1) { neighbours.scale(coScale); for (let i = 0; i < n; i++) occ[i]! *= coScale; }
  if (trScale !== 1) for (let i = 0; i < n; i++) pop[i]! *= trScale;
  Object.assign(r, { items, categories, neighbours, sessions, userRings, watermark, counters: { ...head.counters } });
  r.pop = new Float64Array(0);
  r.occ = new Float64Array(0);
  r.catOf = new Int32Array(0);
  r.top.clear();
  r.catTop.clear();
  r.ensureItems(n);
  r.pop.set(pop);
  r.occ.set(occ);
  r.catOf.set(catOf);
  r.resetMaps();
  r.catTop.ensureGroups(categories.size);
  for (let x = 0; x < n; x++) {
    if (!(pop[x]! > 0)) continue;
    r.top.update(0, x, r.pop);
    if (catOf[x]! >= 0) r.catTop.update(catOf[x]!, x, r.pop);
  }
}

/**
 * Sets `clock` from a checkpoint's landmark and half-life; returns the factor stored values need: 1
 * for the same half-life, else the decay to the watermark under the old one (the landmark moves there).
 */
function rebaseFor(clock: ForwardDecay, landmarkMs: number, halfLifeMs: number, watermark: number): number {
  if (halfLifeMs === clock.halfLifeMs || Number.isNaN(landmarkMs)) { clock.landmarkMs = landmarkMs; return 1; }
  clock.landmarkMs = watermark;
  return halfLifeMs === Infinity ? 1 : Math.pow(2, (landmarkMs - watermark) / halfLifeMs);
}
