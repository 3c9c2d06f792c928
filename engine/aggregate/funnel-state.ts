// One funnel's incremental state: per subject the retained matching events (sequence-history.ts) and
// the best time-to-convert per step; per funnel the count of entrants per step and a sketch of their
// times to convert. The semantics are stated in sequence-engine.ts; in short, for each entrant
// (a subject's activity between expiries) and each step k:
//
//   reached(k)  there is a valid chain of k+1 events, steps 0..k, among the entrant's events
//   ttc(k)      the least (last ts - first ts) over such chains: the fastest conversion
//
// Both only improve as events arrive (more events, more chains), so the aggregates move by deltas:
// an entrant that first reaches step k adds 1 to its count and its ttc to the sketch; a faster chain
// found later (a late event) swaps the old ttc for the new one in the sketch. An entrant's values stay
// in the aggregates after its state is freed.

import { EngineError } from "../core/errors.ts";
import type { FeedBatch } from "./row-feed.ts";
import { RelativeSketch } from "./relative-sketch.ts";
import { ENCODE_STEP_SUBJECTS, type ByteReader, type ByteWriter } from "./sequence-codec.ts";
import type { FunnelDef } from "./sequence-definition.ts";
import { historyShape, MASK, propagate, type HistoryShape } from "./sequence-history.ts";
import { ConditionSet, StepMatcher } from "./sequence-predicates.ts";
import { SequenceUsers, type SequenceMetrics } from "./sequence-users.ts";

export interface FunnelStepReport {
  readonly name: string;
  /** Entrants that reached this step. */
  readonly entrants: number;
  /** entrants / the previous step's entrants; null for the first step or when that is 0. */
  readonly conversionFromPrevious: number | null;
  /** entrants / the first step's entrants; null for the first step or when that is 0. */
  readonly conversionFromFirst: number | null;
  /** Nearest-rank percentiles of ttc in ms, within 1% (relative-sketch.ts); null for step 1 or none. */
  readonly timeToConvertMs: { readonly p50: number; readonly p90: number; readonly p99: number } | null;
}

export interface FunnelReport {
  readonly name: string;
  readonly steps: readonly FunnelStepReport[];
}

export class FunnelState {
  readonly def: FunnelDef;
  private readonly shape: HistoryShape;
  private readonly matcher: StepMatcher;
  private readonly users: SequenceUsers;
  private readonly reached: Float64Array;
  /** sketches[k] holds the ttc of every entrant that reached step k (k >= 1). */
  private readonly sketches: RelativeSketch[];
  private lateEvents = 0;
  private unkeyedEvents = 0;
  private droppedEvents = 0;

  constructor(def: FunnelDef, conditions: ConditionSet) {
    this.def = def;
    const n = def.steps.length;
    this.shape = historyShape(def.stepWindowMs, def.windowMs, 0);
    this.matcher = new StepMatcher(conditions, def.steps.map((s) => s.where));
    // users.extra[slot * steps + k]: the subject's best ttc for step k (Infinity: not reached; step 0: 0).
    this.users = new SequenceUsers({
      by: def.by, maxUsers: def.maxUsers, stride: this.shape.stride, maxEntries: def.maxEventsPerUser + 1, extraPerSlot: n, extraInit: Infinity, onFree: () => {},
    });
    this.reached = new Float64Array(n);
    this.sketches = def.steps.map(() => new RelativeSketch(def.windowMs));
  }

  /** The batch's new rows; wm[r] is the watermark before row r, ts the batch's event times. */
  consume(batch: FeedBatch, ts: Float64Array, wm: Float64Array): void {
    const m = this.matcher, late = this.def.allowedLatenessMs, span = late + this.def.windowMs, W = m.words;
    m.match(batch.begin, batch.end);
    if (m.matched === 0) return;
    this.users.bind(batch);
    for (let i = 0; i < m.matched; i++) {
      const r = m.rows[i]!, t = ts[r]!, w = wm[r]!;
      if (!(t >= w - late)) {
        this.lateEvents++;
        continue;
      }
      this.users.expire(w - span);
      const slot = this.users.slotAt(r, t);
      if (slot < 0) {
        this.unkeyedEvents++;
        continue;
      }
      this.add(slot, t, batch.firstRow + r, m.masks, i * W, w - span);
    }
  }

  /** After a batch: frees the subjects the watermark has left behind. */
  finish(watermark: number): void {
    this.users.expire(watermark - this.def.allowedLatenessMs - this.def.windowMs);
  }

  report(): FunnelReport {
    const r = this.reached;
    const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
    return {
      name: this.def.name,
      steps: this.def.steps.map((s, k) => {
        const sk = this.sketches[k]!;
        return {
          name: s.name, entrants: r[k]!,
          conversionFromPrevious: k === 0 ? null : ratio(r[k]!, r[k - 1]!),
          conversionFromFirst: k === 0 ? null : ratio(r[k]!, r[0]!),
          timeToConvertMs: k === 0 || sk.count === 0 ? null : { p50: sk.quantile(50)!, p90: sk.quantile(90)!, p99: sk.quantile(99)! },
        };
      }),
    };
  }

  metrics(): SequenceMetrics {
    let sketchBytes = 0;
    for (const s of this.sketches) sketchBytes += s.byteSize;
    return {
      kind: "funnel", name: this.def.name, stateUsers: this.users.live, stateEvents: this.users.events,
      stateBytes: this.users.byteSize + sketchBytes, expiredUsers: this.users.expiredUsers, evictedUsers: this.users.evictedUsers,
      droppedEvents: this.droppedEvents, lateEvents: this.lateEvents, unkeyedEvents: this.unkeyedEvents,
    };
  }

  private add(slot: number, t: number, row: number, masks: Int32Array, maskAt: number, horizon: number): void {
    const users = this.users, sh = this.shape;
    const p = users.insert(slot, sh, t, row, masks, maskAt, horizon);
    const h = users.hist[slot]!;
    const end = propagate(h, users.count[slot]!, sh, p);
    this.improve(slot, h, p, end);
    const drop = users.overCap(slot, horizon, this.def.maxEventsPerUser);
    if (drop.to > 0) {
      this.droppedEvents += drop.to - drop.from;
      users.dropPrefix(slot, drop.to);
    }
  }

  /** Folds the recomputed entries [p, end) into the slot's best ttc per step and the aggregates. */
  private improve(slot: number, h: Float64Array, p: number, end: number): void {
    const n = this.shape.steps, s = this.shape.stride, at = this.shape.startAt;
    const best = this.users.extra, base = slot * n;
    for (let j = p; j < end; j++) {
      const o = j * s, tj = h[o]!;
      if ((h[o + MASK]! | 0) & 1 && best[base] === Infinity) {
        best[base] = 0;
        this.reached[0]!++;
      }
      for (let k = 1; k < n; k++) {
        const st = h[o + at + k]!;
        if (st === -Infinity) continue;
        const d = tj - st, old = best[base + k]!;
        if (d >= old) continue;
        if (old === Infinity) this.reached[k]!++;
        else this.sketches[k]!.remove(old);
        this.sketches[k]!.add(d);
        best[base + k] = d;
      }
    }
  }

  // Layout: counters (3 f64), reached (steps f64), sketches 1..steps-1, then the subjects in key order:
  // u8 by-column index, string value, f64 newest ts, steps f64 best ttc, u32 entries, entries * stride f64.
  /** Written in steps: a yield after the sort and every ENCODE_STEP_SUBJECTS subjects (checkpoints between requests). */
  *encodeSteps(w: ByteWriter): Generator<void, void, void> {
    const n = this.shape.steps, s = this.shape.stride, u = this.users;
    for (const v of [this.lateEvents, this.unkeyedEvents, this.droppedEvents, u.expiredUsers, u.evictedUsers]) w.f64(v);
    w.f64s(this.reached, 0, n);
    for (let k = 1; k < n; k++) this.sketches[k]!.encode(w);
    const slots = u.slotsByKey();
    yield;
    w.u32(slots.length);
    for (let i = 0; i < slots.length; i++) {
      if (i > 0 && i % ENCODE_STEP_SUBJECTS === 0) yield;
      const slot = slots[i]!;
      w.u8(u.which[slot]!);
      w.str(u.value[slot]!);
      w.f64(u.newest[slot]!);
      w.f64s(u.extra, slot * n, (slot + 1) * n);
      w.u32(u.count[slot]!);
      w.f64s(u.hist[slot] ?? new Float64Array(0), 0, u.count[slot]! * s);
    }
  }

  /** Restores what encodeSteps() wrote, into a funnel that has seen no rows. */
  decode(r: ByteReader): void {
    const n = this.shape.steps, s = this.shape.stride, u = this.users;
    [this.lateEvents, this.unkeyedEvents, this.droppedEvents, u.expiredUsers, u.evictedUsers] = [r.f64(), r.f64(), r.f64(), r.f64(), r.f64()];
    r.f64s(this.reached, 0, n);
    for (let k = 1; k < n; k++) this.sketches[k]!.decode(r);
    const count = r.count(1);
    if (count > this.def.maxUsers) throw new EngineError("data_corrupt", `funnel ${this.def.name}: ${count} users exceed max_users ${this.def.maxUsers}`);
    for (let i = 0; i < count; i++) {
      const which = r.u8();
      if (which >= this.def.by.length) r.fail(`by column index ${which}`);
      const slot = u.restore(which, r.str(), r.f64());
      r.f64s(u.extra, slot * n, (slot + 1) * n);
      const m = r.count(8 * s);
      if (m > this.def.maxEventsPerUser) r.fail(`${m} events exceed max_events_per_user ${this.def.maxEventsPerUser}`);
      r.f64s(u.reserve(slot, m), 0, m * s);
      u.count[slot] = m;
    }
  }
}
