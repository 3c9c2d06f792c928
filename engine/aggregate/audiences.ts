// Audiences: named sets of users defined by rules over their events, kept materialized as bitmaps and
// up to date as events arrive; plus ad-hoc set algebra over audiences and index atoms. The routes
// (POST /v1/audiences, GET /v1/audiences/<name>, the set-algebra endpoint) call this class; it is a
// RowConsumer of the `events` table.
//
// Maintenance. A batch whose rows do not move the current day (atom-index.ts) can change membership
// only for the users in it, so each audience is updated over that scope (audience-eval.ts): cost per
// batch follows the batch, not the audience. A batch that moves the current day shifts every
// "within N days" window, so windows are rebuilt and every audience is re-evaluated in full: once
// per new day (plus once per definition).
//
// Everything here is a pure function of the rows fed, in order, and the definitions: replaying the
// log after restoring a checkpoint (encode/decode, audience-codec.ts) gives the same state.

import { EngineError } from "../core/errors.ts";
import { AtomIndex, DAY_MS, NO_DAY, type Window } from "./atom-index.ts";
import { evaluate, type EvalContext } from "./audience-eval.ts";
import { extractRows, newRowCounters, RowScratch, type RowCounters } from "./audience-rows.ts";
import { leavesOf, parseDefinition, ruleToJson, type AudienceDefinition, type Leaf } from "./audience-rules.ts";
import { decodeState, encodeState, encodeStateSteps } from "./audience-codec.ts";
import { Bitmap } from "./bitmaps.ts";
import type { FeedBatch, RowConsumer } from "./row-feed.ts";
import { countSet, operand, parseSetExpr, type SetContext, type SetExpr } from "./set-expression.ts";
import { UserIds, type UserIdsOptions } from "./user-ids.ts";

export const RETENTION_DAYS_DEFAULT = 90;
/** Audiences defined at once: each costs its bitmap plus its share of re-evaluation per batch. */
export const AUDIENCES_MAX_DEFAULT = 1000;
export const SAMPLE_SIZE_DEFAULT = 100;
/** Most ids one set-algebra answer or get() sample may list (exports stream instead). */
export const IDS_LIMIT_MAX = 100_000;

export interface AudiencesOptions {
  /** Days of per-day bitmaps kept, the current day included (default 90). */
  readonly retentionDays?: number;
  /** The table fed; batches of other tables are ignored (default "events"). */
  readonly table?: string;
  readonly audiencesMax?: number;
  readonly userIds?: UserIdsOptions;
}

export interface AudienceSummary {
  readonly name: string;
  /** The rule in canonical JSON. */
  readonly rule: unknown;
  readonly size: number;
}

export interface AudienceView extends AudienceSummary {
  /** The first `sample` members by id (ids are in order of first sight: a stable, not random, sample). */
  readonly sample: string[];
}

export interface SetAlgebraResult {
  readonly count: number;
  /** The first members by id, when asked for. */
  readonly ids?: string[];
}

export interface AudienceStats extends RowCounters {
  /** Rows older than the retention horizon when they arrived. */
  readonly expired: number;
  readonly users: number;
  readonly atoms: number;
  readonly dayBitmaps: number;
  readonly bitmaps: number;
  /** Bytes of the typed arrays of all bitmaps (spare capacity included) and of the user ids. */
  readonly bitmapBytes: number;
  readonly userIdBytes: number;
  /** "YYYY-MM-DD" of the newest event day seen, or null before the first row. */
  readonly currentDay: string | null;
  readonly audiences: number;
}

/** One materialized audience. */
export interface Materialized {
  readonly def: AudienceDefinition;
  members: Bitmap;
  readonly windows: Window[];
}

/** Everything encode() saves (see audience-codec.ts). */
export interface AudienceState {
  readonly users: UserIds;
  readonly index: AtomIndex;
  readonly audiences: Map<string, Materialized>;
  readonly counters: RowCounters & { expired: number };
}

export class Audiences implements RowConsumer {
  readonly table: string;
  private readonly users: UserIds;
  private readonly index: AtomIndex;
  private readonly audiences: Map<string, Materialized>;
  private readonly counters: RowCounters & { expired: number };
  private readonly audiencesMax: number;
  private readonly scratch = new RowScratch();
  private readonly empty: Bitmap;
  private readonly evalContext: EvalContext;
  private readonly setContext: SetContext;

  /** An empty instance, or one over decoded state. */
  constructor(options: AudiencesOptions = {}, state?: AudienceState) {
    const retentionDays = options.retentionDays ?? RETENTION_DAYS_DEFAULT;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new EngineError("bad_config", `audience retention must be a whole number of days >= 1, got ${retentionDays}`);
    this.table = options.table ?? "events";
    this.audiencesMax = options.audiencesMax ?? AUDIENCES_MAX_DEFAULT;
    this.users = state?.users ?? new UserIds(options.userIds);
    this.index = state?.index ?? new AtomIndex(retentionDays);
    this.audiences = state?.audiences ?? new Map();
    this.counters = state?.counters ?? { ...newRowCounters(), expired: 0 };
    this.empty = Bitmap.empty();
    this.evalContext = { leafSet: (leaf) => this.leafSet(leaf), universe: () => Bitmap.range(0, this.users.size) };
    this.setContext = { audience: (name) => this.audiences.get(name)?.members, atom: (e) => this.atomOperand(e) };
  }

  get retentionDays(): number {
    return this.index.retentionDays;
  }

  /** "YYYY-MM-DD" of the newest event day seen (the end of every window), or null before the first row. */
  get currentDay(): string | null {
    const day = this.index.currentDay;
    return day === NO_DAY ? null : new Date(day * DAY_MS).toISOString().slice(0, 10);
  }

  consume(batch: FeedBatch): void {
    if (batch.table !== this.table) return;
    const s = this.scratch;
    const n = extractRows(batch, this.users, this.index, s, this.counters);
    if (n === 0) return;
    const { rolledOver, expired } = this.index.ingest(n, s.users, s.days, s.types, s.campaigns, s.categories);
    this.counters.expired += expired;
    if (this.audiences.size === 0) return;
    if (rolledOver) {
      for (const a of this.audiences.values()) this.recompute(a);
      return;
    }
    const touched = Bitmap.of(s.users, 0, n);
    for (const a of this.audiences.values()) this.update(a, touched);
  }

  /**
   * members := (members AND NOT touched) OR eval(rule, touched), applied as a delta: the users who
   * left and joined (both within the batch) are removed and added in bulk: only the members'
   * containers that change are touched, however large the audience.
   */
  private update(a: Materialized, touched: Bitmap): void {
    const fresh = evaluate(a.def.rule, touched, this.evalContext);
    const before = Bitmap.and(a.members, touched);
    const left = Bitmap.andNot(before, fresh), joined = Bitmap.andNot(fresh, before);
    if (!left.isEmpty) a.members.removeMany(left.toUint32Array());
    if (!joined.isEmpty) a.members.addMany(joined.toUint32Array());
  }

  /** Defines (or redefines) an audience from its JSON definition and computes its members now. */
  define(input: unknown): AudienceSummary {
    const def = parseDefinition(input, this.index.retentionDays);
    const old = this.audiences.get(def.name);
    if (old === undefined && this.audiences.size >= this.audiencesMax) {
      throw new EngineError("bad_argument", `definition.name: ${this.audiences.size} audiences are defined, the most allowed is ${this.audiencesMax}`, { field: "definition.name" });
    }
    // Acquire the new windows before releasing the old ones, so windows both share are not rebuilt.
    const windows = leavesOf(def.rule).filter((l) => l.withinDays !== null).map((l) => this.index.acquireWindow(l.atom, l.withinDays!));
    const a: Materialized = { def, members: evaluate(def.rule, null, this.evalContext), windows };
    if (old !== undefined) this.release(old);
    this.audiences.set(def.name, a);
    return this.summary(a);
  }

  /** Drops an audience (and the windows only it used); false when there was none of that name. */
  remove(name: string): boolean {
    const a = this.audiences.get(name);
    if (a === undefined) return false;
    this.audiences.delete(name);
    this.release(a);
    return true;
  }

  /** Names of the audiences `userKey` (user_id, else anonymous_id) belongs to now, in order of definition. */
  membership(userKey: string): string[] {
    const id = this.users.find(userKey);
    if (id < 0) return [];
    const out: string[] = [];
    for (const [name, a] of this.audiences) if (a.members.has(id)) out.push(name);
    return out;
  }

  /** Every audience, in order of definition. */
  list(): AudienceSummary[] {
    return [...this.audiences.values()].map((a) => this.summary(a));
  }

  /** Size and a sample of the members' user keys; undefined when there is no audience of that name. */
  get(name: string, sample = SAMPLE_SIZE_DEFAULT): AudienceView | undefined {
    const a = this.audiences.get(name);
    if (a === undefined) return undefined;
    return { ...this.summary(a), sample: this.keys(a.members.toUint32Array(clampIds(sample, "sample"))) };
  }

  /**
   * Every member's user key, in chunks of up to `chunk`, from a snapshot taken at the first next():
   * rows consumed while the export runs do not change it.
   */
  exportIds(name: string, chunk = 10_000): Generator<string[]> {
    const a = this.audiences.get(name);
    if (a === undefined) throw new EngineError("not_found", `no audience named "${name}"`, { audience: name });
    if (chunk < 1) throw new EngineError("bad_argument", `chunk: must be at least 1, got ${chunk}`, { field: "chunk" });
    return this.exportChunks(a, clampIds(chunk, "chunk"));
  }

  /** Evaluates a set expression (set-expression.ts) to a count, and the first `ids` members when asked. */
  setAlgebra(input: unknown, options: { ids?: number } = {}): SetAlgebraResult {
    const limit = options.ids === undefined ? 0 : clampIds(options.ids, "ids");
    if (limit === 0) return { count: countSet(parseSetExpr(input), this.setContext) };
    return this.withSet(input, (set) => ({ count: set.size, ids: this.keys(set.toUint32Array(limit)) }));
  }

  /**
   * Lends `f` the set a set expression denotes (e.g. to stream an ad-hoc export). The bitmap may be
   * the index's own: valid only during the call, and must not be modified.
   */
  withSet<T>(input: unknown, f: (set: Bitmap) => T): T {
    return f(operand(parseSetExpr(input), this.setContext));
  }

  /** The user key of a dense id (ids from withSet); 0 <= id < stats().users. */
  userKey(id: number): string {
    return this.users.key(id);
  }

  stats(): AudienceStats {
    const b = this.index.bitmapStats();
    let bytes = b.bytes, bitmaps = b.bitmaps;
    for (const a of this.audiences.values()) (bitmaps++, (bytes += a.members.byteSize));
    return {
      ...this.counters, users: this.users.size, atoms: this.index.atoms.length, dayBitmaps: b.dayBitmaps, bitmaps,
      bitmapBytes: bytes, userIdBytes: this.users.byteSize, audiences: this.audiences.size, currentDay: this.currentDay,
    };
  }

  /** encode() in steps: a checkpoint holds the feed (and definitions) while they run. */
  encodeGradually(): Generator<void, Uint8Array, void> {
    return encodeStateSteps({ users: this.users, index: this.index, audiences: this.audiences, counters: this.counters });
  }

  /** The whole state as one byte string (audience-codec.ts), for checkpoints. */
  encode(): Uint8Array {
    return encodeState({ users: this.users, index: this.index, audiences: this.audiences, counters: this.counters });
  }

  /**
   * Rebuilds an instance from encode() bytes. The stored retention is kept unless options.retentionDays differs: then days outside it are dropped and
   * members re-evaluated. Fails with data_corrupt on bad bytes, bad_config on a rule the new
   * retention cannot hold.
   */
  static decode(bytes: Uint8Array, options: AudiencesOptions = {}): Audiences {
    const { state, stale } = decodeState(bytes, options);
    const a = new Audiences({ ...options, retentionDays: state.index.retentionDays }, state);
    if (stale) for (const m of a.audiences.values()) a.recompute(m);
    return a;
  }

  private *exportChunks(a: Materialized, chunk: number): Generator<string[]> {
    const snapshot = a.members.clone();
    for (let from = 0; ; ) {
      const ids = snapshot.toUint32Array(chunk, from);
      if (ids.length === 0) return;
      yield this.keys(ids);
      from = ids[ids.length - 1]! + 1;
    }
  }

  private recompute(a: Materialized): void {
    a.members = evaluate(a.def.rule, null, this.evalContext);
  }

  private release(a: Materialized): void {
    for (const w of a.windows) this.index.releaseWindow(w);
  }

  private leafSet(leaf: Leaf): Bitmap {
    const atom = this.index.atomFor(leaf.atom);
    if (atom === undefined) return this.empty;
    if (leaf.withinDays === null) return this.index.allOf(atom);
    return this.index.findWindow(leaf.atom, leaf.withinDays)!.bitmap;
  }

  private atomOperand(e: Extract<SetExpr, { kind: "atom" }>): Bitmap {
    const atom = this.index.atomFor(e.atom);
    if (atom === undefined) return this.empty;
    let from = e.from ?? NO_DAY, to = e.to ?? 0x7fff_ffff;
    if (e.withinDays !== null) {
      const w = this.index.findWindow(e.atom, e.withinDays);
      if (w !== undefined) return w.bitmap;
      (from = this.index.currentDay - e.withinDays + 1), (to = this.index.currentDay);
    } else if (e.from === null && e.to === null) {
      return this.index.allOf(atom);
    }
    const days = this.index.dayBitmapsOf(atom, from, to);
    return days.length === 1 ? days[0]! : Bitmap.orMany(days);
  }

  private summary(a: Materialized): AudienceSummary {
    return { name: a.def.name, rule: ruleToJson(a.def.rule), size: a.members.size };
  }

  private keys(ids: Uint32Array): string[] {
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.users.key(ids[i]!);
    return out;
  }
}

function clampIds(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 0 || n > IDS_LIMIT_MAX) {
    throw new EngineError("bad_argument", `${field}: must be a whole number from 0 to ${IDS_LIMIT_MAX}, got ${n}`, { field });
  }
  return n;
}
