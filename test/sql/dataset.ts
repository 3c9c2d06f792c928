// The events the SQL corpus and the random queries run over: seeded realistic traffic from
// bench/data.ts (same seed, same events, on any machine) plus a few hand-written edge events that
// realistic traffic lacks: every optional field missing or explicitly null, empty strings, non-ASCII
// text (case mapping, length in characters), LIKE metacharacters, zero and negative money, huge and
// tiny doubles (one event each, so they do not swamp the sums other queries check), and timestamps
// exactly on minute and hour boundaries.
//
// Time range of the default set (seed 42, 20,000 events): 2025-02-28T23:00:22Z to
// 2025-03-01T00:13:28Z; 99% of events lie in 2025-03-01T00:00:00Z..00:13:28Z. Queries must use
// timestamp literals in that range, never now().

import { generateEvents, type GeneratedEvent } from "../../bench/data.ts";

export const DATA_SEED = 42;
export const DATA_EVENTS = 20_000;

/** Hand-written events with NULLs, empty strings and awkward values; ids start with "edge-". */
export function edgeEvents(): Record<string, unknown>[] {
  const at = (iso: string) => iso;
  const bare = Array.from({ length: 12 }, (_, i) => ({
    event_id: `edge-bare-${i}`, type: i % 2 === 0 ? "custom_evt" : "page_view", ts: at(`2025-03-01T00:0${i % 10}:30.5${i % 10}0Z`),
  }));
  const nulls = Array.from({ length: 8 }, (_, i) => ({
    event_id: `edge-null-${i}`, type: "purchase", ts: at(`2025-03-01T00:1${i % 4}:00.000Z`),
    user_id: null, session_id: null, campaign: null, channel: null, country: null, device: null, os: null,
    price: null, quantity: null, revenue: i % 2 === 0 ? null : 10 * i, cost: null, currency: null, url: null, text: null,
  }));
  return [
    ...bare,
    ...nulls,
    { event_id: "edge-empty-0", type: "page_view", ts: at("2025-03-01T00:00:00.000Z"), campaign: "", country: "", url: "", text: "" },
    { event_id: "edge-empty-1", type: "click", ts: at("2025-03-01T00:10:00.000Z"), user_id: "", device: "", browser: "" },
    { event_id: "edge-text-0", type: "search", ts: at("2025-03-01T00:05:00.000Z"), text: "Crème brûlée ÉTÉ café", country: "FR", user_id: "cus_édith" },
    { event_id: "edge-text-1", type: "search", ts: at("2025-03-01T00:06:00.000Z"), text: "straße Größe", country: "DE" },
    { event_id: "edge-text-2", type: "social_post", ts: at("2025-03-01T00:07:00.000Z"), text: "party 🎉🎉 time", country: "US" },
    { event_id: "edge-text-3", type: "search", ts: at("2025-03-01T00:08:00.000Z"), text: "50% off_now", country: "US" },
    { event_id: "edge-text-4", type: "search", ts: at("2025-03-01T00:09:00.000Z"), text: "a\\b 100%", country: "US" },
    { event_id: "edge-text-5", type: "search", ts: at("2025-03-01T00:09:30.000Z"), text: "  padded  ", country: "GB" },
    { event_id: "edge-text-6", type: "search", ts: at("2025-03-01T00:09:40.000Z"), text: "İstanbul ΟΔΟΣ", country: "TR" },
    { event_id: "edge-text-7", type: "search", ts: at("2025-03-01T00:09:50.000Z"), text: "ＡＢＣ wide", country: "JP" },
    { event_id: "edge-text-8", type: "search", ts: at("2025-03-01T00:09:55.000Z"), text: "tab\there\nnewline $1 \\1", country: "US" },
    { event_id: "edge-money-0", type: "purchase", ts: at("2025-03-01T00:01:00.000Z"), price: 0, quantity: 0, revenue: 0, currency: "usd", country: "US" },
    { event_id: "edge-money-1", type: "refund", ts: at("2025-03-01T00:02:00.000Z"), price: 99999.99, quantity: 1, revenue: -99999.99, currency: "EUR", country: "DE" },
    { event_id: "edge-money-5", type: "refund", ts: at("2025-03-01T00:03:30.000Z"), price: 2.5, quantity: 1, revenue: -2.5, currency: "USD", country: "US" },
    { event_id: "edge-money-6", type: "refund", ts: at("2025-03-01T00:03:40.000Z"), price: 0.125, quantity: 1, revenue: -0.125, currency: "USD", country: "US" },
    { event_id: "edge-money-4", type: "iot_reading", ts: at("2025-03-01T00:02:30.000Z"), device: "sensor", quantity: 1e15, price: 1e-300, country: "NL" },
    { event_id: "edge-money-2", type: "purchase", ts: at("2025-03-01T00:03:00.000Z"), price: 1e-7, quantity: 3, revenue: 3e-7, currency: "GBP", country: "GB" },
    { event_id: "edge-money-3", type: "bid", ts: at("2025-03-01T00:04:00.000Z"), cost: -0.5, campaign: "cmp_000_youtube", country: "US" },
    { event_id: "edge-hour-0", type: "page_view", ts: at("2025-03-01T00:00:00.000Z"), country: "US", device: "desktop" },
    { event_id: "edge-hour-1", type: "page_view", ts: at("2025-02-28T23:59:59.999Z"), country: "US", device: "desktop" },
    { event_id: "edge-hour-2", type: "page_view", ts: at("2025-02-28T23:00:00.000Z"), country: "US", device: "desktop" },
  ];
}

/** Seeded events with received_at absent (the server sets it), as sent to POST /v1/events. */
export function seededEvents(seed = DATA_SEED, count = DATA_EVENTS): GeneratedEvent[] {
  return generateEvents(seed, count);
}

/** Everything the differential test ingests: the seeded events, then the edge events. */
export function corpusEvents(): Record<string, unknown>[] {
  return [...(seededEvents() as unknown as Record<string, unknown>[]), ...edgeEvents()];
}
