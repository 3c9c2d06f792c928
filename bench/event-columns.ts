// Generated events (data.ts) held as whole-stream column vectors, and FeedBatches over any row range
// of them: what the store hands derived state, without the store. Benchmarks of derived components
// feed millions of events this way in a second instead of a minute, and time the component alone.
// Only the columns profiles and similar components read are kept.

import { StringDictionary } from "../engine/column/string-dictionary.ts";
import type { Vector } from "../engine/column/vector.ts";
import type { FeedBatch } from "../engine/aggregate/row-feed.ts";
import { ColumnType } from "../engine/core/types.ts";
import type { GeneratedEvent } from "./data.ts";

export const STRINGS = ["type", "user_id", "anonymous_id", "session_id", "item_id", "campaign", "channel"] as const;
export type StringColumn = (typeof STRINGS)[number];
const utf8 = new TextEncoder();

export class EventColumns {
  rowCount = 0;
  readonly ts: Float64Array;
  readonly receivedAt: Float64Array;
  readonly revenue: Float64Array;
  readonly revenueValid: Uint8Array;
  readonly codes = new Map<StringColumn, Uint32Array>();
  readonly valid = new Map<StringColumn, Uint8Array>();
  readonly dicts = new Map<StringColumn, StringDictionary>();
  private readonly vectors = new Map<string, Vector>();

  /** `dicts`: share another instance's dictionaries (then its codes are valid here). */
  constructor(readonly capacity: number, dicts?: ReadonlyMap<StringColumn, StringDictionary>) {
    this.ts = new Float64Array(capacity);
    this.receivedAt = new Float64Array(capacity);
    this.revenue = new Float64Array(capacity);
    this.revenueValid = new Uint8Array((capacity + 7) >> 3);
    for (const c of STRINGS) {
      this.codes.set(c, new Uint32Array(capacity));
      this.valid.set(c, new Uint8Array((capacity + 7) >> 3));
      this.dicts.set(c, dicts?.get(c) ?? new StringDictionary());
    }
    const vec = (type: ColumnType, v: Partial<Vector>): Vector => ({ type, validity: null, f64: null, i32: null, u8: null, codes: null, dict: null, ...v });
    this.vectors.set("ts", vec(ColumnType.TIMESTAMP, { f64: this.ts }));
    this.vectors.set("received_at", vec(ColumnType.TIMESTAMP, { f64: this.receivedAt }));
    this.vectors.set("revenue", vec(ColumnType.FLOAT64, { f64: this.revenue, validity: this.revenueValid }));
    for (const c of STRINGS) this.vectors.set(c, vec(ColumnType.STRING, { codes: this.codes.get(c)!, validity: this.valid.get(c)!, dict: this.dicts.get(c)! }));
  }

  /** Appends events that arrived together (one receive time: a little after the newest, as the server stamps a request). */
  addChunk(events: readonly GeneratedEvent[]): void {
    let received = 0;
    for (const e of events) received = Math.max(received, e.ts);
    for (const e of events) {
      const i = this.rowCount++;
      this.ts[i] = e.ts;
      this.receivedAt[i] = received + 20;
      if (e.revenue !== undefined) { this.revenue[i] = e.revenue; this.revenueValid[i >> 3]! |= 1 << (i & 7); }
      for (const c of STRINGS) {
        const v = e[c];
        if (v === undefined) continue;
        const dict = this.dicts.get(c)!;
        let code = dict.find(v);
        if (code < 0) { const b = utf8.encode(v); code = dict.codeOfBytes(b, 0, b.length); }
        this.codes.get(c)![i] = code;
        this.valid.get(c)![i >> 3]! |= 1 << (i & 7);
      }
    }
  }

  /**
   * Appends row `r` of `src` (which shares this instance's dictionaries) with its times shifted by
   * `shiftMs` and user_id set to `userCode` (anonymous_id left null): replays a generated stream as
   * many times as a benchmark needs events, for the cost of a copy.
   */
  copyRow(src: EventColumns, r: number, shiftMs: number, userCode: number): void {
    const i = this.rowCount++;
    this.ts[i] = src.ts[r]! + shiftMs;
    this.receivedAt[i] = src.receivedAt[r]! + shiftMs;
    this.revenue[i] = src.revenue[r]!;
    const bit = (v: Uint8Array, ok: boolean) => { if (ok) v[i >> 3]! |= 1 << (i & 7); };
    bit(this.revenueValid, ((src.revenueValid[r >> 3]! >> (r & 7)) & 1) === 1);
    for (const c of STRINGS) {
      const code = c === "user_id" ? userCode : src.codes.get(c)![r]!;
      this.codes.get(c)![i] = code;
      bit(this.valid.get(c)!, c === "user_id" || (c !== "anonymous_id" && ((src.valid.get(c)![r >> 3]! >> (r & 7)) & 1) === 1));
    }
  }

  /** Rows [begin, end) as a FeedBatch (vectors span the whole stream; positions are row numbers). */
  batch(begin: number, end: number): FeedBatch {
    return { table: "events", begin, end, firstRow: 0, column: (name) => this.vectors.get(name) ?? null };
  }
}
