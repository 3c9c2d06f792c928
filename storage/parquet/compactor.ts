// Compaction: rows of sealed segments -> Parquet files -> manifest -> memory eviction -> WAL
// truncation, in that order, each step durable before the next starts:
//
//   1. write part files as `*.tmp` and fsync them          (crash: orphans, deleted at open)
//   2. write the manifest listing them (atomic replace)    (the commit point)
//   3. rename `*.tmp` to `*.parquet`, fsync directories    (crash: redone at open from the manifest)
//   4. publish the new history to readers (DuckDB views)
//   5. evict compacted segments older than the hot window, or while memory is over budget
//   6. when every row of some WAL segments is compacted and evicted: log a snapshot of the
//      de-duplication window (so their ids outlive them), make sure the derived-state checkpoint
//      covers the new replay start (rollups, audiences... outlive them too), record the new replay
//      start in the manifest, then delete those segments
//
// So the WAL always holds every row not yet in a committed manifest, and every row still in memory:
// restart = manifest + WAL replay from walStart, and no row is ever both missing or counted twice.
// One run at a time; runs are started by a timer and by stop() (a final pass).

import { dirname, join } from "node:path";
import type { Catalog } from "../../engine/store/catalog.ts";
import type { Table } from "../../engine/store/table.ts";
import type { FileSystem } from "../fs/file-system.ts";
import { removeSegmentsBefore } from "../wal/wal-truncate.ts";
import { readManifest, writeManifest, writeSynced, type Manifest, type ManifestFile, type ManifestTable, type QuarantinedFile } from "./manifest.ts";
import { openTree } from "./open-tree.ts";
import { encodeInline, type Encode } from "./parquet-encoder.ts";
import { extractRowsAsync } from "./part-rows.ts";
import { EMPTY_HISTORY, type HistorySource, type TableHistory } from "./table-history.ts";
import type { WalMarks } from "./wal-marks.ts";

export interface CompactorOptions {
  /** Rows whose segment's newest time is older than this (vs the clock) leave memory once compacted. */
  readonly hotWindowMs: number;
  /** Store memory above which compacted segments leave memory whatever their age. */
  readonly hotBytesMax: number;
  /** Smallest run of sealed rows worth a file (a final pass at shutdown ignores it). */
  readonly minRows: number;
  /**
   * Logs the de-duplication window and resolves with the record's lsn once durable. Log segments are
   * deleted only up to a point that such a snapshot follows, so a restart still knows their ids.
   * Absent: segments are deleted without (tests of compaction alone).
   */
  readonly snapshotDedup?: () => Promise<number>;
  /** Fewest ms between two snapshots (each is 16 bytes per id in the window). */
  readonly dedupSnapshotIntervalMs?: number;
  /** Where rows become Parquet bytes: a worker (ParquetEncoder) in the server; inline by default. */
  readonly encode?: Encode;
  /**
   * Writes a checkpoint of derived state and resolves with the rows of each table it covers and the
   * LSN below which every log record is reflected. Log segments are deleted only up to a point such
   * a checkpoint covers. Absent: no derived state.
   */
  readonly checkpointDerived?: () => Promise<DerivedCoverage>;
  /** Fewest ms between two derived-state checkpoints. */
  readonly derivedCheckpointIntervalMs?: number;
}

export interface DerivedCoverage {
  readonly rows: Readonly<Record<string, number>>;
  readonly nextLsn: number;
}

export interface CompactionReport {
  filesWritten: number;
  rowsCompacted: number;
  rowsEvicted: number;
  walSegmentsRemoved: number;
  elapsedMs: number;
}

export class Compactor implements HistorySource {
  private manifest: Manifest;
  private readonly histories = new Map<string, TableHistory>();
  private running: Promise<CompactionReport> | null = null;
  private lastSnapshot = { lsn: -1, atMs: -Infinity };
  private lastDerived: { covered: DerivedCoverage; atMs: number } = { covered: { rows: {}, nextLsn: 0 }, atMs: -Infinity };
  readonly totals = { runs: 0, filesWritten: 0, rowsCompacted: 0, rowsEvicted: 0, walSegmentsRemoved: 0, lastRunMs: 0 };

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    private readonly walDir: string,
    private readonly catalog: Catalog,
    private readonly marks: WalMarks,
    private readonly opts: CompactorOptions,
    manifest: Manifest,
  ) {
    this.manifest = manifest;
    this.publish();
  }

  /** Reads the manifest and repairs the tree (see open-tree.ts). Call before WAL replay. */
  static async open(fs: FileSystem, dir: string, walDir: string, catalog: Catalog, marks: WalMarks, opts: CompactorOptions): Promise<Compactor> {
    await fs.mkdirp(dir);
    // A process that died between the manifest's rename and its directory fsync leaves a manifest
    // that this process can read but a power loss would still take back. Recovery deletes WAL
    // segments and part files on its word, so it is made durable before anything acts on it.
    await fs.syncDir(dir);
    const manifest = await readManifest(fs, dir);
    await openTree(fs, dir, manifest);
    return new Compactor(fs, dir, walDir, catalog, marks, opts, manifest);
  }

  /** Where WAL replay starts: its LSN and each table's row index there (null: from the beginning). */
  get walStart(): Manifest["walStart"] {
    return this.manifest.walStart;
  }

  history(table: string): TableHistory {
    return this.histories.get(table) ?? EMPTY_HISTORY;
  }

  /** Files moved aside after read errors, oldest first. */
  get quarantined(): readonly QuarantinedFile[] {
    return this.manifest.quarantined ?? [];
  }

  /**
   * Moves a part file that cannot be read out of the history: the manifest stops listing it (and
   * records it under `quarantined`, with its row range and the reason), then the file is moved to
   * `_quarantine/` for an operator to restore. Readers rebuild their views; the table's other files
   * stay readable. Resolves with the entry, or null when `absPath` is not a file of the history.
   */
  async quarantine(absPath: string, reason: string): Promise<QuarantinedFile | null> {
    await this.idle().catch(() => {});
    for (const [table, t] of Object.entries(this.manifest.tables)) {
      const f = t.files.find((x) => join(this.dir, x.path) === absPath);
      if (!f) continue;
      const entry: QuarantinedFile = { table, path: f.path, firstRow: f.firstRow, rowCount: f.rowCount, reason, at: new Date().toISOString() };
      await this.commit({
        ...this.manifest,
        tables: { ...this.manifest.tables, [table]: { ...t, files: t.files.filter((x) => x !== f) } },
        quarantined: [...this.quarantined, entry],
      });
      await this.fs.rename(absPath, `${absPath}.damaged`).catch(() => {});
      this.publish(true);
      await this.restoreQuarantined();
      return entry;
    }
    return null;
  }

  /**
   * Rewrites quarantined files whose rows are still in memory (not yet evicted, or replayed from the
   * WAL after a restart) at their old paths and lists them again: the damage is then repaired with
   * nothing lost. Returns how many were restored.
   */
  async restoreQuarantined(): Promise<number> {
    let restored = 0;
    for (const q of this.quarantined) {
      const table = this.catalog.get(q.table);
      const run = /part-(\d+)-(\d+)\.parquet$/.exec(q.path);
      if (!table || !run) continue;
      const from = Number(run[1]), to = Number(run[2]);
      if (table.rowBase > from || table.rowCount < to) continue;
      const parts = await (this.opts.encode ?? encodeInline)(await extractRowsAsync(table, from, to));
      const part = parts.find((p) => q.path.startsWith(`${q.table}/${p.partition}/`));
      if (!part || part.rowCount !== q.rowCount) continue;
      await writeSynced(this.fs, join(this.dir, `${q.path}.tmp`), part.bytes);
      await syncParents(this.fs, this.dir, q.path);
      const t = this.manifest.tables[q.table]!;
      const file: ManifestFile = { path: q.path, firstRow: q.firstRow, rowCount: q.rowCount, timeMin: part.timeMin, timeMax: part.timeMax };
      await this.commit({
        ...this.manifest,
        tables: { ...this.manifest.tables, [q.table]: { ...t, files: [...t.files, file].sort((a, b) => a.firstRow - b.firstRow) } },
        quarantined: this.quarantined.filter((x) => x !== q),
      });
      await this.fs.rename(join(this.dir, `${q.path}.tmp`), join(this.dir, q.path));
      await syncParents(this.fs, this.dir, q.path);
      restored++;
    }
    if (restored > 0) this.publish(true);
    return restored;
  }

  /** One compaction pass (or the one already running). `final` compacts sealed runs of any size. */
  run(nowMs = Date.now(), final = false): Promise<CompactionReport> {
    return (this.running ??= this.pass(nowMs, final).finally(() => { this.running = null; }));
  }

  /** Resolves when no pass is running. */
  idle(): Promise<unknown> {
    return this.running ?? Promise.resolve();
  }

  private async pass(nowMs: number, final: boolean): Promise<CompactionReport> {
    const t0 = performance.now();
    const report: CompactionReport = { filesWritten: 0, rowsCompacted: 0, rowsEvicted: 0, walSegmentsRemoved: 0, elapsedMs: 0 };
    for (const table of this.catalog.list()) {
      const from = this.manifest.tables[table.schema.name]?.compactedRows ?? table.rowBase;
      const to = table.sealedRowEnd;
      if (to - from < (final ? 1 : this.opts.minRows)) continue;
      await this.compactRun(table, from, to, report);
      // Readers see the new files before any row leaves memory (rows are in both for a moment).
      this.publish();
    }
    this.evict(nowMs, report);
    await this.truncateWal(nowMs, report);
    report.elapsedMs = Math.round(performance.now() - t0);
    const t = this.totals;
    t.runs++; t.filesWritten += report.filesWritten; t.rowsCompacted += report.rowsCompacted;
    t.rowsEvicted += report.rowsEvicted; t.walSegmentsRemoved += report.walSegmentsRemoved; t.lastRunMs = report.elapsedMs;
    return report;
  }

  private async compactRun(table: Table, from: number, to: number, report: CompactionReport): Promise<void> {
    const name = table.schema.name;
    const parts = await (this.opts.encode ?? encodeInline)(await extractRowsAsync(table, from, to));
    const files: ManifestFile[] = [];
    for (const p of parts) {
      const rel = `${name}/${p.partition}/part-${String(from).padStart(12, "0")}-${String(to).padStart(12, "0")}.parquet`;
      await this.fs.mkdirp(dirname(join(this.dir, rel)));
      await writeSynced(this.fs, join(this.dir, `${rel}.tmp`), p.bytes);
      files.push({ path: rel, firstRow: from, rowCount: p.rowCount, timeMin: p.timeMin, timeMax: p.timeMax });
    }
    // The part files' directory entries are durable before the manifest names them.
    for (const f of files) await syncParents(this.fs, this.dir, f.path);
    const old: ManifestTable = this.manifest.tables[name] ?? { compactedRows: from, files: [] };
    await this.commit({ ...this.manifest, tables: { ...this.manifest.tables, [name]: { compactedRows: to, files: [...old.files, ...files] } } });
    for (const f of files) {
      await this.fs.rename(join(this.dir, `${f.path}.tmp`), join(this.dir, f.path));
      await syncParents(this.fs, this.dir, f.path);
    }
    report.filesWritten += files.length;
    report.rowsCompacted += to - from;
  }

  private evict(nowMs: number, report: CompactionReport): void {
    const cutoff = nowMs - this.opts.hotWindowMs;
    let bytes = 0;
    for (const t of this.catalog.list()) bytes += t.memoryBytes();
    for (const table of this.catalog.list()) {
      const compacted = this.manifest.tables[table.schema.name]?.compactedRows ?? 0;
      report.rowsEvicted += table.evictBefore(compacted, (timeMax, segBytes) => {
        if (timeMax >= cutoff && bytes <= this.opts.hotBytesMax) return false;
        bytes -= segBytes;
        return true;
      });
    }
  }

  private async truncateWal(nowMs: number, report: CompactionReport): Promise<void> {
    const mark = this.marks.latestSafe((t) => {
      const table = this.catalog.get(t);
      // A table no longer configured keeps its rows in the WAL (they come back if it is declared again).
      return table ? Math.min(table.rowBase, this.manifest.tables[t]?.compactedRows ?? 0) : -1;
    });
    if (mark === null || mark.lsn <= (this.manifest.walStart?.lsn ?? 0)) return;
    if (this.opts.snapshotDedup && this.lastSnapshot.lsn < mark.lsn) {
      if (nowMs - this.lastSnapshot.atMs < (this.opts.dedupSnapshotIntervalMs ?? 0)) return;
      this.lastSnapshot = { lsn: await this.opts.snapshotDedup(), atMs: nowMs };
    }
    if (this.opts.checkpointDerived && !covers(this.lastDerived.covered, mark)) {
      if (nowMs - this.lastDerived.atMs < (this.opts.derivedCheckpointIntervalMs ?? 0)) return;
      this.lastDerived = { covered: await this.opts.checkpointDerived(), atMs: nowMs };
      if (!covers(this.lastDerived.covered, mark)) return;
    }
    await this.commit({ ...this.manifest, walStart: { lsn: mark.lsn, rows: mark.rows } });
    report.walSegmentsRemoved += (await removeSegmentsBefore(this.fs, this.walDir, mark.lsn)).length;
    this.marks.dropBefore(mark.lsn);
  }

  private async commit(m: Manifest): Promise<void> {
    const next = { ...m, generation: this.manifest.generation + 1 };
    await writeManifest(this.fs, this.dir, next);
    this.manifest = next;
  }

  private publish(force = false): void {
    for (const [name, t] of Object.entries(this.manifest.tables)) {
      const prev = this.histories.get(name);
      if (!force && prev && prev.compactedRows === t.compactedRows) continue;
      this.histories.set(name, {
        version: (prev?.version ?? 0) + 1,
        compactedRows: t.compactedRows,
        files: t.files.map((f) => ({ ...f, path: join(this.dir, f.path) })),
      });
    }
  }
}

/** True when a checkpoint reflects every record before the mark's LSN and every row before its rows. */
function covers(covered: DerivedCoverage, mark: { lsn: number; rows: Readonly<Record<string, number>> }): boolean {
  if (covered.nextLsn < mark.lsn) return false;
  for (const [t, n] of Object.entries(mark.rows)) if ((covered.rows[t] ?? 0) < n) return false;
  return true;
}

/** Makes the file's directory entry, and those of the directories made for it, durable. */
async function syncParents(fs: FileSystem, root: string, rel: string): Promise<void> {
  let d = dirname(join(root, rel));
  while (d.length >= root.length) {
    await fs.syncDir(d);
    if (d === root) break;
    d = dirname(d);
  }
}
