// One subject's retained matching events for one funnel or journey, and the dynamic program that
// finds its step chains. A history is a Float64Array of entries sorted by (ts, row), stride
// 2 + words + steps:
//
//   +----+-----+------------------------+------------------------------------------+
//   | ts | row | mask words (int32 each) | start[0] ... start[steps - 1]            |
//   +----+-----+------------------------+------------------------------------------+
//
// mask bit k (word k >>> 5, bit k & 31) says the event matches step k; journeys add one more bit
// (the absent predicate) that the program ignores. start[k] is the latest possible first-event time
// of a valid chain that reaches step k at this entry, -Infinity when there is none.
//
// A chain e0 < e1 < ... < ek (distinct entries in history order) is valid when each ej matches step j,
// ej.ts - e(j-1).ts <= stepWindow[j] and ek.ts - e0.ts <= window. For extending a chain only its
// start and its last event matter, and a later start is better for both the window and the duration
// (ts - start): so keeping the maximum start per (entry, step) loses nothing, and
//   start[0](j) = ts_j;  start[k](j) = max start[k-1](i) over i < j with ts_j - ts_i <= stepWindow[k]
//                                       and ts_j - start[k-1](i) <= window.
//
// Invariants: starts only ever grow (adding an event only adds chains), so recomputation merges with
// the stored value with max() and never loses a chain whose first events were pruned. A new event's
// row is larger than every retained row, so it goes after all entries of equal ts.

export const TS = 0;
export const ROW = 1;
export const MASK = 2;

export interface HistoryShape {
  /** Steps the program tracks. */
  readonly steps: number;
  /** Mask words per entry (bits: steps, plus any extra bits of the owner). */
  readonly words: number;
  readonly stride: number;
  /** Offset of start[0] in an entry. */
  readonly startAt: number;
  /** limit[k] = min(stepWindow[k], window) for k >= 1: the farthest back step k-1's event may lie. */
  readonly limit: Float64Array;
  readonly windowMs: number;
}

export function historyShape(stepWindowMs: readonly number[], windowMs: number, extraBits: number): HistoryShape {
  const steps = stepWindowMs.length;
  const words = Math.ceil((steps + extraBits) / 32);
  const limit = new Float64Array(steps);
  for (let k = 1; k < steps; k++) limit[k] = Math.min(stepWindowMs[k]!, windowMs);
  return { steps, words, stride: 2 + words + steps, startAt: 2 + words, limit, windowMs };
}

/** Index of the first entry with ts > `ts`: where an event with this ts and a new row goes. */
export function insertionPoint(h: Float64Array, m: number, stride: number, ts: number): number {
  if (m === 0 || h[(m - 1) * stride]! <= ts) return m; // in order: the common case
  let lo = 0, hi = m;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (h[mid * stride]! <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of leading entries with ts < `horizon`. */
export function countBefore(h: Float64Array, m: number, stride: number, horizon: number): number {
  let lo = 0, hi = m;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (h[mid * stride]! < horizon) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the entry (ts, row), or -1. */
export function findEntry(h: Float64Array, m: number, stride: number, ts: number, row: number): number {
  for (let i = countBefore(h, m, stride, ts); i < m && h[i * stride] === ts; i++) if (h[i * stride + ROW] === row) return i;
  return -1;
}

/**
 * Writes a new entry at position p (h holds m entries and room for one more), shifting later ones:
 * its mask words come from masks[maskAt, maskAt + words), its starts are -Infinity.
 */
export function insertEntry(h: Float64Array, m: number, sh: HistoryShape, p: number, ts: number, row: number, masks: Int32Array, maskAt: number): void {
  const s = sh.stride, o = p * s;
  if (p < m) h.copyWithin(o + s, o, m * s);
  h[o + TS] = ts;
  h[o + ROW] = row;
  for (let w = 0; w < sh.words; w++) h[o + MASK + w] = masks[maskAt + w]!;
  for (let i = o + sh.startAt; i < o + s; i++) h[i] = -Infinity;
}

/** Removes the first k of m entries. */
export function dropFirst(h: Float64Array, m: number, stride: number, k: number): void {
  if (k > 0) h.copyWithin(0, k * stride, m * stride);
}

/**
 * Recomputes the starts of the entries from p (just inserted) on, as far as a chain through p can
 * reach (window after p's ts); returns the end of the recomputed range. Entries before p cannot
 * change: a chain ending there cannot use a later event.
 */
export function propagate(h: Float64Array, m: number, sh: HistoryShape, p: number): number {
  const s = sh.stride, n = sh.steps, at = sh.startAt, limit = sh.limit, win = sh.windowMs;
  const tsNew = h[p * s]!;
  let j = p;
  for (; j < m; j++) {
    const oj = j * s, tj = h[oj]!;
    if (tj - tsNew > win) break;
    if ((h[oj + MASK]! | 0) & 1) h[oj + at] = tj;
    for (let k = 1; k < n; k++) {
      if (((h[oj + MASK + (k >>> 5)]! | 0) & (1 << (k & 31))) === 0) continue;
      h[oj + at + k] = bestStart(h, j, s, MASK + ((k - 1) >>> 5), 1 << ((k - 1) & 31), at + k - 1, tj - limit[k]!, tj - win, h[oj + at + k]!);
    }
  }
  return j;
}

/**
 * The latest start of a chain reaching the previous step at an entry before j that entry j may extend:
 * scans back from j - 1 while entries are within the step's limit, stopping as soon as no earlier
 * entry can beat `best` (a start is never later than its entry's own ts).
 */
function bestStart(h: Float64Array, j: number, s: number, word: number, bit: number, startOff: number, tsMin: number, startMin: number, best: number): number {
  for (let i = j - 1; i >= 0; i--) {
    const oi = i * s, ti = h[oi]!;
    if (ti < tsMin || ti <= best) break;
    if (((h[oi + word]! | 0) & bit) === 0) continue;
    const st = h[oi + startOff]!;
    if (st > best && st >= startMin) best = st;
  }
  return best;
}
