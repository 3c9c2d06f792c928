// Continuous rollups: per time bucket and dimension value, the additive measures of the events (count,
// page views, clicks, impressions, conversions, revenue, cost, late arrivals) and a HyperLogLog of
// their users, maintained as each row is stored; queries read cells, never raw events.
//
// Two levels per dimension set, split at the `horizon` (whole hours, behind the newest event time by
// fineRetentionMs): fine cells (granularityMs buckets) at and after it, hour cells before it. When
// the horizon moves, the fine cells it passes are merged into hour cells (sketches merge losslessly,
// so an hour's UV is the sketch of the hour's users, never a sum of minutes). An event is counted in
// exactly one cell per set: the fine cell of its bucket, or the hour cell when its time is before
// the horizon. Late events (older than the newest event time by more than lateAfterMs) update the
// cell they belong to and are counted as late; none is dropped until its hour passes coarse retention.
//
// Everything follows from event times in row order, so replaying the log rebuilds the same cells.

import type { DerivedComponent } from "./derived-state.ts";
import { CodeHashes } from "./hash.ts";
import { CellTable, MEASURE_INDEX } from "./rollup-cells.ts";
import type { RollupConfig } from "./rollup-config.ts";
import { decodeRollups, encodeRollups, encodeRollupsSteps } from "./rollup-codec.ts";
import { FineHourCache } from "./rollup-hours.ts";
import type { FeedBatch } from "./row-feed.ts";
import { ValueIds } from "./value-ids.ts";

export { HOUR_MS } from "./rollup-hours.ts";
import { HOUR_MS } from "./rollup-hours.ts";

const PV = 1, CLICK = 2, IMPRESSION = 4, CONVERSION = 8;
/** Consumes remembered by changedSince (an answer older than this many batches is recomputed whole). */
const CHANGE_LOG = 64;

export interface RollupSet {
  readonly dims: readonly string[];
  fine: CellTable;
  coarse: CellTable;
}

export interface RollupCounters {
  events: number;
  late: number;
  /** Hour cells dropped past coarse retention. */
  expiredCells: number;
  /** Events with neither user_id nor anonymous_id (counted, not in any UV). */
  anonymous: number;
}

export class Rollups implements DerivedComponent {
  readonly name = "rollups";
  readonly tables = ["events"];
  readonly columns: string[];
  sets: RollupSet[];
  /** Local ids of each dimension's values (shared by every set naming it). */
  dimIds = new Map<string, ValueIds>();
  /** Newest event time seen. */
  watermark = -Infinity;
  /** Fine cells cover [horizon, ...); hour cells before. A multiple of an hour, or -Infinity. */
  horizon = -Infinity;
  counters: RollupCounters = { events: 0, late: 0, expiredCells: 0, anonymous: 0 };
  /** Moves on every change to any cell or dimension id: an answer read at one generation holds until it moves. */
  generation = 0;
  /** The last generation whose change a time range of fine cells does not describe (sweep, hour cells, decode). */
  private structuralAt = 0;
  /** The last CHANGE_LOG consumes: generations [first, last] they moved through, and the event times [lo, hi] of the fine cells they changed. */
  private readonly changeLog = { first: new Float64Array(CHANGE_LOG), last: new Float64Array(CHANGE_LOG), lo: new Float64Array(CHANGE_LOG), hi: new Float64Array(CHANGE_LOG) };
  private changes = 0;
  private readonly typeFlags = new ValueIds();
  private flagsOfId = new Uint8Array(0);
  private readonly userHashes = new Map<object, CodeHashes>();
  private readonly ids: Int32Array[];
  /** Hour tables of the fine level for queries (rollup-hours.ts), and the versions that validate them. */
  readonly hours: FineHourCache;
  private readonly hourVersions = new Map<number, number>();
  private versionClock = 0;

  constructor(readonly config: RollupConfig) {
    const dims = new Set<string>();
    for (const s of config.dimensions) for (const d of s) dims.add(d);
    this.columns = ["ts", "type", "user_id", "anonymous_id", "revenue", "cost", ...dims];
    for (const d of dims) this.dimIds.set(d, new ValueIds());
    this.sets = [[], ...config.dimensions].map((d) => this.emptySet(d));
    this.ids = this.sets.map((s) => new Int32Array(s.dims.length));
    this.hours = new FineHourCache(config.granularityMs);
  }

  /** Changes whenever a fine cell of hour `hour` (start ms / HOUR_MS) may have changed. */
  hourVersion(hour: number): number {
    return this.hourVersions.get(hour) ?? 0;
  }

  private touchHour(hour: number): void {
    this.hourVersions.set(hour, ++this.versionClock);
  }

  emptySet(dims: readonly string[]): RollupSet {
    return { dims, fine: new CellTable(dims.length, this.config.hllPrecision), coarse: new CellTable(dims.length, this.config.hllPrecision) };
  }

  consume(b: FeedBatch): void {
    const first = ++this.generation;
    let tLo = Infinity, tHi = -Infinity, coarse = false;
    const ts = b.column("ts")!.f64!, type = b.column("type")!;
    const rev = b.column("revenue"), cost = b.column("cost");
    const user = b.column("user_id"), anon = b.column("anonymous_id");
    const typeMap = this.typeFlags.sync(type.dict!);
    const uh = user?.codes ? this.hashesOf(user.dict!) : null, ah = anon?.codes ? this.hashesOf(anon.dict!) : null;
    const dimCols = this.sets.map((set) => set.dims.map((d) => b.column(d)));
    const dimMaps = this.sets.map((set, s) => set.dims.map((d, k) => {
      const v = dimCols[s]![k];
      return v?.dict ? this.dimIds.get(d)!.sync(v.dict) : null;
    }));
    const g = this.config.granularityMs, lateAfter = this.config.lateAfterMs;
    // The hour of the last fine row, so that a batch bumps each hour's version once per run of rows.
    let hourStart = Infinity, hourEnd = -Infinity;
    // A consume that fails midway (DerivedState logs it and goes on) has changed cells no range
    // describes: it counts as a structural change, so no kept answer is brought up to date across it.
    let done = false;
    try {
      for (let i = b.begin; i < b.end; i++) {
        const t = ts[i]!;
        const late = t < this.watermark - lateAfter ? 1 : 0;
        if (t > this.watermark) this.advance(t);
        const fine = t >= this.horizon;
        if (!fine) coarse = true;
        else { if (t < tLo) tLo = t; if (t > tHi) tHi = t; }
        if (fine && (t < hourStart || t >= hourEnd)) {
          const h = Math.floor(t / HOUR_MS);
          hourStart = h * HOUR_MS;
          hourEnd = hourStart + HOUR_MS;
          this.touchHour(h);
        }
        const bucket = fine ? Math.floor(t / g) : Math.floor(t / HOUR_MS);
        let tid = typeMap[type.codes![i]!]!;
        if (tid < 0) tid = this.typeIdOf(type.codes![i]!);
        const flags = this.flagsOfId[tid]!;
        const r = rev && present(rev.validity, i) ? finite(rev.f64![i]!) : 0;
        const c = cost && present(cost.validity, i) ? finite(cost.f64![i]!) : 0;
        let lo = 0, hi = 0, hasUser = false;
        if (uh && present(user!.validity, i)) { const code = user!.codes![i]!; lo = uh.lo(code); hi = uh.hi(code); hasUser = true; }
        else if (ah && present(anon!.validity, i)) { const code = anon!.codes![i]!; lo = ah.lo(code); hi = ah.hi(code); hasUser = true; }
        if (!hasUser) this.counters.anonymous++;
        this.counters.events++;
        this.counters.late += late;
        for (let s = 0; s < this.sets.length; s++) {
          const set = this.sets[s]!, ids = this.ids[s]!, cols = dimCols[s]!, maps = dimMaps[s]!;
          for (let k = 0; k < ids.length; k++) {
            const v = cols[k], m = maps[k];
            if (!v || !m || !present(v.validity, i)) { ids[k] = -1; continue; }
            const code = v.codes![i]!;
            const id = m[code]!;
            ids[k] = id >= 0 ? id : this.dimIds.get(set.dims[k]!)!.idOfCode(code);
          }
          const table = fine ? set.fine : set.coarse;
          const cell = table.cellOf(bucket, ids);
          const ms = table.measures;
          ms[MEASURE_INDEX.events]![cell]! += 1;
          if (flags !== 0) {
            if (flags & PV) ms[MEASURE_INDEX.pv]![cell]! += 1;
            if (flags & CLICK) ms[MEASURE_INDEX.clicks]![cell]! += 1;
            if (flags & IMPRESSION) ms[MEASURE_INDEX.impressions]![cell]! += 1;
            if (flags & CONVERSION) ms[MEASURE_INDEX.conversions]![cell]! += 1;
          }
          if (r !== 0) ms[MEASURE_INDEX.revenue]![cell]! += r;
          if (c !== 0) ms[MEASURE_INDEX.cost]![cell]! += c;
          if (late) ms[MEASURE_INDEX.late]![cell]! += 1;
          if (hasUser) table.sketches[cell]!.add(lo, hi);
          table.touch(cell);
        }
      }
      done = true;
    } finally {
      if (coarse || !done) this.structuralAt = this.generation;
      const at = this.changes++ % CHANGE_LOG, log = this.changeLog;
      log.first[at] = first; log.last[at] = this.generation; log.lo[at] = tLo; log.hi[at] = tHi;
    }
  }

  /**
   * The event-time range [lo, hi] of the fine cells changed since generation `since` (lo > hi: none),
   * or null when something else changed since (a sweep, hour cells, a restore, a consume that failed) or the log no longer
   * reaches back that far: then only a whole new answer is right.
   */
  changedSince(since: number): { lo: number; hi: number } | null {
    if (this.structuralAt > since) return null;
    let lo = Infinity, hi = -Infinity, reached = this.generation === since;
    const log = this.changeLog;
    for (let k = 0; k < Math.min(this.changes, CHANGE_LOG); k++) {
      const at = (this.changes - 1 - k) % CHANGE_LOG;
      if (log.last[at]! <= since) break;
      lo = Math.min(lo, log.lo[at]!);
      hi = Math.max(hi, log.hi[at]!);
      if (log.first[at]! <= since + 1) { reached = true; break; }
    }
    return reached ? { lo, hi } : null;
  }

  private hashesOf(dict: object): CodeHashes {
    let h = this.userHashes.get(dict);
    if (!h) this.userHashes.set(dict, (h = new CodeHashes(dict as ConstructorParameters<typeof CodeHashes>[0])));
    return h;
  }

  private typeIdOf(code: number): number {
    const id = this.typeFlags.idOfCode(code);
    if (id >= this.flagsOfId.length) {
      const next = new Uint8Array(Math.max(16, (id + 1) * 2));
      next.set(this.flagsOfId);
      this.flagsOfId = next;
    }
    const name = this.typeFlags.value(id), t = this.config.types;
    this.flagsOfId[id] = (t.pv.includes(name) ? PV : 0) | (t.click.includes(name) ? CLICK : 0) |
      (t.impression.includes(name) ? IMPRESSION : 0) | (t.conversion.includes(name) ? CONVERSION : 0);
    return id;
  }

  /** A newer event time: moves the watermark, and the horizon by whole hours (merging fine cells). */
  private advance(t: number): void {
    this.watermark = t;
    const h = Math.floor((t - this.config.fineRetentionMs) / HOUR_MS) * HOUR_MS;
    if (h <= this.horizon) return;
    this.horizon = h;
    this.sweep();
  }

  /** Merges fine cells before the horizon into hour cells and drops hour cells past retention. */
  sweep(): void {
    this.structuralAt = ++this.generation;
    const g = this.config.granularityMs;
    const lastFine = Math.floor(this.horizon / g);
    const keepHour = Math.floor((this.watermark - this.config.coarseRetentionMs) / HOUR_MS);
    // Hours before the horizon have no fine cells any more: their cached tables must never be read.
    const firstFineHour = Math.floor(this.horizon / HOUR_MS);
    this.hours.dropBefore(firstFineHour);
    for (const h of this.hourVersions.keys()) if (h < firstFineHour) this.hourVersions.delete(h);
    for (const set of this.sets) {
      const { fine, coarse } = set, ids = new Int32Array(set.dims.length);
      fine.retain((cell) => {
        if (fine.bucketOf(cell) >= lastFine) return true;
        coarse.touch(coarse.mergeFrom(fine, cell, Math.floor((fine.bucketOf(cell) * g) / HOUR_MS), ids));
        return false;
      });
      this.counters.expiredCells += coarse.retain((cell) => coarse.bucketOf(cell) >= keepHour);
    }
  }

  get bytes(): number {
    let n = this.hours.byteSize;
    for (const s of this.sets) n += s.fine.bytes + s.coarse.bytes;
    for (const v of this.dimIds.values()) n += v.bytes;
    return n;
  }

  /** encode() in steps: a checkpoint holds the feed while they run, so the cells cannot change between them. */
  encodeGradually(): Generator<void, Uint8Array, void> {
    return encodeRollupsSteps(this);
  }

  encode(): Uint8Array {
    return encodeRollups(this);
  }

  decode(bytes: Uint8Array): void {
    try {
      decodeRollups(this, bytes);
    } finally {
      // The cells were replaced (wholly, or partly if decoding failed): no answer or table read
      // from the old ones may be used again.
      this.structuralAt = ++this.generation;
      this.hours.clear();
    }
  }
}

function present(validity: Uint8Array | null, i: number): boolean {
  return validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0;
}

/** Non-finite money (NaN, inf) would poison every sum it joins; ingest rejects it, this is a guard. */
function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
