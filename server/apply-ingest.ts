// Applies one ingest WAL record to the in-memory state: the store's tables and the de-duplication
// window. The live path and recovery both call this, in WAL order, so a restarted process holds
// exactly what the live one did.

import { decodeBatch, type DecodedBatch } from "../engine/core/batch-codec.ts";
import { DEAD_LETTER_TABLE } from "../engine/core/event-schema.ts";
import type { Catalog } from "../engine/store/catalog.ts";
import type { DictMaps } from "../engine/store/table.ts";
import type { IngestRecord } from "../storage/ingest-record.ts";
import type { DedupWindow } from "./ingest/dedup-window.ts";

/** The record's batches, decoded once: the live path decodes them before logging, to check room. */
export interface DecodedRecord { batch: DecodedBatch; deadLetters: DecodedBatch | null }

export function decodeRecord(rec: Pick<IngestRecord, "batch" | "deadLetters">): DecodedRecord {
  return { batch: decodeBatch(rec.batch), deadLetters: rec.deadLetters ? decodeBatch(rec.deadLetters) : null };
}

/** The code maps an apply may use; null: look strings up. */
export interface UsableMaps { maps: DictMaps | null; deadLetterMaps: DictMaps | null }

/**
 * Recovery only, before applying: re-inserts the dictionary values the record gave new codes, so its
 * code maps mean what they meant when it was logged, and returns the maps it is safe to use. A table
 * whose logged codes stop lining up (a record before this one was quarantined) is listed in
 * `distrusted` and replayed from then on by looking strings up: codes live only in memory, so
 * either way gives a correct store.
 */
export function restoreDictionaries(catalog: Catalog, rec: IngestRecord, decoded: DecodedRecord, distrusted: Set<string>): UsableMaps {
  const restore = (batch: DecodedBatch, maps: DictMaps | null): DictMaps | null => {
    const table = catalog.get(batch.table);
    if (!maps || !table || distrusted.has(batch.table)) return null;
    if (table.restoreDictionaries(batch, maps)) return maps;
    distrusted.add(batch.table);
    return null;
  };
  return {
    maps: restore(decoded.batch, rec.maps),
    deadLetterMaps: decoded.deadLetters ? restore(decoded.deadLetters, rec.deadLetterMaps) : null,
  };
}

/**
 * Appends the record's rows, with its code maps where given (then no string is looked up), and
 * returns how many rows it stored. A table missing from the config now (declared when the record
 * was written) stores nothing: its rows stay in the WAL and come back if it is declared again.
 */
export function applyIngestRecord(catalog: Catalog, rec: IngestRecord, decoded: DecodedRecord, use: UsableMaps): number {
  const table = catalog.get(decoded.batch.table);
  const stored = table ? table.appendBatch(decoded.batch, rec.drops, use.maps) : 0;
  if (decoded.deadLetters) catalog.get(DEAD_LETTER_TABLE)!.appendBatch(decoded.deadLetters, null, use.deadLetterMaps);
  return stored;
}

/**
 * Recovery only: re-remembers the ids a record stored, with the receive time it was logged with.
 * Call between dedup.beginReplay() and dedup.endReplay().
 */
export function rememberIds(dedup: DedupWindow, rec: IngestRecord): void {
  const h = rec.idHashes;
  for (let i = 0; i < rec.rowCount; i++) {
    const lo = h[2 * i]!, hi = h[2 * i + 1]!;
    if (lo === 0 && hi === 0) continue;
    // A dropped row moved the live window's clock too (checkAndAdd clamps time on every id).
    if (rec.drops && (rec.drops[i >> 3]! & (1 << (i & 7))) !== 0) dedup.replayTime(rec.receivedAt);
    else dedup.replayAdd(lo, hi, rec.receivedAt);
  }
}
