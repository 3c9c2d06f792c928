// Heavy hitters over a sliding window: one Space-Saving summary per time pane (A. Metwally, D. Agrawal,
// A. El Abbadi, "Efficient computation of frequent and top-k elements in data streams", ICDT 2005),
// merged on query as mergeable summaries (P. K. Agarwal et al., "Mergeable summaries", PODS 2012).
//
// One pane: at most `capacity` (m) counters. A monitored term's counter c and error e bound its true
// count f: c - e <= f <= c. An unmonitored term has f <= min, the smallest counter of a full summary
// (0 while the summary is not full), and min <= N / m for N items added to the pane.
//
// A window of panes P: for a term x, upper(x) = sum over panes of (c_p(x) if monitored else min_p)
// and lower(x) = sum of (c_p(x) - e_p(x)) over the panes monitoring it, so
//
//     lower(x) <= f(x) <= upper(x) <= f(x) + E,   E = sum_p min_p <= N_W / m
//
// with N_W the items in the window. top(k) ranks candidates (terms monitored in some pane: any term
// with f > E is one) by upper bound, ties by term, and reports E with them. Consequences, with T_k the
// k-th largest true count: every term with f > T_k + E is reported, and every reported term has
// f >= T_k - E (test/unit/engine/aggregate/heavy-hitters.test.ts checks both against exact counts).
//
// Panes are a ring indexed by pane number (time / paneMs) and reused; an item for a pane older than
// the ring holds (behind the newest pane by `panes` or more) is dropped and counted in `dropped`.

import { assert } from "../core/assert.ts";

/** One Space-Saving summary: counters in typed arrays, a min-heap of slots by count, a Map term -> slot. */
export class SpaceSaving {
  keys: string[] = [];
  counts: Float64Array;
  errors: Float64Array;
  size = 0;
  /** Items added. */
  total = 0;
  private readonly index = new Map<string, number>();
  private heap: Int32Array;
  private pos: Int32Array;

  constructor(readonly capacity: number) {
    assert(capacity >= 1, "space-saving capacity must be positive");
    this.counts = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
    this.heap = new Int32Array(capacity);
    this.pos = new Int32Array(capacity);
  }

  /** Smallest counter when full (the bound on any unmonitored term), else 0. */
  get min(): number {
    return this.size < this.capacity ? 0 : this.counts[this.heap[0]!]!;
  }

  add(term: string): void {
    this.total++;
    const slot = this.index.get(term);
    if (slot !== undefined) { this.counts[slot]! += 1; this.siftDown(this.pos[slot]!); return; }
    if (this.size < this.capacity) {
      const s = this.size++;
      this.keys[s] = term;
      this.counts[s] = 1;
      this.errors[s] = 0;
      this.index.set(term, s);
      this.heap[s] = s;
      this.pos[s] = s;
      this.siftUp(s);
      return;
    }
    // Replace the minimum: the newcomer inherits its count as error.
    const s = this.heap[0]!;
    this.index.delete(this.keys[s]!);
    this.keys[s] = term;
    this.index.set(term, s);
    this.errors[s] = this.counts[s]!;
    this.counts[s]! += 1;
    this.siftDown(0);
  }

  clear(): void {
    this.index.clear();
    this.keys.length = 0;
    this.size = 0;
    this.total = 0;
  }

  /** Rebuilds a summary from its counters (decode). */
  static from(capacity: number, keys: readonly string[], counts: Float64Array, errors: Float64Array, total: number): SpaceSaving {
    const s = new SpaceSaving(capacity);
    assert(keys.length <= capacity && counts.length === keys.length && errors.length === keys.length, "space-saving arrays disagree");
    for (let i = 0; i < keys.length; i++) {
      s.keys[i] = keys[i]!;
      s.counts[i] = counts[i]!;
      s.errors[i] = errors[i]!;
      s.index.set(keys[i]!, i);
      s.heap[i] = i;
      s.pos[i] = i;
    }
    s.size = keys.length;
    s.total = total;
    for (let i = (s.size >> 1) - 1; i >= 0; i--) s.siftDown(i);
    return s;
  }

  private less(a: number, b: number): boolean {
    return this.counts[a]! < this.counts[b]!;
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!, b = this.heap[j]!;
    this.heap[i] = b; this.pos[b] = i;
    this.heap[j] = a; this.pos[a] = j;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.heap[i]!, this.heap[p]!)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < this.size && this.less(this.heap[l]!, this.heap[m]!)) m = l;
      if (r < this.size && this.less(this.heap[r]!, this.heap[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

export interface HeavyHitter {
  readonly term: string;
  /** Upper bound on the term's count in the window (the estimate). */
  readonly count: number;
  /** Lower bound on it. */
  readonly lower: number;
}

export interface TopTerms {
  readonly terms: HeavyHitter[];
  /** Items counted in the panes read. */
  readonly total: number;
  /** E: no count is overestimated by more than this (<= total / capacity). */
  readonly errorBound: number;
  /** Pane numbers read: [firstPane, lastPane]. */
  readonly firstPane: number;
  readonly lastPane: number;
}

export class SlidingHeavyHitters {
  /** Pane number held by each ring slot, -1 empty. */
  paneOf: Float64Array;
  summaries: SpaceSaving[];
  /** Newest pane number seen, -Infinity before the first item. */
  newest = -Infinity;
  /** Items dropped for being older than the ring. */
  dropped = 0;

  constructor(readonly panes: number, readonly capacity: number) {
    assert(panes >= 1, "at least one pane");
    this.paneOf = new Float64Array(panes).fill(-1);
    this.summaries = Array.from({ length: panes }, () => new SpaceSaving(capacity));
  }

  /** The summary for pane number `pane`, cleared if its slot held an older pane; null when too old. */
  summaryFor(pane: number): SpaceSaving | null {
    if (pane > this.newest) this.newest = pane;
    if (pane <= this.newest - this.panes) return null;
    const slot = pane % this.panes;
    if (this.paneOf[slot] !== pane) {
      this.paneOf[slot] = pane;
      // A pane decoded from a checkpoint of another capacity gets the configured one when reused.
      if (this.summaries[slot]!.capacity !== this.capacity) this.summaries[slot] = new SpaceSaving(this.capacity);
      else this.summaries[slot]!.clear();
    }
    return this.summaries[slot]!;
  }

  add(term: string, pane: number): void {
    const s = this.summaryFor(pane);
    if (s) s.add(term);
    else this.dropped++;
  }

  /** The k terms with the largest upper bounds over panes [lastPane - panesWanted + 1, lastPane]. */
  top(k: number, lastPane: number, panesWanted: number): TopTerms {
    const first = Math.max(lastPane - Math.min(panesWanted, this.panes) + 1, this.newest - this.panes + 1);
    // Candidates by first sight: term -> index into the excess (sum of count - min) and lower arrays.
    const index = new Map<string, number>(), terms: string[] = [];
    let excess: Float64Array = new Float64Array(1024), lower: Float64Array = new Float64Array(1024);
    let total = 0, errorBound = 0;
    for (let p = first; p <= lastPane; p++) {
      const slot = ((p % this.panes) + this.panes) % this.panes;
      if (this.paneOf[slot] !== p) continue;
      const s = this.summaries[slot]!, min = s.min;
      total += s.total;
      errorBound += min;
      for (let i = 0; i < s.size; i++) {
        const t = s.keys[i]!;
        let j = index.get(t);
        if (j === undefined) {
          j = terms.length;
          if (j === excess.length) { excess = grow(excess); lower = grow(lower); }
          index.set(t, j);
          terms.push(t);
        }
        excess[j]! += s.counts[i]! - min;
        lower[j]! += s.counts[i]! - s.errors[i]!;
      }
    }
    const order = Int32Array.from(terms.keys());
    order.sort((a, b) => excess[b]! - excess[a]! || (terms[a]! < terms[b]! ? -1 : terms[a]! > terms[b]! ? 1 : 0));
    const out: HeavyHitter[] = [];
    for (let i = 0; i < Math.min(k, order.length); i++) {
      const j = order[i]!;
      out.push({ term: terms[j]!, count: excess[j]! + errorBound, lower: lower[j]! });
    }
    return { terms: out, total, errorBound, firstPane: first, lastPane };
  }
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
