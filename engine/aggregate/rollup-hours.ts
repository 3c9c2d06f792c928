// Hour cells of the fine level, merged from its minute cells when a query first needs them and kept
// until one of those minutes changes: a query whose points hold whole hours (a day by hour, a
// dashboard breakdown over the last 24 hours) then merges one sketch per (hour, key) instead of one
// per (minute, key), 60x fewer at the default granularity. Ingest pays nothing but a version bump per
// hour touched per batch (Rollups.consume); the merging happens at query time, once per hour.
//
// Exactness: an hour table is the merge of exactly the fine cells of that hour when it was built
// (sketch merge is lossless, sums are sums), and it is used only while the hour's version is the one
// it was built at, so the answer equals the minute-by-minute one: counts and UV exactly, money sums
// up to the last bits of a double (the additions happen in another order). Hours before the horizon have no
// fine cells (their rows are in the coarse level): tables for them are dropped, never used.
//
// Bounded: at most bytesMax of tables (HLL sketches dominate: up to 16 KiB each at precision 14);
// past it the least recently used are dropped (and rebuilt if asked again), except those the current
// query (beginQuery) has used: a query needing more than the bound keeps the tables it found and
// builds the rest without keeping them, so repeating it still hits instead of evicting its own
// tables in a loop (LRU under a scan larger than the cache).

import { CellTable } from "./rollup-cells.ts";

export const HOUR_MS = 3_600_000;
/** Default bound of the cached hour tables, all dimension sets together. */
export const HOUR_CACHE_BYTES_MAX = 64 * 1024 * 1024;

interface Entry {
  readonly version: number;
  readonly table: CellTable;
  readonly bytes: number;
  /** The query (beginQuery count) that last used it. */
  query: number;
}

/** The fine level of one dimension set, as FineHourCache reads it. */
export interface FineLevel {
  readonly fine: CellTable;
}

export class FineHourCache {
  /** "<set number>:<hour index>" -> table; Map order is recency (a hit is re-inserted at the end). */
  private readonly entries = new Map<string, Entry>();
  private readonly setIds = new Map<FineLevel, number>();
  private bytes = 0;
  readonly counters = { hits: 0, builds: 0, evictions: 0 };
  private query = 0;
  /**
   * Moves whenever the set of tables held changes (built, evicted, dropped, cleared): sums read the
   * tables already held, so an answer depends on them to the last bit of a money sum
   * (server/routes/answer-cache.ts keeps answers per this and Rollups.generation).
   */
  heldVersion = 0;

  constructor(private readonly granularityMs: number, private readonly bytesMax = HOUR_CACHE_BYTES_MAX) {}

  /** Starts a query: the tables it uses from now on are not evicted to make room for its others. */
  beginQuery(): void {
    this.query++;
  }

  /**
   * The cells of hour `hour` (index: start ms / HOUR_MS) of `set`'s fine level, each keyed by the
   * hour index and the cell's dimension ids. `version` is the hour's current version (Rollups.hourVersion).
   */
  hour(set: FineLevel, hour: number, version: number): CellTable {
    let id = this.setIds.get(set);
    if (id === undefined) this.setIds.set(set, (id = this.setIds.size));
    const key = `${id}:${hour}`, e = this.entries.get(key);
    if (e !== undefined) {
      this.entries.delete(key);
      if (e.version === version) {
        e.query = this.query;
        this.entries.set(key, e);
        this.counters.hits++;
        return e.table;
      }
      this.bytes -= e.bytes;
    }
    const table = this.build(set.fine, hour);
    this.counters.builds++;
    this.heldVersion++;
    // Least recently used first, never one this query used; if that is not room enough, the new
    // table is returned without being kept.
    for (const [k, old] of this.entries) {
      if (this.bytes + table.bytes <= this.bytesMax) break;
      if (old.query === this.query) continue;
      this.entries.delete(k);
      this.bytes -= old.bytes;
      this.counters.evictions++;
    }
    if (this.bytes + table.bytes <= this.bytesMax) {
      this.entries.set(key, { version, table, bytes: table.bytes, query: this.query });
      this.bytes += table.bytes;
    }
    return table;
  }

  /** The table of `hour` if one is held at `version`, without building one. */
  peek(set: FineLevel, hour: number, version: number): CellTable | undefined {
    const id = this.setIds.get(set);
    const key = `${id}:${hour}`, e = id === undefined ? undefined : this.entries.get(key);
    if (e === undefined || e.version !== version) return undefined;
    // Used: most recent, and kept for the rest of this query.
    e.query = this.query;
    this.entries.delete(key);
    this.entries.set(key, e);
    this.counters.hits++;
    return e.table;
  }

  /** Drops the tables of hours before `firstHour` (their minutes left the fine level). */
  dropBefore(firstHour: number): void {
    for (const [k, e] of this.entries) {
      if (Number(k.slice(k.indexOf(":") + 1)) < firstHour) { this.entries.delete(k); this.bytes -= e.bytes; this.heldVersion++; }
    }
  }

  /** Forgets everything (the fine level was replaced, e.g. decoded from a checkpoint). */
  clear(): void {
    this.entries.clear();
    this.setIds.clear();
    this.bytes = 0;
    this.heldVersion++;
  }

  get byteSize(): number {
    return this.bytes;
  }

  private build(fine: CellTable, hour: number): CellTable {
    const out = new CellTable(fine.dims, fine.precision);
    const ids = new Int32Array(fine.dims), per = HOUR_MS / this.granularityMs, first = hour * per;
    for (let b = first; b < first + per; b++) {
      const cells = fine.byBucket.get(b);
      if (cells === undefined) continue;
      for (let i = 0; i < cells.length; i++) out.mergeFrom(fine, cells[i]!, hour, ids);
    }
    return out;
  }
}
