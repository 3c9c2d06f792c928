// One journey pattern's incremental state: steps like a funnel's (A -> B ...), then the absence of an
// event matching `absent` within within_ms of the last step's event B. The semantics are stated in
// sequence-engine.ts; here, how it is kept:
//
// - Histories (sequence-history.ts) hold the events matching a step or the absent predicate (one more
//   mask bit); the chain program runs over the steps only.
// - Every retained event matching the last step is a candidate, kept per subject in (ts, row) order
//   (ts, row, event_id, copied columns) until decided. Its deadline is ts + within_ms; a timer heap
//   holds, per subject, its earliest undecided deadline (its first candidate's).
// - When the watermark minus allowed lateness passes a deadline, the candidate is decided: it fires
//   when a chain reaches the last step at it and no absent-matching event of the subject lies in
//   [B.ts, B.ts + within_ms] (other than B). No event accepted from then on can change either answer,
//   so each (subject, B) is decided once, the same way on every replay.
// - A subject expires only once all its candidates are decided (its newest event is older than the
//   watermark - lateness - max(window, within)), so expiry never loses an emission; eviction at the cap
//   does, and counts the candidates it drops.

import type { Vector } from "../column/vector.ts";
import { assert } from "../core/assert.ts";
import { EngineError } from "../core/errors.ts";
import type { FeedBatch } from "./row-feed.ts";
import { DeadlineHeap } from "./deadline-heap.ts";
import { derivedEventId } from "./derived-event-id.ts";
import { ENCODE_STEP_SUBJECTS, type ByteReader, type ByteWriter } from "./sequence-codec.ts";
import type { JourneyDef } from "./sequence-definition.ts";
import { countBefore, findEntry, historyShape, MASK, propagate, type HistoryShape } from "./sequence-history.ts";
import { ConditionSet, StepMatcher } from "./sequence-predicates.ts";
import { SequenceUsers, type SequenceMetrics } from "./sequence-users.ts";

/** A derived event as a client would send it: route it into ingest (and webhooks) as it is. */
export type DerivedEvent = Record<string, string | number | Record<string, string | number>>;

/** An emission with the keys that order it: (release, journey, subject, B's row) is a total order. */
export interface Emission {
  /** The watermark past which it was certain: deadline + allowed lateness. */
  readonly release: number;
  readonly journey: number;
  readonly which: number;
  readonly value: string;
  readonly row: number;
  readonly event: DerivedEvent;
}

export interface JourneyMetrics extends SequenceMetrics {
  /** Candidates (events matching the last step) waiting for their deadline. */
  readonly pendingCandidates: number;
  readonly emitted: number;
  /** Candidates decided without emission: an absent-matching event followed B in time. */
  readonly cancelled: number;
  /** Candidates decided without emission: no chain of the steps ends at B. */
  readonly unmatched: number;
  /** Candidates lost undecided to the caps (user eviction, events per user). */
  readonly droppedCandidates: number;
}

const NO_COPIES: readonly (string | null)[] = Object.freeze([]);

interface Candidate {
  readonly ts: number;
  readonly row: number;
  readonly eventId: string;
  readonly copies: readonly (string | null)[];
}

export class JourneyState {
  readonly def: JourneyDef;
  private readonly index: number;
  private readonly shape: HistoryShape;
  private readonly matcher: StepMatcher;
  private readonly users: SequenceUsers;
  private readonly cands: (Candidate[] | null)[] = [];
  private readonly timers = new DeadlineHeap();
  private readonly last: number;
  private eventIds: Vector | null = null;
  private copyVectors: (Vector | null)[] = [];
  private readonly out: Emission[] = [];
  private lateEvents = 0;
  private unkeyedEvents = 0;
  private droppedEvents = 0;
  private emitted = 0;
  private cancelled = 0;
  private unmatched = 0;
  private droppedCandidates = 0;

  constructor(def: JourneyDef, index: number, conditions: ConditionSet) {
    this.def = def;
    this.index = index;
    this.last = def.steps.length - 1;
    this.shape = historyShape(def.stepWindowMs, def.windowMs, 1);
    this.matcher = new StepMatcher(conditions, [...def.steps.map((s) => s.where), def.absent]);
    // users.extra[slot]: the deadline the timer heap holds for the subject (Infinity: none).
    this.users = new SequenceUsers({
      by: def.by, maxUsers: def.maxUsers, stride: this.shape.stride, maxEntries: def.maxEventsPerUser + 1, extraPerSlot: 1, extraInit: Infinity,
      onFree: (slot, evicted) => this.freed(slot, evicted),
    });
  }

  /** Subjects' state is needed this long after their newest event (plus lateness). */
  private get spanMs(): number {
    return this.def.allowedLatenessMs + Math.max(this.def.windowMs, this.def.withinMs);
  }

  consume(batch: FeedBatch, ts: Float64Array, wm: Float64Array): void {
    const m = this.matcher, late = this.def.allowedLatenessMs, span = this.spanMs, W = m.words;
    m.match(batch.begin, batch.end);
    if (m.matched === 0) return;
    this.users.bind(batch);
    this.eventIds = batch.column("event_id");
    this.copyVectors = this.def.emit.copy.map((c) => batch.column(c));
    for (let i = 0; i < m.matched; i++) {
      const r = m.rows[i]!, t = ts[r]!, w = wm[r]!;
      if (!(t >= w - late)) {
        this.lateEvents++;
        continue;
      }
      this.fire(w - late);
      this.users.expire(w - span);
      const slot = this.users.slotAt(r, t);
      if (slot < 0) {
        this.unkeyedEvents++;
        continue;
      }
      this.add(slot, t, batch.firstRow + r, r, m.masks, i * W, w - span);
    }
    this.eventIds = null;
    this.copyVectors = [];
  }

  /** After a batch: decides what the watermark has passed, frees expired subjects, hands over emissions. */
  finish(watermark: number, into: Emission[]): void {
    this.fire(watermark - this.def.allowedLatenessMs);
    this.users.expire(watermark - this.spanMs);
    for (const e of this.out) into.push(e);
    this.out.length = 0;
  }

  metrics(): JourneyMetrics {
    let pending = 0;
    for (const c of this.cands) pending += c?.length ?? 0;
    return {
      kind: "journey", name: this.def.name, stateUsers: this.users.live, stateEvents: this.users.events,
      stateBytes: this.users.byteSize + this.timers.byteSize + pending * (120 + 16 * this.def.emit.copy.length),
      expiredUsers: this.users.expiredUsers, evictedUsers: this.users.evictedUsers, droppedEvents: this.droppedEvents,
      lateEvents: this.lateEvents, unkeyedEvents: this.unkeyedEvents, pendingCandidates: pending, emitted: this.emitted,
      cancelled: this.cancelled, unmatched: this.unmatched, droppedCandidates: this.droppedCandidates,
    };
  }

  private add(slot: number, t: number, row: number, r: number, masks: Int32Array, maskAt: number, horizon: number): void {
    const users = this.users, sh = this.shape;
    const p = users.insert(slot, sh, t, row, masks, maskAt, horizon);
    propagate(users.hist[slot]!, users.count[slot]!, sh, p);
    if (masks[maskAt + (this.last >>> 5)]! & (1 << (this.last & 31))) {
      const list = (this.cands[slot] ??= []);
      // After every candidate of equal or earlier ts (the row is the newest): at the end unless late.
      const c: Candidate = { ts: t, row, eventId: this.eventIdAt(r, row), copies: this.copiesAt(r) };
      let at = list.length;
      while (at > 0 && list[at - 1]!.ts > t) at--;
      if (at === list.length) list.push(c);
      else list.splice(at, 0, c);
      this.schedule(slot, t + this.def.withinMs);
    }
    const drop = users.overCap(slot, horizon, this.def.maxEventsPerUser);
    if (drop.to > 0) {
      const h = users.hist[slot]!, s = sh.stride, word = MASK + (this.last >>> 5), bit = 1 << (this.last & 31);
      for (let i = drop.from; i < drop.to; i++) if (((h[i * s + word]! | 0) & bit) !== 0) this.dropCandidate(slot, h[i * s]!, h[i * s + 1]!);
      this.droppedEvents += drop.to - drop.from;
      users.dropPrefix(slot, drop.to);
    }
  }

  private schedule(slot: number, deadline: number): void {
    const x = this.users.extra;
    if (deadline >= x[slot]!) return;
    x[slot] = deadline;
    this.timers.push(deadline, slot, this.users.gen[slot]!);
  }

  /** Decides every candidate whose deadline is before `threshold` (watermark - lateness). */
  private fire(threshold: number): void {
    const timers = this.timers, users = this.users;
    while (timers.top < threshold) {
      const d = timers.top, slot = timers.topSlot, gen = timers.topGen;
      timers.pop();
      if (users.gen[slot] !== gen || users.extra[slot] !== d) continue;
      // Candidates are in deadline order: decide the due prefix.
      const list = this.cands[slot]!;
      let due = 0;
      while (due < list.length && list[due]!.ts + this.def.withinMs < threshold) this.decide(slot, list[due++]!);
      if (due > 0) list.splice(0, due);
      users.extra[slot] = Infinity;
      if (list.length > 0) this.schedule(slot, list[0]!.ts + this.def.withinMs);
    }
  }

  private decide(slot: number, c: Candidate): void {
    const u = this.users, sh = this.shape, h = u.hist[slot]!, m = u.count[slot]!, s = sh.stride;
    const j = findEntry(h, m, s, c.ts, c.row);
    assert(j >= 0, "an undecided candidate is retained");
    if (h[j * s + sh.startAt + this.last] === -Infinity) {
      this.unmatched++;
      return;
    }
    const absentWord = MASK + ((this.last + 1) >>> 5), absentBit = 1 << ((this.last + 1) & 31), until = c.ts + this.def.withinMs;
    for (let i = countBefore(h, m, s, c.ts); i < m && h[i * s]! <= until; i++) {
      if (i !== j && ((h[i * s + absentWord]! | 0) & absentBit) !== 0) {
        this.cancelled++;
        return;
      }
    }
    this.emitted++;
    this.out.push({ release: until + this.def.allowedLatenessMs, journey: this.index, which: u.which[slot]!, value: u.value[slot]!, row: c.row, event: this.derived(slot, c) });
  }

  private derived(slot: number, c: Candidate): DerivedEvent {
    const u = this.users, e = this.def.emit, column = this.def.by[u.which[slot]!]!, value = u.value[slot]!;
    const event: DerivedEvent = { event_id: derivedEventId(this.def.name, column, value, c.eventId), type: e.type, ts: c.ts + this.def.withinMs };
    event[column] = value;
    for (const k in e.fields) event[k] = e.fields[k]!;
    for (let i = 0; i < e.copy.length; i++) if (c.copies[i] != null) event[e.copy[i]!] = c.copies[i]!;
    event.props = { journey: this.def.name, trigger_event_id: c.eventId, trigger_ts: c.ts };
    return event;
  }

  private dropCandidate(slot: number, ts: number, row: number): void {
    const list = this.cands[slot];
    const i = list?.findIndex((c) => c.ts === ts && c.row === row) ?? -1;
    if (i < 0) return;
    list!.splice(i, 1);
    this.droppedCandidates++;
  }

  private freed(slot: number, evicted: boolean): void {
    const n = this.cands[slot]?.length ?? 0;
    assert(evicted || n === 0, "an expiring subject has no undecided candidate");
    this.droppedCandidates += n;
    this.cands[slot] = null;
  }

  private copiesAt(r: number): readonly (string | null)[] {
    const vs = this.copyVectors;
    if (vs.length === 0) return NO_COPIES;
    const out = new Array<string | null>(vs.length);
    for (let i = 0; i < vs.length; i++) out[i] = stringAt(vs[i]!, r);
    return out;
  }

  private eventIdAt(r: number, row: number): string {
    const v = this.eventIds;
    if (v?.strings) return v.strings(r);
    return stringAt(v, r) ?? `row:${row}`;
  }

  // Layout: counters (8 f64), then the subjects in key order: u8 by-column index, string value, f64
  // newest ts, u32 entries, entries * stride f64, u32 candidates, per candidate f64 ts, f64 row,
  // string event_id, per copied column u8 present + string.
  /** Written in steps: a yield after the sort and every ENCODE_STEP_SUBJECTS subjects (checkpoints between requests). */
  *encodeSteps(w: ByteWriter): Generator<void, void, void> {
    const s = this.shape.stride, u = this.users;
    for (const v of this.counters()) w.f64(v);
    const slots = u.slotsByKey();
    yield;
    w.u32(slots.length);
    for (let i = 0; i < slots.length; i++) {
      if (i > 0 && i % ENCODE_STEP_SUBJECTS === 0) yield;
      const slot = slots[i]!;
      w.u8(u.which[slot]!);
      w.str(u.value[slot]!);
      w.f64(u.newest[slot]!);
      w.u32(u.count[slot]!);
      w.f64s(u.hist[slot] ?? new Float64Array(0), 0, u.count[slot]! * s);
      const list = this.cands[slot] ?? [];
      w.u32(list.length);
      for (const c of list) {
        w.f64(c.ts);
        w.f64(c.row);
        w.str(c.eventId);
        for (const v of c.copies) {
          w.u8(v === null ? 0 : 1);
          if (v !== null) w.str(v);
        }
      }
    }
  }

  /** Restores what encodeSteps() wrote, into a journey that has seen no rows. */
  decode(r: ByteReader): void {
    const s = this.shape.stride, u = this.users;
    const v = this.counters().map(() => r.f64());
    [this.lateEvents, this.unkeyedEvents, this.droppedEvents, u.expiredUsers, u.evictedUsers, this.emitted, this.cancelled,
      this.unmatched, this.droppedCandidates] = v as [number, number, number, number, number, number, number, number, number];
    const count = r.count(1);
    if (count > this.def.maxUsers) throw new EngineError("data_corrupt", `journey ${this.def.name}: ${count} users exceed max_users ${this.def.maxUsers}`);
    for (let i = 0; i < count; i++) {
      const which = r.u8();
      if (which >= this.def.by.length) r.fail(`by column index ${which}`);
      const slot = u.restore(which, r.str(), r.f64());
      const m = r.count(8 * s);
      if (m > this.def.maxEventsPerUser) r.fail(`${m} events exceed max_events_per_user ${this.def.maxEventsPerUser}`);
      r.f64s(u.reserve(slot, m), 0, m * s);
      u.count[slot] = m;
      const list: Candidate[] = [];
      for (let n = r.count(20); n > 0; n--) {
        const ts = r.f64(), row = r.f64(), eventId = r.str();
        const copies = this.def.emit.copy.map(() => (r.u8() === 0 ? null : r.str()));
        if (findEntry(u.hist[slot]!, m, s, ts, row) < 0) r.fail(`candidate (${ts}, ${row}) is not in its history`);
        list.push({ ts, row, eventId, copies });
        this.schedule(slot, ts + this.def.withinMs);
      }
      this.cands[slot] = list.sort((a, b) => a.ts - b.ts || a.row - b.row);
    }
  }

  private counters(): number[] {
    const u = this.users;
    return [this.lateEvents, this.unkeyedEvents, this.droppedEvents, u.expiredUsers, u.evictedUsers, this.emitted, this.cancelled,
      this.unmatched, this.droppedCandidates];
  }
}

function stringAt(v: Vector | null, r: number): string | null {
  if (v === null) return null;
  if (v.validity !== null && ((v.validity[r >>> 3]! >>> (r & 7)) & 1) === 0) return null;
  if (v.strings) return v.strings(r);
  return v.codes !== null && v.dict !== null ? v.dict.get(v.codes[r]!) : null;
}
