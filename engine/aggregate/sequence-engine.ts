// Funnels and journey patterns over the event stream (complex event processing), maintained
// incrementally from the row feed and exact under late and out-of-order events. This file owns the
// watermark, the per-batch work shared by all definitions, emission order and checkpoints; the
// per-definition state is funnel-state.ts and journey-state.ts.
//
// SEMANTICS (test/unit/engine/aggregate/sequence-oracle.ts implements this text independently):
//
// 1. Arrival. Rows are seen in table row order. The watermark before a row is the greatest ts of all
//    earlier rows of the table (-Infinity before the first). For a definition with allowed lateness L,
//    a row is accepted when ts >= watermark - L; a later row is ignored by that definition (counted
//    as lateEvents). Unaccepted rows still move the watermark.
// 2. Subjects. A row's subject is its value in the first `by` column that has one (default user_id,
//    then anonymous_id); rows with none are ignored (unkeyedEvents). A definition keeps, per subject,
//    the accepted rows that match any of its step predicates (journeys: or the absent predicate).
// 3. Entrants. A subject's kept rows are split into entrants: an accepted matching row starts a new
//    entrant when the subject's newest kept ts is below watermark - L - H (H = window_ms for funnels,
//    max(window_ms, within_ms) for journeys) with the watermark taken before that row. Such a subject
//    has nothing a future accepted row could chain with, so its state is freed (expiredUsers). A
//    subject coming back later is a new entrant: funnels count entrants, not distinct people forever.
// 4. Chains. Order an entrant's rows by (ts, row). A chain reaching step k is e0 < e1 < ... < ek, with
//    ej matching step j, ej.ts - e(j-1).ts <= the step window of step j and ek.ts - e0.ts <= window_ms.
// 5. Funnels. For each step k: entrants(k) = the number of entrants with a chain reaching step k (so
//    an entrant counts once per step, at its furthest step and every step before it); conversion rates
//    are entrants(k) / entrants(k-1) and entrants(k) / entrants(0); ttc(k) of an entrant is the least
//    ek.ts - e0.ts over its chains reaching step k (the fastest conversion), and the report gives the
//    nearest-rank p50/p90/p99 of ttc(k) over entrants, each within 1% relative (relative-sketch.ts).
//    Counts cover every entrant since the state began (checkpoints carry them on).
// 6. Journeys. A candidate is an accepted row B matching the last step. Its deadline is B.ts +
//    within_ms. It is decided once watermark - L > deadline (no row accepted from then on can change
//    the answer; the engine decides at the next row it processes or at the end of the batch): it emits
//    one derived event when some chain reaching the last step ends at B and no row of the subject
//    matching `absent` has ts in [B.ts, B.ts + within_ms], B itself excepted. The derived event has
//    ts = the deadline, event_id = a hash of (journey, by column, subject, B's event_id) and the
//    subject's by column, the emit type and fields, copied columns of B, and props {journey,
//    trigger_event_id, trigger_ts}. Undecided candidates wait for the watermark.
// 7. Emission order. All emissions, over all batches, come out sorted by (release, journey position,
//    by column, subject, B's row), where release = deadline + L is the watermark that makes the
//    decision certain: a candidate still undecided after a batch has a release beyond the watermark,
//    so it cannot sort before anything already emitted.
// 8. Caps. max_users: admitting a subject when that many are live evicts the one whose newest ts is
//    oldest (ties by subject), counted in evictedUsers; max_events_per_user: when, after a new row was
//    evaluated, its subject keeps more than that many rows a future row could still use (ts >=
//    watermark - L - H, watermark before the new row), the oldest ceil(max / 8) of those are dropped,
//    counted in droppedEvents (journeys: a dropped undecided candidate counts in droppedCandidates).
//    Results are exact while both counters are 0.
//
// Everything depends only on the rows and their order, never on how they are split into batches.

import { assert } from "../core/assert.ts";
import { DEFAULT_TABLE } from "../core/event-schema.ts";
import { EngineError } from "../core/errors.ts";
import type { FeedBatch, RowConsumer } from "./row-feed.ts";
import { FunnelState, type FunnelReport } from "./funnel-state.ts";
import { JourneyState, type DerivedEvent, type Emission, type JourneyMetrics } from "./journey-state.ts";
import { encodeAtOnce } from "./derived-state.ts";
import { ByteReader, ByteWriter } from "./sequence-codec.ts";
import type { FunnelDef, JourneyDef } from "./sequence-definition.ts";
import { ConditionSet } from "./sequence-predicates.ts";
import type { SequenceMetrics } from "./sequence-users.ts";

export type { DerivedEvent, JourneyMetrics } from "./journey-state.ts";
export type { FunnelReport, FunnelStepReport } from "./funnel-state.ts";
export type { SequenceMetrics } from "./sequence-users.ts";

export interface SequenceEngineOptions {
  /** The table whose rows are considered; default `events`. */
  readonly table?: string;
  /** Receives each batch's derived events in order; without it they queue for drainEmitted(). */
  readonly onEmit?: (events: readonly DerivedEvent[]) => void;
}

export interface SequenceEngineMetrics {
  readonly stateUsers: number;
  readonly stateBytes: number;
  readonly watermarkMs: number;
  readonly definitions: readonly (SequenceMetrics | JourneyMetrics)[];
}

export interface RestoreResult {
  /** Definitions whose state came back. */
  readonly restored: readonly string[];
  /** Checkpointed definitions that no longer exist or changed: their state was dropped. */
  readonly discarded: readonly string[];
  /** Definitions absent from the checkpoint: they start empty. */
  readonly fresh: readonly string[];
}

const MAGIC = 0x51455343; // "CSEQ" little-endian
const VERSION = 1;
const KIND_FUNNEL = 1;
const KIND_JOURNEY = 2;

export class SequenceEngine implements RowConsumer {
  private readonly table: string;
  private readonly onEmit: ((events: readonly DerivedEvent[]) => void) | undefined;
  private readonly conditions = new ConditionSet();
  private readonly funnels: FunnelState[] = [];
  private readonly journeys: JourneyState[] = [];
  private watermark = -Infinity;
  private rowEnd = 0;
  private wm = new Float64Array(0);
  private queue: DerivedEvent[] = [];

  constructor(definitions: readonly (FunnelDef | JourneyDef)[], options: SequenceEngineOptions = {}) {
    this.table = options.table ?? DEFAULT_TABLE;
    this.onEmit = options.onEmit;
    const names = new Set<string>();
    for (const d of definitions) {
      if (names.has(d.name)) throw new EngineError("bad_config", `two funnels or journeys are named "${d.name}"`);
      names.add(d.name);
      if (d.kind === "funnel") this.funnels.push(new FunnelState(d, this.conditions));
      else this.journeys.push(new JourneyState(d, this.journeys.length, this.conditions));
    }
  }

  /** The greatest event time seen so far (-Infinity before any row). */
  get watermarkMs(): number {
    return this.watermark;
  }

  /** Table row index after the last row consumed: where a restored engine resumes its feed. */
  get nextRow(): number {
    return this.rowEnd;
  }

  /** The columns consume() reads: a feed may scan only these. */
  columns(): string[] {
    const cols = new Set(["ts", ...this.conditions.columns()]);
    for (const d of [...this.funnels, ...this.journeys]) for (const c of d.def.by) cols.add(c);
    for (const j of this.journeys) for (const c of ["event_id", ...j.def.emit.copy]) cols.add(c);
    return [...cols];
  }

  consume(batch: FeedBatch): void {
    if (batch.table !== this.table || batch.end <= batch.begin) return;
    const tsVector = batch.column("ts");
    if (tsVector === null || tsVector.f64 === null) return;
    const ts = tsVector.f64;
    if (this.wm.length < batch.end) this.wm = new Float64Array(Math.max(batch.end, this.wm.length * 2));
    const wm = this.wm;
    let w = this.watermark;
    for (let r = batch.begin; r < batch.end; r++) {
      wm[r] = w;
      const t = ts[r]!;
      if (t > w) w = t;
    }
    this.conditions.evaluate(batch);
    for (const f of this.funnels) f.consume(batch, ts, wm);
    for (const j of this.journeys) j.consume(batch, ts, wm);
    this.watermark = w;
    this.rowEnd = batch.firstRow + batch.end;
    for (const f of this.funnels) f.finish(w);
    const emissions: Emission[] = [];
    for (const j of this.journeys) j.finish(w, emissions);
    if (emissions.length > 0) this.deliver(emissions);
  }

  funnelReport(name: string): FunnelReport | undefined {
    return this.funnels.find((f) => f.def.name === name)?.report();
  }

  funnelReports(): FunnelReport[] {
    return this.funnels.map((f) => f.report());
  }

  /** Derived events queued since the last call (only when no onEmit callback was given). */
  drainEmitted(): DerivedEvent[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  metrics(): SequenceEngineMetrics {
    const definitions = [...this.funnels.map((f) => f.metrics()), ...this.journeys.map((j) => j.metrics())];
    let stateUsers = 0, stateBytes = this.wm.byteLength;
    for (const d of definitions) {
      stateUsers += d.stateUsers;
      stateBytes += d.stateBytes;
    }
    return { stateUsers, stateBytes, watermarkMs: this.watermark, definitions };
  }

  private deliver(emissions: Emission[]): void {
    emissions.sort((a, b) => a.release - b.release || a.journey - b.journey || a.which - b.which ||
      (a.value < b.value ? -1 : a.value > b.value ? 1 : a.row - b.row));
    const events = emissions.map((e) => e.event);
    if (this.onEmit) this.onEmit(events);
    else for (const e of events) this.queue.push(e);
  }

  // Checkpoint layout (little-endian):
  //   u32 magic "CSEQ" | u32 version | f64 watermark | f64 nextRow | u32 definitions
  //   per definition: u8 kind (1 funnel, 2 journey) | string name | string canonical definition |
  //                   u32 bytes | the state (FunnelState.encodeSteps / JourneyState.encodeSteps)
  // Strings are u32 length + UTF-8. Subjects are keyed by their value, never by a dictionary code.
  encode(): Uint8Array {
    return encodeAtOnce(this.encodeSteps());
  }

  /** encode() in steps: between definitions and within each (FunnelState/JourneyState.encodeSteps). */
  *encodeSteps(): Generator<void, Uint8Array, void> {
    const w = new ByteWriter();
    w.u32(MAGIC);
    w.u32(VERSION);
    w.f64(this.watermark);
    w.f64(this.rowEnd);
    const all = [...this.funnels, ...this.journeys];
    w.u32(all.length);
    for (const d of all) {
      w.u8(d.def.kind === "funnel" ? KIND_FUNNEL : KIND_JOURNEY);
      w.str(d.def.name);
      w.str(d.def.canonical);
      const inner = new ByteWriter();
      yield* d.encodeSteps(inner);
      w.u32(inner.length);
      w.bytes(inner.finish());
    }
    return w.finish();
  }

  /** Loads a checkpoint into an engine that has consumed nothing yet; see RestoreResult. */
  restore(bytes: Uint8Array): RestoreResult {
    assert(this.rowEnd === 0 && this.watermark === -Infinity, "restore into a fresh engine");
    const r = new ByteReader(bytes);
    if (r.u32() !== MAGIC) r.fail("not a sequence checkpoint (bad magic)");
    const version = r.u32();
    if (version !== VERSION) r.fail(`version ${version}, expected ${VERSION}`);
    const watermark = r.f64(), rowEnd = r.f64();
    const restored: string[] = [], discarded: string[] = [];
    for (let n = r.count(13); n > 0; n--) {
      const kind = r.u8(), name = r.str(), canonical = r.str(), body = r.bytes(r.u32());
      const d = kind === KIND_FUNNEL ? this.funnels.find((f) => f.def.name === name) : this.journeys.find((j) => j.def.name === name);
      if (d === undefined || d.def.canonical !== canonical) {
        discarded.push(name);
        continue;
      }
      const inner = new ByteReader(body);
      d.decode(inner);
      if (!inner.done) inner.fail(`${name}: trailing bytes`);
      restored.push(name);
    }
    if (!r.done) r.fail("trailing bytes");
    this.watermark = watermark;
    this.rowEnd = rowEnd;
    const fresh = [...this.funnels, ...this.journeys].map((d) => d.def.name).filter((x) => !restored.includes(x));
    return { restored, discarded, fresh };
  }
}
