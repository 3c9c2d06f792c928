// Data-quality counters per stream table, per minute of receive time (received_at, so a replay
// rebuilds the same series): events stored, late events (event time older than receive time by more
// than lateAfterMs), nulls per column, and rejected events by reason and source (from the dead-letter
// table, which holds every rejection with its table, source and code).
//
// A ring of RING_MINUTES per table keeps the recent series for rates, null ratios and alert rules;
// totals since the first event are kept beside it. Duplicates are not rows (they are dropped before
// the store), so they come from the ingest pipeline's live counters, not from here.

import { DEAD_LETTER_TABLE } from "../core/event-schema.ts";
import type { TableSchema } from "../core/types.ts";
import { ByteReader, ByteWriter } from "./byte-codec.ts";
import type { DerivedComponent } from "./derived-state.ts";
import type { FeedBatch } from "./row-feed.ts";

export const RING_MINUTES = 1440;
const MINUTE_MS = 60_000;
const VERSION = 1;

/** Set bits in each byte value. */
const POP = Uint8Array.from({ length: 256 }, (_, b) => { let n = 0; for (let x = b; x; x >>= 1) n += x & 1; return n; });

export interface TableQuality {
  readonly columns: readonly string[];
  /** Minute index (received_at / 60000) of each ring slot; -1 empty. */
  minutes: Float64Array;
  events: Float64Array;
  late: Float64Array;
  /** RING_MINUTES per column, column-major. */
  nulls: Float64Array;
  /** reason -> per-minute rejections. */
  rejected: Map<string, Float64Array>;
  totals: { events: number; late: number; rejected: Record<string, number>; bySource: Record<string, number>; nulls: number[] };
}

function emptyTable(columns: readonly string[]): TableQuality {
  return {
    columns, minutes: new Float64Array(RING_MINUTES).fill(-1), events: new Float64Array(RING_MINUTES), late: new Float64Array(RING_MINUTES),
    nulls: new Float64Array(RING_MINUTES * columns.length), rejected: new Map(),
    totals: { events: 0, late: 0, rejected: {}, bySource: {}, nulls: columns.map(() => 0) },
  };
}

export class DataQuality implements DerivedComponent {
  readonly name = "data_quality";
  readonly tables: string[];
  readonly columns: string[];
  readonly byTable = new Map<string, TableQuality>();

  constructor(streams: readonly TableSchema[], readonly lateAfterMs = 60_000) {
    this.tables = [...streams.map((s) => s.name), DEAD_LETTER_TABLE];
    const cols = new Set<string>(["received_at", "table_name", "source", "code"]);
    for (const s of streams) {
      this.byTable.set(s.name, emptyTable(s.columns.map((c) => c.name)));
      for (const c of s.columns) cols.add(c.name);
    }
    this.columns = [...cols];
  }

  /** The ring slot of `minute`, cleared when it held an older minute. */
  private slot(q: TableQuality, minute: number): number {
    const s = minute % RING_MINUTES;
    if (q.minutes[s] === minute) return s;
    if (q.minutes[s]! > minute) return -1; // older than the ring: totals only
    q.minutes[s] = minute;
    q.events[s] = 0;
    q.late[s] = 0;
    for (let c = 0; c < q.columns.length; c++) q.nulls[c * RING_MINUTES + s] = 0;
    for (const r of q.rejected.values()) r[s] = 0;
    return s;
  }

  consume(b: FeedBatch): void {
    if (b.table === DEAD_LETTER_TABLE) return this.consumeRejections(b);
    const q = this.byTable.get(b.table)!;
    const rec = b.column("received_at")!.f64!, ts = b.column("ts")!.f64!;
    const vectors = q.columns.map((c) => b.column(c));
    // Rows of one record share a receive time: count runs of equal minutes at once.
    for (let i = b.begin; i < b.end;) {
      const minute = Math.floor(rec[i]! / MINUTE_MS);
      let j = i + 1;
      while (j < b.end && Math.floor(rec[j]! / MINUTE_MS) === minute) j++;
      let late = 0;
      for (let k = i; k < j; k++) if (rec[k]! - ts[k]! > this.lateAfterMs) late++;
      const s = this.slot(q, minute);
      q.totals.events += j - i;
      q.totals.late += late;
      if (s >= 0) { q.events[s]! += j - i; q.late[s]! += late; }
      for (let c = 0; c < vectors.length; c++) {
        const v = vectors[c]!.validity;
        const n = v === null ? 0 : nullsIn(v, i, j);
        q.totals.nulls[c]! += n;
        if (s >= 0) q.nulls[c * RING_MINUTES + s]! += n;
      }
      i = j;
    }
  }

  private consumeRejections(b: FeedBatch): void {
    const rec = b.column("received_at")!.f64!, table = b.column("table_name")!, source = b.column("source")!, code = b.column("code")!;
    for (let i = b.begin; i < b.end; i++) {
      const q = this.byTable.get(table.dict!.get(table.codes![i]!));
      if (!q) continue;
      // "kafka:topic/3@1042" counts as "kafka": the label locates one message, the total is per source.
      const reason = code.dict!.get(code.codes![i]!), full = source.dict!.get(source.codes![i]!), colon = full.indexOf(":");
      const src = colon < 0 ? full : full.slice(0, colon);
      q.totals.rejected[reason] = (q.totals.rejected[reason] ?? 0) + 1;
      q.totals.bySource[src] = (q.totals.bySource[src] ?? 0) + 1;
      const s = this.slot(q, Math.floor(rec[i]! / MINUTE_MS));
      if (s < 0) continue;
      let r = q.rejected.get(reason);
      if (!r) q.rejected.set(reason, (r = new Float64Array(RING_MINUTES)));
      r[s]! += 1;
    }
  }

  /** Sum of a per-minute series over minutes [fromMs, toMs) that the ring still holds. */
  sum(table: string, series: "events" | "late" | "rejected" | `nulls:${string}`, fromMs: number, toMs: number): number {
    const q = this.byTable.get(table);
    if (!q) return 0;
    let arr: Float64Array | null = null, off = 0, total = 0;
    if (series === "events" || series === "late") arr = q[series];
    else if (series.startsWith("nulls:")) {
      const c = q.columns.indexOf(series.slice(6));
      if (c < 0) return 0;
      arr = q.nulls;
      off = c * RING_MINUTES;
    }
    for (let m = Math.floor(fromMs / MINUTE_MS), end = Math.ceil(toMs / MINUTE_MS); m < end; m++) {
      const s = m % RING_MINUTES;
      if (q.minutes[s] !== m) continue;
      if (arr) total += arr[off + s]!;
      else for (const r of q.rejected.values()) total += r[s]!;
    }
    return total;
  }

  encode(): Uint8Array {
    const w = new ByteWriter().u32(VERSION);
    w.json([...this.byTable].map(([t, q]) => ({ t, columns: q.columns, totals: q.totals, reasons: [...q.rejected.keys()] })));
    for (const q of this.byTable.values()) {
      w.array(q.minutes, RING_MINUTES).array(q.events, RING_MINUTES).array(q.late, RING_MINUTES).array(q.nulls, q.nulls.length);
      for (const r of q.rejected.values()) w.array(r, RING_MINUTES);
    }
    return w.finish();
  }

  decode(bytes: Uint8Array): void {
    const rd = new ByteReader(bytes, "data-quality checkpoint");
    if (rd.u32() !== VERSION) rd.fail("unknown version");
    const heads = rd.json<{ t: string; columns: string[]; totals: TableQuality["totals"]; reasons: string[] }[]>();
    for (const h of heads) {
      const minutes = rd.f64s(), events = rd.f64s(), late = rd.f64s(), nulls = rd.f64s();
      const rejected = new Map(h.reasons.map((r) => [r, rd.f64s()] as const));
      const q = this.byTable.get(h.t);
      // A table whose columns changed since starts its null series afresh; the rest carries over.
      if (!q || minutes.length !== RING_MINUTES) continue;
      const same = q.columns.length === h.columns.length && q.columns.every((c, i) => c === h.columns[i]);
      this.byTable.set(h.t, {
        ...q, minutes, events, late, rejected,
        nulls: same ? nulls : q.nulls,
        totals: { ...h.totals, nulls: same ? h.totals.nulls : q.totals.nulls },
      });
    }
    rd.end();
  }
}

/** Zero bits of validity for rows [from, to). */
function nullsIn(v: Uint8Array, from: number, to: number): number {
  let set = 0, i = from;
  for (; i < to && (i & 7) !== 0; i++) set += (v[i >> 3]! >> (i & 7)) & 1;
  for (; i + 8 <= to; i += 8) set += POP[v[i >> 3]!]!;
  for (; i < to; i++) set += (v[i >> 3]! >> (i & 7)) & 1;
  return to - from - set;
}
