// Derived state: every structure kept up to date from events (rollups, audiences, funnels, profiles,
// data quality, ...) is a component fed through one DerivedState, which remembers how far each table
// has been fed. So derived state is a function of the log, like the store:
//
//   live:     pipeline applies a WAL record -> DerivedQueue (derived-queue.ts) feeds the new rows in
//             time-boxed slices between requests, so lookups never wait behind a big batch
//   restart:  restore(checkpoint) -> WAL replay applies records -> feed(catalog) skips rows the
//             checkpoint already covered, so nothing is counted twice
//
// Invariants: a component sees each row of the tables it names exactly once, in row order; coverage
// is kept per component and table (a component new in this version, absent from an old checkpoint,
// is fed every row replayed) and only grows; a snapshot's `covered` is the state of every component at the moment it was taken
// (snapshot() is synchronous). The checkpoint on disk must cover at least the WAL's replay start
// before log segments are deleted (storage/parquet/compactor.ts asks for one).

import { assert } from "../core/assert.ts";
import { EngineError } from "../core/errors.ts";
import type { Catalog } from "../store/catalog.ts";
import type { ScanReaders, Table } from "../store/table.ts";
import type { Vector } from "../column/vector.ts";
import type { FeedBatch, RowConsumer } from "./row-feed.ts";

export interface DerivedComponent extends RowConsumer {
  /** Section name in checkpoints: stable across versions. */
  readonly name: string;
  /** Tables whose rows it consumes. */
  readonly tables: readonly string[];
  /** Columns it reads (absent ones read as null vectors). */
  readonly columns: readonly string[];
  /** Its whole state, for a checkpoint. */
  encode(): Uint8Array;
  /**
   * Optional: the same bytes as encode(), made in steps with a yield between two, so a large state
   * is encoded between requests instead of in one task (encode() runs the steps at once). While its
   * steps run, nothing changes the component: DerivedState holds feeding and control records.
   */
  encodeGradually?(): Generator<void, Uint8Array, void>;
  /** Replaces its state with an encoded one (from a checkpoint of this or an earlier version). */
  decode(bytes: Uint8Array): void;
  /**
   * Applies a logged definition change (storage/control-record.ts), validated before it was logged;
   * called in log order, live and on replay. Must not throw for a record it accepted once.
   */
  control?(op: string, body: unknown): void;
}

/** The checkpoint section that records how far in the log the state is (not a component). */
export const LOG_SECTION = "_log";

/** The checkpoint section with how far each external source (Kafka partition) was read. */
export const SOURCES_SECTION = "_sources";

/** Where a batch came from in an external log (mirrors storage/ingest-record.ts SourcePosition). */
export interface SourceMark {
  readonly kind: string;
  readonly topic: string;
  readonly partition: number;
  readonly next_offset: string;
}

/** Rows a component consumes before the clock is looked at: small enough that a slice stays well under a millisecond. */
export const SLICE_ROWS = 256;

/** Encoding work between two turns of the event loop in snapshotGradually (components with encodeGradually). */
const ENCODE_SLICE_MS = 1;

/** Runs encodeGradually's steps at once: its encode(). */
export function encodeAtOnce(steps: Generator<void, Uint8Array, void>): Uint8Array {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export interface DerivedSection {
  /** Per table: rows [0, n) are reflected in `bytes`. */
  readonly covered: Readonly<Record<string, number>>;
  readonly bytes: Uint8Array;
}

/** Component name -> its section. */
export type DerivedSnapshot = ReadonlyMap<string, DerivedSection>;

export class DerivedState {
  /** Component name -> table -> rows fed. */
  private readonly covered = new Map<string, Map<string, number>>();
  /** Per table: the components fed from it and the union of their columns. */
  private readonly routes = new Map<string, { components: DerivedComponent[]; columns: string[] }>();
  rowsFed = 0;
  /** Every log record below this LSN is reflected (ingest rows and control records). */
  nextLsn = 0;
  /** Per "topic/partition": the furthest position whose batch is in the log. */
  private readonly sources = new Map<string, SourceMark>();
  /** Control records below this LSN were in the restored checkpoint: replay skips them. */
  private restoredLsn = 0;
  /** Scan readers per table, reused by every feed (a feed slice is a few hundred rows). */
  private readonly readers = new Map<Table, ScanReaders>();
  /** Components that threw, with the first error: their state is incomplete from then on. */
  readonly failures = new Map<string, string>();
  /** Set while a component is part-way through encodeGradually: nothing may be fed or applied. */
  private holding = false;
  /** Called when a hold ends: the live feed has records waiting (caracal.ts schedules its pump). */
  onResume: (() => void) | null = null;

  constructor(readonly components: readonly DerivedComponent[]) {
    const names = new Set<string>();
    for (const c of components) {
      if (names.has(c.name)) throw new EngineError("bad_config", `derived component ${c.name} registered twice`);
      names.add(c.name);
      this.covered.set(c.name, new Map());
      for (const t of c.tables) {
        let r = this.routes.get(t);
        if (!r) this.routes.set(t, (r = { components: [], columns: [] }));
        r.components.push(c);
        for (const col of c.columns) if (!r.columns.includes(col)) r.columns.push(col);
      }
    }
  }

  /** Rows of `table` that every component fed from it reflects. */
  coveredRows(table: string): number {
    let n = Infinity;
    for (const c of this.routes.get(table)?.components ?? []) n = Math.min(n, this.coveredOf(c.name, table));
    return n === Infinity ? 0 : n;
  }

  /** Per table of the catalog: rows reflected by every component (all rows of a table none reads). */
  coverage(catalog: Catalog): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of catalog.list()) out[t.schema.name] = this.routes.has(t.schema.name) ? this.coveredRows(t.schema.name) : t.rowCount;
    return out;
  }

  /** Rows up to `targets` (row counts per table) that some component has still to consume. */
  rowsBehind(targets: ReadonlyMap<string, number>): number {
    let n = 0;
    for (const [table, rows] of targets) if (this.routes.has(table)) n += Math.max(0, rows - this.coveredRows(table));
    return n;
  }

  private coveredOf(component: string, table: string): number {
    return this.covered.get(component)!.get(table) ?? 0;
  }

  /** Feeds every table's rows not yet fed, at once (recovery and tests; the live path uses DerivedQueue). */
  feed(catalog: Catalog): void {
    this.feedUpTo(catalog, null, Infinity);
  }

  /**
   * Feeds each table's rows up to `targets[table]` (null: all rows), in slices of SLICE_ROWS per
   * component, stopping once performance.now() passes `deadline`. Returns true when every target
   * was reached. Coverage is kept per component, so stopping between slices loses nothing.
   */
  feedUpTo(catalog: Catalog, targets: ReadonlyMap<string, number> | null, deadline: number): boolean {
    assert(!this.holding, "derived state fed while a component is being encoded");
    for (const [name, route] of this.routes) {
      const table = catalog.get(name);
      if (!table) continue;
      const target = Math.min(table.rowCount, targets === null ? Infinity : targets.get(name) ?? 0);
      if (target > this.coveredRows(name) && !this.feedTable(table, route.components, route.columns, target, deadline)) return false;
    }
    return true;
  }

  private feedTable(table: Table, components: readonly DerivedComponent[], wanted: readonly string[], target: number, deadline: number): boolean {
    const name = table.schema.name;
    // Rows evicted before they were fed cannot be fed any more (a checkpoint older than the WAL start
    // of a data directory written before derived state existed): start at the first row in memory.
    const starts = components.map((c) => Math.max(this.coveredOf(c.name, name), table.rowBase));
    const from = Math.min(...starts);
    const cached = this.readers.get(table);
    const columns = cached?.columns ?? wanted.filter((c) => table.columnIndex(c) >= 0);
    const readers = cached ?? table.scanReaders(columns);
    if (!cached) this.readers.set(table, readers);
    const index = new Map(columns.map((c, i) => [c, i]));
    let vectors: readonly Vector[] = [];
    const batch: { -readonly [K in keyof FeedBatch]: FeedBatch[K] } = {
      table: name, begin: 0, end: 0, firstRow: 0,
      column: (c) => { const j = index.get(c); return j === undefined ? null : vectors[j]!; },
    };
    for (const b of table.scan({ columns, fromRow: from, readers })) {
      if (b.firstRow >= target) break;
      vectors = b.vectors;
      batch.firstRow = b.firstRow;
      const end = Math.min(b.rowCount, target - b.firstRow);
      for (let k = 0; k < components.length; k++) {
        const c = components[k]!;
        for (let pos = Math.max(0, starts[k]! - b.firstRow); pos < end; pos += SLICE_ROWS) {
          batch.begin = pos;
          batch.end = Math.min(end, pos + SLICE_ROWS);
          this.consumeSafely(c, batch);
          this.rowsFed += batch.end - batch.begin;
          starts[k] = b.firstRow + batch.end;
          this.covered.get(c.name)!.set(name, starts[k]!);
          if (performance.now() > deadline) return false;
        }
      }
    }
    for (const c of components) if (this.coveredOf(c.name, name) < target) this.covered.get(c.name)!.set(name, Math.max(this.coveredOf(c.name, name), target));
    return true;
  }

  /**
   * A component that throws must not stop ingest (the store and the log are right): it is reported,
   * and /healthz says which derived state is incomplete.
   */
  private consumeSafely(c: DerivedComponent, batch: FeedBatch): void {
    try {
      c.consume(batch);
    } catch (e) {
      if (!this.failures.has(c.name)) {
        this.failures.set(c.name, (e as Error).message);
        console.error(`derived state ${c.name} failed at row ${batch.firstRow + batch.begin} of ${batch.table}: ${(e as Error).stack}`);
      }
    }
  }

  /** A logged batch came from this source position: remember the furthest one per partition. */
  noteSource(p: SourceMark): void {
    const key = `${p.topic}/${p.partition}`, old = this.sources.get(key);
    if (!old || BigInt(p.next_offset) > BigInt(old.next_offset)) this.sources.set(key, p);
  }

  /** The next offset to read of each source partition whose batches are in the log (or its checkpoint). */
  sourcePositions(): SourceMark[] {
    return [...this.sources.values()];
  }

  /** The record at `lsn` was applied (its rows fed, or its control applied). */
  applied(lsn: number): void {
    if (lsn >= this.nextLsn) this.nextLsn = lsn + 1;
  }

  /** Applies a control record at `lsn` to its component, unless the restored checkpoint has it already. */
  control(target: string, op: string, body: unknown, lsn: number): void {
    assert(!this.holding, "control record applied while a component is being encoded");
    if (lsn < this.restoredLsn) return;
    const c = this.components.find((x) => x.name === target);
    if (!c?.control) {
      console.error(`control record ${lsn} for ${target}.${op}: no such component in this version; ignored`);
    } else {
      try {
        c.control(op, body);
      } catch (e) {
        if (!this.failures.has(c.name)) this.failures.set(c.name, (e as Error).message);
        console.error(`derived state ${c.name} failed on control record ${lsn} (${op}): ${(e as Error).stack}`);
      }
    }
    this.applied(lsn);
  }

  /** A component is part-way through encodeGradually: the live feed must wait for onResume. */
  get held(): boolean {
    return this.holding;
  }

  /**
   * The same, one component at a time with `pause` awaited between them, so a large state does not
   * hold the serving thread for its whole encoding. Still consistent: each section records the rows
   * its component reflected when it was encoded; the log position is taken first (control records
   * applied meanwhile replay idempotently: definitions replace, removals and tags are set). A
   * component with encodeGradually is encoded in steps of about ENCODE_SLICE_MS with `pause` between
   * them, and while it is, the state is held: the live feed (derived-queue.ts) waits, and resumes
   * through onResume (a 5-funnel sequences section was one 47-69 ms task, rollups 41-47 ms).
   */
  async snapshotGradually(pause: () => Promise<void>, timing?: (name: string, ms: number) => void, sliceMs = ENCODE_SLICE_MS): Promise<{ snapshot: DerivedSnapshot; nextLsn: number }> {
    const nextLsn = this.nextLsn;
    const out = new Map<string, DerivedSection>();
    out.set(LOG_SECTION, { covered: {}, bytes: new TextEncoder().encode(JSON.stringify({ next_lsn: nextLsn })) });
    out.set(SOURCES_SECTION, { covered: {}, bytes: new TextEncoder().encode(JSON.stringify(this.sourcePositions())) });
    for (const c of this.components) {
      await pause();
      const t0 = performance.now(), covered = Object.fromEntries(this.covered.get(c.name)!);
      out.set(c.name, { covered, bytes: c.encodeGradually ? await this.encodeHeld(c.encodeGradually(), pause, sliceMs) : c.encode() });
      timing?.(c.name, performance.now() - t0);
    }
    return { snapshot: out, nextLsn };
  }

  /** Runs the steps, pausing every `sliceMs` (0: after each), with the state held until the last one. */
  private async encodeHeld(steps: Generator<void, Uint8Array, void>, pause: () => Promise<void>, sliceMs: number): Promise<Uint8Array> {
    this.holding = true;
    try {
      let slice = performance.now();
      for (;;) {
        const r = steps.next();
        if (r.done) return r.value;
        if (performance.now() - slice >= sliceMs) {
          await pause();
          slice = performance.now();
        }
      }
    } finally {
      this.holding = false;
      this.onResume?.();
    }
  }

  /** Every component's state and what it covers, captured now. */
  snapshot(): DerivedSnapshot {
    const out = new Map<string, DerivedSection>();
    for (const c of this.components) out.set(c.name, { covered: Object.fromEntries(this.covered.get(c.name)!), bytes: c.encode() });
    out.set(LOG_SECTION, { covered: {}, bytes: new TextEncoder().encode(JSON.stringify({ next_lsn: this.nextLsn })) });
    out.set(SOURCES_SECTION, { covered: {}, bytes: new TextEncoder().encode(JSON.stringify(this.sourcePositions())) });
    return out;
  }

  /** Restores from a checkpoint; call once, before replay. Sections of unknown components are ignored. */
  restore(s: DerivedSnapshot): void {
    const log = s.get(LOG_SECTION);
    if (log) this.nextLsn = this.restoredLsn = (JSON.parse(new TextDecoder().decode(log.bytes)) as { next_lsn: number }).next_lsn;
    const sources = s.get(SOURCES_SECTION);
    if (sources) for (const p of JSON.parse(new TextDecoder().decode(sources.bytes)) as SourceMark[]) this.noteSource(p);
    for (const c of this.components) {
      const sec = s.get(c.name);
      if (!sec) continue;
      c.decode(sec.bytes);
      const cov = this.covered.get(c.name)!;
      for (const [t, n] of Object.entries(sec.covered)) cov.set(t, n);
    }
  }
}
