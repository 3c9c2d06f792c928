// Encoded answers kept by query text while the state they were computed from is unchanged. A
// dashboard polls the same few queries every second from every open tab; between two ingest batches
// their answers cannot change, so the second and later askers get the bytes the first one paid for.
// Never stale: an entry carries the stamp of the state it was read from (for /v1/metrics, the
// rollups' generation, which moves on every change, and the hour tables held) and an entry with
// another stamp is a miss. It is kept until the new answer replaces it, though: the new one is read
// from it where the cells did not change, and the series whose values did not change are not
// encoded again (metrics.ts). Bounded in bytes and entries, least
// recently used first out.
//
// An entry also remembers whether it was asked for since it was computed: those are the answers a
// dashboard polls, and metrics-refresh.ts computes them again after a change before anyone asks, so
// the next ask is a hit. Computing only answers asked since bounds that work by the asks: at most
// one refresh per ask.
//
// Bodies are kept as Blobs: Bun copies a Uint8Array into every Response, while Responses made from
// one Blob share its bytes. A 113 KB answer copied per request drove an eden collection every ~200
// requests (~1 ms each on the serving thread: the p99 of a polled dashboard); from a Blob, a hit
// allocates next to nothing.

import type { PriorAnswer } from "../../engine/aggregate/rollup-query-update.ts";
import type { MetricsQuestion } from "./metrics.ts";

export interface AnswerCacheStats {
  hits: number;
  /** Answers computed again after a change, before anyone asked (noteRefreshed). */
  refreshed: number;
  misses: number;
  /** Series of computed answers whose bytes came from the answer before (noteSeriesKept). */
  seriesKept: number;
  /** Computed answers read again only where cells changed since the one kept (noteUpdated). */
  updated: number;
  entries: number;
  bytes: number;
}

/**
 * What a kept answer was read from and holds, to bring it up to date (metrics.ts,
 * rollup-query-update.ts): per series, in answer order, its key, the key as JSON, its values (null
 * as NaN) and its encoded bytes.
 */
export interface KeptAnswer extends PriorAnswer {
  readonly generation: number;
  readonly heldVersion: number;
  readonly bytes: readonly Uint8Array[];
}

interface Entry {
  readonly stamp: string;
  readonly body: Blob;
  readonly kept: KeptAnswer | null;
  readonly size: number;
  /** The question, as the route parsed it, to compute the answer again without a request. */
  readonly question: MetricsQuestion | null;
  /** Asked for (computed for an ask, or a hit) since it was computed. */
  asked: boolean;
  /** When it was last asked for (the cache's clock, ms). */
  askedAt: number;
  /** Time between asks, smoothed (NaN until asked twice): when the next ask is expected. */
  gap: number;
}

/** Asked at least this often, an answer is refreshed as soon as it changes; less often, just before the next ask is due. */
const FAST_GAP_MS = 100;

/** How long before an ask is due its refresh runs: a twentieth of the gap, within [5, 50] ms. */
const leadOf = (gap: number) => Math.min(50, Math.max(5, gap / 20));

/** Weight of the newest gap between asks in the smoothed one. */
const GAP_WEIGHT = 0.3;

/** A rolling question asked within this long (or two of its gaps) is moved on when its window ends. */
const ROLLING_RECENT_MS = 60_000;

function recentlyAsked(e: Entry, now: number): boolean {
  return now - e.askedAt <= Math.max(ROLLING_RECENT_MS, e.gap === e.gap ? 2 * e.gap : 0);
}

/** When a stale answer's refresh is due: at once if asked often or not yet twice, else just before its next ask. */
function dueAt(e: Entry): number {
  return e.gap === e.gap && e.gap > FAST_GAP_MS ? e.askedAt + e.gap - leadOf(e.gap) : -Infinity;
}

export class AnswerCache {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private refreshed = 0;
  private misses = 0;
  private seriesKept = 0;
  private updated = 0;

  /** `maxBytes` 0 keeps nothing (every ask is a miss). `now`: the clock asks are timed with (ms). */
  constructor(private readonly maxBytes: number, private readonly maxEntries = 256, readonly now: () => number = () => performance.now()) {}

  /** The body stored for `key` at `stamp`, or undefined. */
  get(key: string, stamp: string): Blob | undefined {
    const e = this.entries.get(key);
    if (e === undefined || e.stamp !== stamp) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.noteAsk(e, e);
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.body;
  }

  /**
   * The most recently used entry asked for since it was computed whose stamp is not the one its
   * question has now (`stampOf`: its answer may have changed) and whose refresh is due, or null. A
   * refresh is due at once for an answer asked often (FAST_GAP_MS), else shortly before its next ask
   * is expected: refreshed right after the first change, a slowly polled answer would most often
   * have changed again by its next ask. A refresh does not make its entry more recent.
   */
  staleAsked(stampOf: (q: MetricsQuestion) => string): { key: string; question: MetricsQuestion } | null {
    const now = this.now();
    let found: { key: string; question: MetricsQuestion } | null = null;
    for (const [key, e] of this.entries) if (e.asked && e.question !== null && dueAt(e) <= now && e.stamp !== stampOf(e.question)) found = { key, question: e.question };
    return found;
  }

  /** When the next refresh not due yet is (a stale answer asked since it was computed), or Infinity. */
  nextDue(stampOf: (q: MetricsQuestion) => string): number {
    let next = Infinity;
    for (const e of this.entries.values()) {
      const due = e.asked && e.question !== null ? dueAt(e) : Infinity;
      if (due < next && e.stamp !== stampOf(e.question!)) next = due;
    }
    return next;
  }

  /**
   * Questions whose window follows the clock (MetricsQuestion.rolling), asked lately (within two
   * gaps between their asks, or ROLLING_RECENT_MS), whose window ended before `nowWall`: the next
   * ask is a new question, to be answered before it comes (MetricsRefresh).
   */
  rolledPast(nowWall: number): { key: string; question: MetricsQuestion }[] {
    const now = this.now(), out: { key: string; question: MetricsQuestion }[] = [];
    for (const [key, e] of this.entries) if (e.question?.rolling && e.question.query.to < nowWall && recentlyAsked(e, now)) out.push({ key, question: e.question });
    return out;
  }

  /**
   * `to` takes over from `from` (the same rolling question, its window moved): its asks so far, so
   * it is refreshed and moved on as `from` was; `from` is no longer refreshed or moved.
   */
  succeed(from: string, to: string): void {
    const a = this.entries.get(from), b = this.entries.get(to);
    if (a !== undefined && b !== undefined) { b.askedAt = a.askedAt; b.gap = a.gap; b.asked = true; }
    this.retire(from);
  }

  /** `key` is neither refreshed nor moved on any more (until asked again). */
  retire(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    e.asked = false;
    e.askedAt = NaN;
    e.gap = NaN;
  }

  /** Forgets `key` (a refresh that failed: the next ask computes, and reports, for itself). */
  drop(key: string): void {
    const e = this.entries.get(key);
    if (e !== undefined) this.remove(key, e);
  }

  /** The last answer kept for `key`, whatever its stamp. */
  kept(key: string): KeptAnswer | null {
    return this.entries.get(key)?.kept ?? null;
  }

  /**
   * Keeps `body` (and what it was made from) for `key` at `stamp`, replacing what was kept for `key`.
   * `asked`: computed for an ask (true) or by a refresh (false; it keeps its place in recency order).
   */
  set(key: string, stamp: string, body: Blob, kept: KeptAnswer | null = null, question: MetricsQuestion | null = null, asked = true): void {
    const old = this.entries.get(key);
    let size = body.size;
    if (kept !== null) {
      size += kept.cellsPerPoint.byteLength;
      for (let i = 0; i < kept.values.length; i++) size += kept.values[i]!.byteLength + kept.bytes[i]!.byteLength;
    }
    // An answer larger than a quarter of the budget would push out everything else for one query.
    if (size * 4 > this.maxBytes) {
      if (old !== undefined) this.remove(key, old);
      return;
    }
    if (old !== undefined) {
      this.bytes -= old.size;
      // Map.set on a key present keeps its place: a refresh is not a use.
      if (asked) this.entries.delete(key);
    }
    const e: Entry = { stamp, body, kept, size, question, asked, askedAt: old?.askedAt ?? NaN, gap: old?.gap ?? NaN };
    if (asked) this.noteAsk(e, old);
    this.entries.set(key, e);
    this.bytes += size;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= this.maxEntries) break;
      this.remove(k, e);
    }
  }

  /** Counts `n` series of a computed answer taken from the kept one. */
  noteSeriesKept(n: number): void {
    this.seriesKept += n;
  }

  /** Counts an answer brought up to date from the kept one instead of read whole. */
  noteUpdated(): void {
    this.updated++;
  }

  /** Counts an answer computed again before an ask. */
  noteRefreshed(): void {
    this.refreshed++;
  }

  stats(): AnswerCacheStats {
    return { hits: this.hits, refreshed: this.refreshed, misses: this.misses, seriesKept: this.seriesKept, updated: this.updated, entries: this.entries.size, bytes: this.bytes };
  }

  /** `e` was asked for now; `before` holds the last ask's time (and the gap so far). */
  private noteAsk(e: Entry, before: Entry | undefined): void {
    const now = this.now(), last = before?.askedAt ?? NaN;
    if (last === last) e.gap = e.gap === e.gap ? e.gap + GAP_WEIGHT * (now - last - e.gap) : now - last;
    e.askedAt = now;
    e.asked = true;
  }

  private remove(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.size;
  }
}
