// Reads the columns audiences need from a FeedBatch into flat typed arrays: dense user id, UTC day,
// and local ids of type, campaign and category (-1 = null). One pass, no allocation per row: string
// columns arrive as global dictionary codes, mapped through CodeTranslation caches (one array load
// per value once warm).
//
// The user is user_id, or anonymous_id when user_id is null (one id space: both are keys of the same
// UserIds, so a user_id and an anonymous_id with the same text are the same user). Rows with neither,
// or without ts, are skipped and counted; so are new users past the UserIds limit.

import type { Vector } from "../column/vector.ts";
import { DAY_MS, type AtomIndex, type DimensionValues } from "./atom-index.ts";
import type { FeedBatch } from "./row-feed.ts";
import type { CodeTranslation, UserIds } from "./user-ids.ts";

export interface RowCounters {
  /** Rows seen in the audience table. */
  rows: number;
  skippedNoUser: number;
  skippedNoTime: number;
  skippedUserLimit: number;
}

export function newRowCounters(): RowCounters {
  return { rows: 0, skippedNoUser: 0, skippedNoTime: 0, skippedUserLimit: 0 };
}

/** Reusable output arrays; grown to the batch size. */
export class RowScratch {
  users = new Uint32Array(0);
  days = new Int32Array(0);
  types = new Int32Array(0);
  campaigns = new Int32Array(0);
  categories = new Int32Array(0);

  reserve(n: number): void {
    if (this.users.length >= n) return;
    this.users = new Uint32Array(n);
    this.days = new Int32Array(n);
    this.types = new Int32Array(n);
    this.campaigns = new Int32Array(n);
    this.categories = new Int32Array(n);
  }
}

const valid = (v: Uint8Array | null, i: number) => v === null || (v[i >> 3]! & (1 << (i & 7))) !== 0;

/** Fills `out` with the batch's usable rows and returns how many. */
export function extractRows(batch: FeedBatch, users: UserIds, index: AtomIndex, out: RowScratch, counters: RowCounters): number {
  const rows = batch.end - batch.begin;
  counters.rows += rows;
  const ts = batch.column("ts"), userCol = stringColumn(batch.column("user_id")), anonCol = stringColumn(batch.column("anonymous_id"));
  if (ts === null || ts.f64 === null) {
    counters.skippedNoTime += rows;
    return 0;
  }
  if (userCol === null && anonCol === null) {
    counters.skippedNoUser += rows;
    return 0;
  }
  out.reserve(rows);
  const userTr = userCol && users.translation(userCol.dict!), anonTr = anonCol && users.translation(anonCol.dict!);
  const t = dimension(batch.column("type"), index.types), c = dimension(batch.column("campaign"), index.campaigns);
  const g = dimension(batch.column("category"), index.categories);
  const types = out.types, campaigns = out.campaigns, categories = out.categories;
  const tsValues = ts.f64, tsValid = ts.validity;
  let n = 0;
  for (let i = batch.begin; i < batch.end; i++) {
    if (!valid(tsValid, i)) {
      counters.skippedNoTime++;
      continue;
    }
    let id: number;
    if (userCol !== null && valid(userCol.validity, i)) id = translate(userTr!, userCol.codes![i]!);
    else if (anonCol !== null && valid(anonCol.validity, i)) id = translate(anonTr!, anonCol.codes![i]!);
    else {
      counters.skippedNoUser++;
      continue;
    }
    if (id < 0) {
      counters.skippedUserLimit++;
      continue;
    }
    out.users[n] = id;
    out.days[n] = Math.floor(tsValues[i]! / DAY_MS);
    types[n] = t.vector === null || !valid(t.vector.validity, i) ? -1 : translate(t.tr!, t.vector.codes![i]!);
    campaigns[n] = c.vector === null || !valid(c.vector.validity, i) ? -1 : translate(c.tr!, c.vector.codes![i]!);
    categories[n] = g.vector === null || !valid(g.vector.validity, i) ? -1 : translate(g.tr!, g.vector.codes![i]!);
    n++;
  }
  return n;
}

function stringColumn(v: Vector | null): Vector | null {
  return v !== null && v.codes !== null && v.dict !== null ? v : null;
}

function dimension(v: Vector | null, values: DimensionValues): { vector: Vector | null; tr: CodeTranslation | null } {
  const vector = stringColumn(v);
  return { vector, tr: vector && values.translation(vector.dict!) };
}

function translate(tr: CodeTranslation, code: number): number {
  const ids = tr.ids;
  const id = code < ids.length ? ids[code]! : -1;
  return id >= 0 ? id : tr.resolve(code);
}
