// DuckDB's copy of the in-memory store, so DuckDB answers over exactly the rows the native engine sees.
// For each store table T:
//
//   caracal_internal."__hot_T"   the table's columns (duck-types.ts) + __row BIGINT (store row index)
//   main."T" (view)              SELECT cols FROM read_parquet([history files]) UNION ALL SELECT cols FROM "__hot_T"
//                                (just the hot table while there is no history)
//
// sync() runs inside DuckDb.exclusive() before every DuckDB query, so a query sees every row the
// store held when it started. It is incremental: per table it remembers the rows mirrored so far.
// When the history changes (version bump), hot rows the history now holds (__row < compactedRows)
// are deleted and the view is rebuilt, in the same turn, so no row is ever in both or in neither.
//
// Invariant after sync: hot rows = store rows [compactedRows, rowCount at sync start), each once.
//
// Memory: appended rows sit uncompressed (about 400 bytes per event) until a CHECKPOINT of the
// in-memory database compresses them (to about 60: the store itself holds about 40). A sync of many
// rows (a restart) checkpoints every SYNC_STEP_ROWS; otherwise the caller runs checkpoint() in a turn
// of its own once needsCheckpoint(), so no query waits for it.

import { EngineError } from "../../engine/core/errors.ts";
import { LIMITS } from "../../engine/core/limits.ts";
import { ColumnType, type TableSchema } from "../../engine/core/types.ts";
import type { Catalog } from "../../engine/store/catalog.ts";
import type { Table, Vector } from "../../engine/store/table.ts";
import { INTERNAL_DB, type AppendColumn, type DuckSession } from "../../storage/duckdb.ts";
import type { HistorySource, TableHistory } from "../../storage/parquet/table-history.ts";
import { DUCK_TYPE, quoteIdent, quoteLiteral } from "./duck-types.ts";

interface Mirrored {
  /** Store rows below this index are in DuckDB (hot or history). */
  synced: number;
  /** History version the view was built from, and its compactedRows (hot rows below it are deleted). */
  version: number;
  compacted: number;
}

/** Rows a sync appends between checkpoints (about 750 ms of checkpoint per million rows, measured). */
const SYNC_STEP_ROWS = 1 << 20;
/** Rows appended or deleted since the last checkpoint past which one is worth its cost: a DuckDB row group. */
const CHECKPOINT_ROWS = 122_880;

export interface SyncStats {
  rows: number;
  ms: number;
}

export function hotTableName(table: string): string {
  return `__hot_${table}`;
}

function hotRef(table: string): string {
  return `${INTERNAL_DB}.main.${quoteIdent(hotTableName(table))}`;
}

export class HotMirror {
  private readonly state = new Map<string, Mirrored>();
  /** Rows appended or deleted since the last checkpoint. */
  private dirtyRows = 0;

  constructor(private readonly catalog: Catalog, private readonly history: HistorySource) {}

  /**
   * Creates the hot table and the view of every store table (startup). The views exist from here on,
   * so statements can be described before the first sync has copied any row.
   */
  async create(session: DuckSession): Promise<void> {
    for (const table of this.catalog.list()) {
      const name = table.schema.name;
      const cols = table.schema.columns.map((c) => `${quoteIdent(c.name)} ${DUCK_TYPE[c.type]}`);
      await session.run(`CREATE TABLE ${hotRef(name)} (${[...cols, "__row BIGINT"].join(", ")})`);
      const h = this.history.history(name);
      await session.run(viewSql(table.schema, h));
      this.state.set(name, { synced: 0, version: h.version, compacted: h.compactedRows });
    }
  }

  /** Brings every table's view and hot rows up to the store and its history as they are now. */
  async sync(session: DuckSession): Promise<SyncStats> {
    const t0 = performance.now();
    let rows = 0;
    for (const table of this.catalog.list()) rows += await this.syncTable(session, table);
    return { rows, ms: performance.now() - t0 };
  }

  needsCheckpoint(): boolean {
    return this.dirtyRows >= CHECKPOINT_ROWS;
  }

  /** Compresses what was appended since the last checkpoint. */
  async checkpoint(session: DuckSession): Promise<void> {
    this.dirtyRows = 0;
    await session.run(`CHECKPOINT ${INTERNAL_DB}`);
  }

  private async syncTable(session: DuckSession, table: Table): Promise<number> {
    const name = table.schema.name;
    const m = this.state.get(name);
    if (m === undefined) throw new EngineError("internal", `table ${name} has no hot mirror (created after startup?)`);
    const target = table.rowCount;
    const h = this.history.history(name);
    if (h.version !== m.version) {
      if (h.compactedRows > 0) {
        await session.run(`DELETE FROM ${hotRef(name)} WHERE __row < ${h.compactedRows}`);
        this.dirtyRows += Math.max(0, Math.min(m.synced, h.compactedRows) - Math.min(m.synced, m.compacted));
      }
      m.compacted = h.compactedRows;
      await session.run(viewSql(table.schema, h));
      m.version = h.version;
    }
    const from = Math.max(m.synced, h.compactedRows);
    if (from >= target) return 0;
    if (from < table.rowBase) {
      throw new EngineError("internal", `table ${name}: rows [${from}, ${table.rowBase}) are neither in memory nor in the history (compacted ${h.compactedRows})`);
    }
    for (let lo = from; lo < target; lo += SYNC_STEP_ROWS) {
      const hi = Math.min(target, lo + SYNC_STEP_ROWS);
      let end: number;
      try {
        end = await appendRows(session, table, lo, hi);
      } catch (e) {
        // Some chunks may have landed: take them out again, so a retry appends each row once.
        await session.run(`DELETE FROM ${hotRef(name)} WHERE __row >= ${lo}`);
        throw e;
      }
      m.synced = end;
      this.dirtyRows += end - lo;
      // Past the deadline (or at shutdown) the copy stops where it is; the next sync goes on from there.
      if (end < hi) throw new EngineError("query_timeout", `the DuckDB copy of ${name} was still catching up (${target - end} rows to go)`);
      if (this.dirtyRows >= SYNC_STEP_ROWS) await this.checkpoint(session);
    }
    return target - from;
  }
}

function viewSql(schema: TableSchema, h: TableHistory): string {
  const names = schema.columns.map((c) => quoteIdent(c.name));
  const hot = `SELECT ${names.join(", ")} FROM ${hotRef(schema.name)}`;
  let body = hot;
  if (h.files.length > 0) {
    // Casts pin the Parquet side to the hot side's types (a Parquet timestamp may read as TIMESTAMP_MS
    // or WITH TIME ZONE); union_by_name reads files written before a column was added as NULL there.
    const casts = schema.columns.map((c, i) => `CAST(${names[i]} AS ${DUCK_TYPE[c.type]}) AS ${names[i]}`);
    const files = h.files.map((f) => quoteLiteral(f.path)).join(", ");
    body = `SELECT ${casts.join(", ")} FROM read_parquet([${files}], union_by_name = true) UNION ALL ${hot}`;
  }
  return `CREATE OR REPLACE VIEW main.${quoteIdent(schema.name)} AS ${body}`;
}

/**
 * Copies store rows [from, to) into the hot table, a scan batch at a time: fixed-width columns as
 * views of the batch's arrays, strings decoded once per dictionary code per sync. Between batches the
 * event loop runs (ingest goes on); the scan's snapshot keeps the batches consistent meanwhile.
 * Stops early when the session expires; returns the row it reached (rows [from, end) are in).
 */
async function appendRows(session: DuckSession, table: Table, from: number, to: number): Promise<number> {
  const schema = table.schema;
  const appender = await session.appender(hotTableName(schema.name), [...schema.columns.map((c) => DUCK_TYPE[c.type]), "BIGINT"]);
  try {
    const decoded = schema.columns.map(() => [] as (string | undefined)[]);
    const rowIds = new Float64Array(LIMITS.SCAN_BATCH_ROWS);
    let end = from;
    for (const batch of table.scan({ columns: schema.columns.map((c) => c.name), fromRow: from })) {
      const lo = Math.max(0, from - batch.firstRow), hi = Math.min(batch.rowCount, to - batch.firstRow);
      if (hi > lo) {
        const columns = batch.vectors.map((v, c) => slice(v, lo, hi, decoded[c]!));
        for (let i = lo; i < hi; i++) rowIds[i - lo] = batch.firstRow + i;
        columns.push({ type: "BIGINT", values: rowIds.subarray(0, hi - lo), validity: null });
        appender.append(columns, hi - lo);
        end = batch.firstRow + hi;
      }
      if (end >= to || session.expired()) break;
      await new Promise<void>((r) => setImmediate(r));
    }
    return end;
  } finally {
    appender.close();
  }
}

/** Rows [lo, hi) of one vector as an appender column. */
function slice(v: Vector, lo: number, hi: number, decoded: (string | undefined)[]): AppendColumn {
  const validity = v.validity === null ? null : bitsFrom(v.validity, lo, hi);
  switch (v.type) {
    case ColumnType.FLOAT64: return { type: "DOUBLE", values: v.f64!.subarray(lo, hi), validity };
    case ColumnType.TIMESTAMP: return { type: "TIMESTAMP", values: v.f64!.subarray(lo, hi), validity };
    case ColumnType.INT32: return { type: "INTEGER", values: v.i32!.subarray(lo, hi), validity };
    case ColumnType.BOOL: return { type: "BOOLEAN", values: v.u8!.subarray(lo, hi), validity };
    default: {
      const out: (string | null)[] = new Array(hi - lo);
      for (let i = lo; i < hi; i++) {
        if (validity !== null && (validity[(i - lo) >> 3]! & (1 << ((i - lo) & 7))) === 0) out[i - lo] = null;
        else if (v.strings) out[i - lo] = v.strings(i);
        else { const code = v.codes![i]!; out[i - lo] = decoded[code] ??= v.dict!.get(code); }
      }
      return { type: "VARCHAR", values: out };
    }
  }
}

/** Bits [lo, hi) of a bitmap, re-based at 0: a view when lo is byte-aligned (batches almost always are). */
function bitsFrom(bits: Uint8Array, lo: number, hi: number): Uint8Array {
  if ((lo & 7) === 0) return bits.subarray(lo >> 3, (hi + 7) >> 3);
  const out = new Uint8Array((hi - lo + 7) >> 3);
  for (let i = lo; i < hi; i++) if (bits[i >> 3]! & (1 << (i & 7))) out[(i - lo) >> 3]! |= 1 << ((i - lo) & 7);
  return out;
}
