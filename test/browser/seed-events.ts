// Seeded marketing events for the dashboard's browser tests: the same seed and clock give the same
// events. They fall in the 40 minutes before `nowMs` (so every range of 1 h or more holds all of
// them, and the 5 and 15 minute ranges some), over four campaigns plus events without one, five
// countries plus unknown, three devices, fifteen items and sixty users. Revenue (2 decimals) sits on
// purchases only, cost on clicks only, so every ratio on the board has a clear SQL meaning.

/** A small seeded generator (a 32-bit multiply-xorshift): values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), s | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES: readonly [string, number][] = [["page_view", 45], ["impression", 20], ["click", 15], ["view_item", 5], ["add_to_cart", 8], ["purchase", 7]];
const CAMPAIGNS = ["spring-sale", "brand-q2", "retarget", "newsletter"];
const COUNTRIES = ["US", "DE", "JP", "FR", "BR"];
const DEVICES = ["desktop", "mobile", "tablet"];
export const SEED_SPAN_MS = 40 * 60_000;

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function weighted(r: () => number, xs: readonly [string, number][]): string {
  const total = xs.reduce((s, x) => s + x[1], 0);
  let u = r() * total;
  for (const [v, w] of xs) if ((u -= w) < 0) return v;
  return xs[xs.length - 1]![0];
}

const money = (x: number) => Math.round(x * 100) / 100;

export function seedEvents(seed: number, count: number, nowMs: number, prefix = "s"): Record<string, unknown>[] {
  const r = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const type = weighted(r, TYPES);
    const e: Record<string, unknown> = {
      event_id: `${prefix}${seed}-${i}`, type, user_id: `u${Math.floor(r() * 60)}`,
      // At least a second old: never in the future of the server's clock.
      ts: nowMs - 1000 - Math.floor(r() * SEED_SPAN_MS),
      device: pick(r, DEVICES),
    };
    if (r() > 0.05) e.campaign = pick(r, CAMPAIGNS);
    if (r() > 0.03) e.country = pick(r, COUNTRIES);
    if (type !== "impression" && type !== "click" && r() > 0.2) e.item_id = `item${Math.floor(r() * 15)}`;
    if (type === "purchase") e.revenue = money(5 + r() * 195);
    if (type === "click") e.cost = money(0.05 + r() * 1.5);
    return e;
  });
}

/** Events the server must reject, one per reason: a bad timestamp, a bad number, a line that is not JSON. */
export const REJECTED_LINES = [
  JSON.stringify({ event_id: "bad-ts", type: "page_view", user_id: "u1", ts: "not a time" }),
  JSON.stringify({ event_id: "bad-rev", type: "purchase", user_id: "u1", ts: Date.now(), revenue: "lots" }),
  JSON.stringify({ event_id: "bad-rev-2", type: "purchase", user_id: "u2", ts: Date.now(), revenue: "more" }),
  "this is not json",
];
