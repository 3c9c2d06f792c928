// Seeded event streams for funnel and journey tests: sessions of a few users (logged in, anonymous or
// neither) that overlap in time, in arrival order, with each event's ts lagging its arrival (most by
// < 2 s, some by minutes, a few by half an hour: late and out of order), and ts rounded to the second
// now and then so equal times occur.

import type { PlainEvent } from "../../../helpers/event-feed.ts";
import { mulberry32 as rng } from "../../../sim/rng.ts";
export { mulberry32 as rng } from "../../../sim/rng.ts";

export const STREAM_START_MS = Date.UTC(2025, 2, 1);


const TYPES: readonly [string, number][] = [["view", 5], ["add_to_cart", 2], ["checkout", 1], ["purchase", 1], ["search", 2], ["page_view", 3]];

function pick(r: () => number, items: readonly [string, number][]): string {
  let x = r() * items.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of items) if ((x -= w) < 0) return v;
  return items[items.length - 1]![0];
}

export interface StreamOptions {
  readonly users?: number;
  /** Mean gap between session starts, ms. */
  readonly sessionGapMs?: number;
  readonly eventsPerSessionMax?: number;
}

/** `count` events in arrival order; event_id is `ev<n>` in generation order. */
export function sessionStream(seed: number, count: number, o: StreamOptions = {}): PlainEvent[] {
  const r = rng(seed);
  const users = o.users ?? 12, gap = o.sessionGapMs ?? 30_000, perSession = o.eventsPerSessionMax ?? 12;
  const out: { e: PlainEvent; arrival: number }[] = [];
  let clock = STREAM_START_MS;
  while (out.length < count) {
    const who: PlainEvent = r() < 0.08 ? {} : r() < 0.7 ? { user_id: `u${Math.floor(r() * users)}` } : { anonymous_id: `a${Math.floor(r() * (users / 2 + 1))}` };
    const session = `s${out.length}`;
    let t = clock + Math.floor(r() * 60_000);
    for (let n = 1 + Math.floor(r() * perSession); n > 0 && out.length < count; n--) {
      t += Math.floor(r() * (r() < 0.2 ? 600_000 : 60_000));
      const ts = r() < 0.3 ? Math.round(t / 1000) * 1000 : t;
      const x = r();
      const lag = Math.floor(x < 0.8 ? r() * 2000 : x < 0.95 ? r() * 120_000 : r() * 1_800_000);
      const e: PlainEvent = {
        event_id: `ev${out.length}`, ts, type: pick(r, TYPES), session_id: session, ...who,
        category: `c${1 + Math.floor(r() * 3)}`, item_id: `i${1 + Math.floor(r() * 5)}`,
      };
      if (r() < 0.5) e.channel = r() < 0.5 ? "email" : "search";
      out.push({ e, arrival: ts + lag });
    }
    clock += Math.floor(r() * 2 * gap);
  }
  return out.map((x, i) => ({ ...x, i })).sort((a, b) => a.arrival - b.arrival || a.i - b.i).map((x) => x.e);
}

/** Splits `items` into consecutive slices of random sizes in [1, maxSize]. */
export function randomSlices<T>(seed: number, items: readonly T[], maxSize: number): T[][] {
  const r = rng(seed);
  const out: T[][] = [];
  for (let i = 0; i < items.length;) {
    const n = 1 + Math.floor(r() * maxSize);
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}
