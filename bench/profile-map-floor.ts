// The floor profiles are measured against: the obvious implementation, a JS Map from user key to a
// plain object per user holding the same fields (window rings as number arrays, recent items as
// objects, session ids and tags as strings), updated from the same FeedBatches by the same rules
// (engine/aggregate/profile-update.ts, profile-config.ts) and answering the same JSON. What it costs
// is the garbage collector tracing every user's objects: the reason the engine keeps typed arrays.

import { BUCKET_COUNT_MAX, PROFILE_WINDOWS, type ProfileConfig } from "../engine/aggregate/profile-config.ts";
import type { UserProfile } from "../engine/aggregate/profile-store.ts";
import type { FeedBatch } from "../engine/aggregate/row-feed.ts";

interface MapProfile {
  first: number; last: number; events: number; sessions: number; sessionIds: string[];
  heads: number[]; rings: number[][]; recent: { item: string; sec: number }[][];
  spend: number; orders: number;
  campaign: string | null; campaignTs: number; channel: string | null; channelTs: number; tags: string[];
}

const present = (v: Uint8Array | null, i: number) => v === null || ((v[i >> 3]! >> (i & 7)) & 1) === 1;

export class MapProfiles {
  readonly map = new Map<string, MapProfile>();

  constructor(readonly config: ProfileConfig) {}

  consume(b: FeedBatch): void {
    const c = this.config, ts = b.column("ts")!.f64!, rec = b.column("received_at")!.f64!;
    const cols = new Map(["type", "user_id", "anonymous_id", "session_id", "item_id", "campaign", "channel"].map((n) => [n, b.column(n)]));
    const str = (name: string, i: number): string | null => {
      const v = cols.get(name);
      return v && present(v.validity, i) ? v.dict!.get(v.codes![i]!) : null;
    };
    const rev = b.column("revenue")!;
    for (let i = b.begin; i < b.end; i++) {
      const key = str("user_id", i) ?? str("anonymous_id", i);
      if (key === null) continue;
      let p = this.map.get(key);
      if (!p) this.map.set(key, (p = this.empty()));
      const t = ts[i]!, type = str("type", i)!;
      if (p.events === 0) { p.first = t; p.last = t; } else { p.first = Math.min(p.first, t); p.last = Math.max(p.last, t); }
      p.events++;
      this.ring(p, Math.min(t, rec[i]!), c.countTypes.indexOf(type));
      const sid = str("session_id", i);
      if (sid !== null) {
        const at = p.sessionIds.indexOf(sid);
        if (at >= 0) p.sessionIds.splice(at, 1); else p.sessions++;
        p.sessionIds.unshift(sid);
        if (p.sessionIds.length > c.sessionsRemembered) p.sessionIds.pop();
      }
      const item = str("item_id", i);
      if (item !== null) c.recentLists.forEach((l, k) => { if (l.types.includes(type)) this.recent(p!.recent[k]!, item, Math.floor(t / 1000)); });
      const camp = str("campaign", i), chan = str("channel", i);
      if (camp !== null && (p.campaign === null || t >= p.campaignTs)) { p.campaign = camp; p.campaignTs = t; }
      if (chan !== null && (p.channel === null || t >= p.channelTs)) { p.channel = chan; p.channelTs = t; }
      const r = present(rev.validity, i) ? rev.f64![i]! : 0;
      if (c.purchaseTypes.includes(type)) { p.orders++; p.spend += r; }
      if (c.refundTypes.includes(type)) p.spend -= Math.abs(r);
    }
  }

  private empty(): MapProfile {
    const T = this.config.countTypes.length;
    return {
      first: 0, last: 0, events: 0, sessions: 0, sessionIds: [], heads: PROFILE_WINDOWS.map(() => 0),
      rings: PROFILE_WINDOWS.map((w) => new Array<number>(T * w.buckets).fill(0)), recent: this.config.recentLists.map(() => []),
      spend: 0, orders: 0, campaign: null, campaignTs: 0, channel: null, channelTs: 0, tags: [],
    };
  }

  private ring(p: MapProfile, te: number, type: number): void {
    const T = this.config.countTypes.length;
    PROFILE_WINDOWS.forEach((w, k) => {
      const b = Math.floor(te / w.bucketMs), h = p.heads[k]!, ring = p.rings[k]!;
      if (b > h) {
        for (let x = Math.max(h + 1, b - w.buckets + 1); x <= b; x++) for (let t = 0; t < T; t++) ring[t * w.buckets + (x % w.buckets)] = 0;
        p.heads[k] = b;
      } else if (b <= h - w.buckets) return;
      if (type >= 0) { const at = type * w.buckets + (b % w.buckets); ring[at] = Math.min(BUCKET_COUNT_MAX, ring[at]! + 1); }
    });
  }

  private recent(list: { item: string; sec: number }[], item: string, sec: number): void {
    const at = list.findIndex((e) => e.item === item);
    if (at >= 0) { if (list[at]!.sec > sec) return; list.splice(at, 1); }
    let j = 0;
    while (j < list.length && list[j]!.sec > sec) j++;
    if (j >= this.config.recentItems) return;
    list.splice(j, 0, { item, sec });
    if (list.length > this.config.recentItems) list.pop();
  }

  lookup(key: string, now: number): UserProfile | undefined {
    const p = this.map.get(key);
    if (!p) return undefined;
    const counts: UserProfile["counts"] = {}, windows: UserProfile["windows"] = {}, recent: UserProfile["recent"] = {};
    this.config.countTypes.forEach((t) => (counts[t] = {}));
    PROFILE_WINDOWS.forEach((w, k) => {
      const B = Math.floor(now / w.bucketMs), h = p.heads[k]!, lo = Math.max(B, h) - w.buckets + 1, hi = Math.min(B, h);
      windows[w.name] = { from: (B - w.buckets + 1) * w.bucketMs, to: (B + 1) * w.bucketMs };
      this.config.countTypes.forEach((t, ti) => {
        let sum = 0;
        for (let x = lo; x <= hi; x++) sum += p.rings[k]![ti * w.buckets + (x % w.buckets)]!;
        counts[t]![w.name] = sum;
      });
    });
    this.config.recentLists.forEach((l, k) => (recent[l.name] = p.recent[k]!.map((e) => ({ item: e.item, ts: e.sec * 1000 }))));
    return {
      user: key, first_seen: p.first, last_seen: p.last, events: p.events, sessions: p.sessions, counts, windows, recent,
      orders: p.orders, spend: Math.round(p.spend * 1e6) / 1e6,
      last_campaign: p.campaign === null ? null : { value: p.campaign, ts: p.campaignTs },
      last_channel: p.channel === null ? null : { value: p.channel, ts: p.channelTs }, tags: [...p.tags],
    };
  }
}
