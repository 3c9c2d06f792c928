// The checkpoint format of the `social` derived state. Keyed by brand names and terms, never by
// global dictionary codes (the text cache is not persisted: it refills itself).
//
//   u32   VERSION (1)
//   json  { brands: [name...], retentionMinutes, newestMinute (null before the first post), counters,
//           trending: { panes, capacity, newest (null), dropped } }
//   f64[] minutes                       retentionMinutes slots, -1 empty
//   f64[] measure, per SOCIAL_MEASURES  retentionMinutes * (1 + brands) values, slot-major
//   per trending slot (trending.panes of them):
//     f64[] [pane, total, capacity]      pane -1 = empty (then nothing follows)
//     json  keys                         the monitored terms
//     f64[] counts, f64[] errors         one per key
//
// Decoding into a component configured differently keeps what still fits: brands are matched by
// name (a removed brand's series are dropped, a new brand starts empty), minutes and panes are placed
// in the new rings when they are within the new retention, a pane keeps the capacity it was built with
// until its slot is reused (the error bound is per pane, so mixed capacities stay correct).

import { ByteReader, ByteWriter } from "./byte-codec.ts";
import { SpaceSaving } from "./heavy-hitters.ts";
import type { SocialCounters, SocialListening } from "./social-listening.ts";

const VERSION = 1;

interface Header {
  brands: string[];
  retentionMinutes: number;
  newestMinute: number | null;
  counters: SocialCounters;
  trending: { panes: number; capacity: number; newest: number | null; dropped: number };
}

export function encodeSocial(c: SocialListening): Uint8Array {
  const R = c.minutes.length, h = c.hitters;
  const header: Header = {
    brands: c.config.brands.map((b) => b.name), retentionMinutes: R,
    newestMinute: Number.isFinite(c.newestMinute) ? c.newestMinute : null, counters: c.counters,
    trending: { panes: h.panes, capacity: h.capacity, newest: Number.isFinite(h.newest) ? h.newest : null, dropped: h.dropped },
  };
  const w = new ByteWriter().u32(VERSION).json(header).array(c.minutes, R);
  for (const m of c.measures) w.array(m, m.length);
  for (let s = 0; s < h.panes; s++) {
    const sum = h.summaries[s]!, pane = h.paneOf[s]!;
    w.array(Float64Array.of(pane, sum.total, sum.capacity), 3);
    if (pane < 0) continue;
    w.json(sum.keys.slice(0, sum.size)).array(sum.counts, sum.size).array(sum.errors, sum.size);
  }
  return w.finish();
}

export function decodeSocial(c: SocialListening, bytes: Uint8Array): void {
  const rd = new ByteReader(bytes, "social checkpoint");
  if (rd.u32() !== VERSION) rd.fail("unknown version");
  const hd = rd.json<Header>();
  const oldR = hd.retentionMinutes, oldRows = 1 + hd.brands.length;
  const minutes = rd.f64s();
  if (minutes.length !== oldR) rd.fail(`${minutes.length} minutes for a retention of ${oldR}`);
  const measures = c.measures.map(() => rd.f64s());
  for (const m of measures) if (m.length !== oldR * oldRows) rd.fail(`measure of ${m.length} values, expected ${oldR * oldRows}`);
  // Old row -> new row (-1: brand no longer configured).
  const rowMap = [0, ...hd.brands.map((name) => { const id = c.brandId(name); return id < 0 ? -1 : 1 + id; })];
  const R = c.minutes.length, rows = c.rows;
  c.minutes.fill(-1);
  for (const m of c.measures) m.fill(0);
  c.newestMinute = hd.newestMinute ?? -Infinity;
  for (let s = 0; s < oldR; s++) {
    const minute = minutes[s]!;
    if (minute < 0 || minute <= c.newestMinute - R) continue;
    const t = minute % R;
    c.minutes[t] = minute;
    for (let k = 0; k < measures.length; k++) {
      for (let r = 0; r < oldRows; r++) if (rowMap[r]! >= 0) c.measures[k]![t * rows + rowMap[r]!] = measures[k]![s * oldRows + r]!;
    }
  }
  c.counters = { ...hd.counters };
  decodeTrending(c, rd, hd);
  rd.end();
}

function decodeTrending(c: SocialListening, rd: ByteReader, hd: Header): void {
  const h = c.hitters;
  h.paneOf.fill(-1);
  for (const s of h.summaries) s.clear();
  h.newest = hd.trending.newest ?? -Infinity;
  h.dropped = hd.trending.dropped;
  for (let s = 0; s < hd.trending.panes; s++) {
    const head = rd.f64s();
    if (head.length !== 3) rd.fail("trending pane header");
    const [pane, total, capacity] = head as unknown as [number, number, number];
    if (pane < 0) continue;
    const keys = rd.json<string[]>(), counts = rd.f64s(), errors = rd.f64s();
    if (!Array.isArray(keys) || counts.length !== keys.length || errors.length !== keys.length || keys.length > capacity) rd.fail("trending pane arrays disagree");
    if (pane <= h.newest - h.panes) continue;
    const t = pane % h.panes;
    h.paneOf[t] = pane;
    h.summaries[t] = SpaceSaving.from(capacity, keys, counts, errors, total);
  }
}
