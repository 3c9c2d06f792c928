// Test data and a plain-JS oracle for live user profiles (engine/aggregate/profile-store.ts): seeded
// events for a few hundred users over ten days, arriving out of order (late by seconds, hours and
// days, some dated ahead of their receive time), and each profile field computed from the raw
// events by the rules the engine documents, written as directly as possible.

import { PROFILE_WINDOWS, BUCKET_COUNT_MAX, type ProfileConfig } from "../../../../engine/aggregate/profile-config.ts";
import type { UserProfile } from "../../../../engine/aggregate/profile-store.ts";
import { Rng } from "../../../sim/rng.ts";

export interface Ev {
  seq: number;
  ts: number;
  received_at: number;
  type: string;
  user_id: string | null;
  anonymous_id: string | null;
  session_id: string | null;
  item_id: string | null;
  campaign: string | null;
  channel: string | null;
  revenue: number | null;
}

const TYPES: [string, number][] = [["page_view", 30], ["view_item", 12], ["click", 10], ["impression", 14], ["add_to_cart", 6],
  ["purchase", 4], ["refund", 1], ["signup", 2], ["screen_view", 5], ["search", 6]];
const TOTAL = TYPES.reduce((a, [, w]) => a + w, 0);
const CAMPAIGNS = ["spring", "black_friday", "brand", "ünïcödé", "retarget"];
const CHANNELS = ["email", "social", "search", "display"];
const FIVE_MIN = 300_000;

function pickType(r: Rng): string {
  let x = r.float() * TOTAL;
  for (const [t, w] of TYPES) if ((x -= w) < 0) return t;
  return TYPES[0]![0];
}

/** `count` events in arrival order over about `days` days from t0; seq is the arrival (log) position. */
export function profileEvents(seed: number, count: number, t0: number, days = 10): Ev[] {
  const r = new Rng(seed);
  const gap = (days * 86_400_000) / count;
  const devices = new Map<number, (string | null)[]>();
  let clock = t0, sessions = 0, burst = 0;
  const out: Ev[] = [];
  for (let seq = 0; seq < count; seq++) {
    // Bursts: several events of one user at the same millisecond (ties for every "latest" rule),
    // over three items, so items meet again within a second.
    if (burst > 0 && out.length > 0) {
      burst--;
      const prev = out[out.length - 1]!;
      const type = r.pick(["view_item", "add_to_cart", "page_view", "purchase"]);
      out.push({
        ...prev, seq, type, item_id: `item${r.int(1, 3)}`, campaign: r.bool(0.7) ? r.pick(CAMPAIGNS) : null,
        channel: r.bool(0.7) ? r.pick(CHANNELS) : null, revenue: type === "purchase" ? r.int(1, 50_000) / 100 : null,
      });
      continue;
    }
    if (r.bool(0.06)) burst = r.int(1, 5);
    clock += r.int(0, Math.round(2 * gap));
    // A fifth of the traffic from 15 hot users, so some users fill many buckets of every ring.
    const k = r.bool(0.2) ? r.int(0, 14) : r.int(0, 299);
    const anonOnly = k >= 250, nobody = r.bool(0.01);
    const dev = devices.get(k) ?? [null, null];
    devices.set(k, dev);
    const d = r.int(0, 1);
    if (dev[d] === null || r.bool(0.12)) dev[d] = `s${++sessions}`;
    const p = r.float();
    let ts = p < 0.84 ? clock - r.int(0, 3000) : p < 0.92 ? clock - r.int(0, 1_800_000) : p < 0.96 ? clock - r.int(0, 30 * 3_600_000)
      : p < 0.98 ? clock - r.int(0, 9 * 86_400_000) : clock + r.int(1, 1_200_000);
    if (r.bool(0.05)) ts = Math.floor(ts / FIVE_MIN) * FIVE_MIN; // exactly on a bucket edge
    const type = pickType(r);
    const hasItem = ["view_item", "add_to_cart", "purchase", "refund"].includes(type) || (type === "page_view" && r.bool(0.4));
    out.push({
      seq, ts, received_at: clock, type,
      user_id: nobody || anonOnly ? null : `u${k}`,
      anonymous_id: nobody ? null : anonOnly ? `a${k}` : r.bool(0.3) ? `a${k}` : null,
      session_id: r.bool(0.05) ? null : dev[d]!,
      item_id: hasItem && !r.bool(0.1) ? `item${r.int(1, 40)}` : null,
      campaign: r.bool(0.5) ? r.pick(CAMPAIGNS) : null,
      channel: r.bool(0.6) ? r.pick(CHANNELS) : null,
      revenue: type === "purchase" && r.bool(0.85) ? r.int(1, 50_000) / 100 : type === "refund" ? (r.bool(0.7) ? -1 : 1) * r.int(1, 9_000) / 100 : null,
    });
  }
  return out;
}

export const userKeyOf = (e: Ev): string | null => e.user_id ?? e.anonymous_id;

/** The windows' [from, to) at `now`, from the definition in profile-config.ts. */
export function windowsAt(now: number): UserProfile["windows"] {
  const out: UserProfile["windows"] = {};
  for (const w of PROFILE_WINDOWS) {
    const B = Math.floor(now / w.bucketMs);
    out[w.name] = { from: (B - w.buckets + 1) * w.bucketMs, to: (B + 1) * w.bucketMs };
  }
  return out;
}

/** The profile of `user` from its events (in log order), or undefined when it has none. */
export function oracleProfile(evs: readonly Ev[], user: string, now: number, c: ProfileConfig, tags: string[] = []): UserProfile | undefined {
  if (evs.length === 0) return undefined;
  const counts: UserProfile["counts"] = {};
  for (const t of c.countTypes) {
    counts[t] = {};
    for (const w of PROFILE_WINDOWS) {
      const B = Math.floor(now / w.bucketMs), perBucket = new Map<number, number>();
      for (const e of evs) {
        const b = Math.floor(Math.min(e.ts, e.received_at) / w.bucketMs);
        if (e.type === t && b >= B - w.buckets + 1 && b <= B) perBucket.set(b, (perBucket.get(b) ?? 0) + 1);
      }
      counts[t]![w.name] = [...perBucket.values()].reduce((a, n) => a + Math.min(n, BUCKET_COUNT_MAX), 0);
    }
  }
  let spend = 0;
  for (const e of evs) {
    if (c.purchaseTypes.includes(e.type)) spend += e.revenue ?? 0;
    if (c.refundTypes.includes(e.type)) spend -= Math.abs(e.revenue ?? 0);
  }
  return {
    user, first_seen: Math.min(...evs.map((e) => e.ts)), last_seen: Math.max(...evs.map((e) => e.ts)), events: evs.length,
    sessions: oracleSessions(evs.map((e) => e.session_id), c.sessionsRemembered),
    counts, windows: windowsAt(now), recent: oracleRecent(evs, c),
    orders: evs.filter((e) => c.purchaseTypes.includes(e.type)).length, spend: Math.round(spend * 1e6) / 1e6,
    last_campaign: lastTouch(evs, "campaign"), last_channel: lastTouch(evs, "channel"), tags,
  };
}

/** Session ids not among the last k distinct ones seen before them. */
export function oracleSessions(ids: readonly (string | null)[], k: number): number {
  const mru: string[] = [];
  let n = 0;
  for (const id of ids) {
    if (id === null) continue;
    const at = mru.indexOf(id);
    if (at >= 0) mru.splice(at, 1); else n++;
    mru.unshift(id);
    mru.length = Math.min(mru.length, k);
  }
  return n;
}

function oracleRecent(evs: readonly Ev[], c: ProfileConfig): UserProfile["recent"] {
  const out: UserProfile["recent"] = {};
  for (const l of c.recentLists) {
    const best = new Map<string, [number, number]>();
    for (const e of evs) {
      if (e.item_id === null || !l.types.includes(e.type)) continue;
      const key: [number, number] = [Math.floor(e.ts / 1000), e.seq], old = best.get(e.item_id);
      if (!old || key[0] > old[0] || (key[0] === old[0] && key[1] > old[1])) best.set(e.item_id, key);
    }
    out[l.name] = [...best].sort((a, b) => b[1][0] - a[1][0] || b[1][1] - a[1][1]).slice(0, c.recentItems)
      .map(([item, [sec]]) => ({ item, ts: sec * 1000 }));
  }
  return out;
}

function lastTouch(evs: readonly Ev[], f: "campaign" | "channel"): { value: string; ts: number } | null {
  let best: Ev | null = null;
  for (const e of evs) if (e[f] !== null && (best === null || e.ts > best.ts || (e.ts === best.ts && e.seq > best.seq))) best = e;
  return best === null ? null : { value: best[f]!, ts: best.ts };
}

/** Events by user key, each list in log order. */
export function byUser(evs: readonly Ev[]): Map<string, Ev[]> {
  const m = new Map<string, Ev[]>();
  for (const e of evs) {
    const u = userKeyOf(e);
    if (u === null) continue;
    let l = m.get(u);
    if (!l) m.set(u, (l = []));
    l.push(e);
  }
  return m;
}
