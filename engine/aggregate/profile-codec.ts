// Checkpoint encoding of live user profiles (profile-store.ts). Keyed by values, never by global codes
// or by the dense ids of the shared users ValueIds (whose ids may differ after a restart):
//
//   u32 version (1)
//   json header  { countTypes, lists, recentItems, sessionsRemembered, tagsMax, windows, slots, head, counters }
//   json         user key of each slot 0 .. slots-1
//   json x 4     values of the items, campaigns, channels and tags ValueIds, in id order (ids are
//                what the arrays hold, + 1)
//   arrays       prev, next, events, orders, sessions, firstSeen, lastSeen, spend, campaign,
//                campaignTs, channel, channelTs, heads, one ring per window (u16 as bytes),
//                sessionHashes, recentItem, recentSec, tags: the first `slots` slots of each
//
// Decoding rebuilds the slots in recency order (most recent first, so the list is 0, 1, 2, ...),
// keeps the usersMax most recent when the config now allows fewer (counted as evictions), and
// matches by name what the config may have changed: counted types and recent lists (a new type or
// list starts empty; a dropped one is forgotten), windows (a ring whose bucket width or length
// changed starts empty), and shorter or longer lists, session memories and tag sets (the most recent
// entries are kept). Nothing in the store changes until the whole checkpoint has been read.

import { EngineError } from "../core/errors.ts";
import { ByteReader, ByteWriter } from "./byte-codec.ts";
import { PROFILE_WINDOWS, type ProfileWindow } from "./profile-config.ts";
import { ProfileSlots } from "./profile-slots.ts";
import type { ProfileCounters, ProfileStore } from "./profile-store.ts";
import { ValueIds } from "./value-ids.ts";

const VERSION = 1;

interface Header {
  countTypes: string[];
  lists: string[];
  recentItems: number;
  sessionsRemembered: number;
  tagsMax: number;
  windows: ProfileWindow[];
  slots: number;
  head: number;
  counters: ProfileCounters;
}

const SCALARS = ["events", "orders", "sessions", "firstSeen", "lastSeen", "spend", "campaign", "campaignTs", "channel", "channelTs"] as const;
type ScalarField = (typeof SCALARS)[number];

const bytesOf = (a: Uint16Array, n: number) => new Uint8Array(a.buffer, a.byteOffset, n * 2);

export function encodeProfiles(p: ProfileStore): Uint8Array {
  const sl = p.slots, c = p.config, n = sl.highWater, W = PROFILE_WINDOWS.length;
  const header: Header = {
    countTypes: [...c.countTypes], lists: c.recentLists.map((l) => l.name), recentItems: c.recentItems,
    sessionsRemembered: c.sessionsRemembered, tagsMax: c.tagsMax, windows: [...PROFILE_WINDOWS], slots: n, head: sl.head, counters: p.counters,
  };
  const keys = new Array<string>(n);
  for (let s = 0; s < n; s++) keys[s] = p.users.value(sl.user[s]!);
  const w = new ByteWriter().u32(VERSION).json(header).json(keys);
  w.json(p.items.values()).json(p.campaigns.values()).json(p.channels.values()).json(p.tagIds.values());
  w.array(sl.prev, n).array(sl.next, n);
  for (const f of SCALARS) w.array(sl[f], n);
  w.array(sl.heads, n * W);
  PROFILE_WINDOWS.forEach((win, k) => w.array(bytesOf(sl.counts[k]!, n * sl.types * win.buckets), n * sl.types * win.buckets * 2));
  const li = sl.lists * sl.listItems;
  w.array(sl.sessionHashes, n * sl.sessionsK).array(sl.recentItem, n * li).array(sl.recentSec, n * li).array(sl.tags, n * sl.tagsMax);
  return w.finish();
}

type Arr = Int32Array | Uint32Array | Float64Array | Uint16Array;

/**
 * Copies slot `from` of src (groups x width per slot) to slot `to` of dst: dst group g takes src group
 * map[g] (none when -1), its first min(widths) entries.
 */
function copyGroups(src: Arr, sg: number, sw: number, dst: Arr, dg: number, dw: number, map: readonly number[], from: number, to: number): void {
  const w = Math.min(sw, dw);
  for (let g = 0; g < dg; g++) {
    const k = map[g]!;
    if (k < 0) continue;
    const a = (from * sg + k) * sw, b = (to * dg + g) * dw;
    for (let i = 0; i < w; i++) dst[b + i] = src[a + i]!;
  }
}

interface Parsed {
  h: Header;
  keys: string[];
  /** Items, campaigns, channels, tags. */
  dicts: string[][];
  /** Slots in recency order, most recent first. */
  order: Int32Array;
  scalars: Record<ScalarField, Arr>;
  heads: Int32Array;
  rings: Uint16Array[];
  sessionHashes: Uint32Array;
  recentItem: Int32Array;
  recentSec: Uint32Array;
  tags: Int32Array;
}

function readProfiles(bytes: Uint8Array): Parsed {
  const rd = new ByteReader(bytes, "profiles checkpoint");
  if (rd.u32() !== VERSION) rd.fail("unknown version");
  const h = rd.json<Header>(), keys = rd.json<string[]>();
  const dicts = [rd.json<string[]>(), rd.json<string[]>(), rd.json<string[]>(), rd.json<string[]>()];
  const n = h.slots, T0 = h.countTypes.length, L0 = h.lists.length;
  const len = <A extends { length: number }>(a: A, want: number, what: string): A => (a.length === want ? a : rd.fail(`${what} holds ${a.length} values, not ${want}`));
  len(rd.i32s(), n, "prev"); // the list is rebuilt from `next` alone
  const next = len(rd.i32s(), n, "next");
  const f64 = new Set<ScalarField>(["firstSeen", "lastSeen", "spend", "campaignTs", "channelTs"]), i32 = new Set<ScalarField>(["campaign", "channel"]);
  const scalars = {} as Record<ScalarField, Arr>;
  for (const f of SCALARS) {
    scalars[f] = len(f64.has(f) ? rd.f64s() : i32.has(f) ? rd.i32s() : rd.u32s(), n, f);
  }
  const heads = len(rd.i32s(), n * h.windows.length, "heads");
  const rings = h.windows.map((win) => {
    const b = len(rd.u8s(), n * T0 * win.buckets * 2, `ring ${win.name}`);
    return new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
  });
  const sessionHashes = len(rd.u32s(), n * h.sessionsRemembered, "sessionHashes");
  const recentItem = len(rd.i32s(), n * L0 * h.recentItems, "recentItem"), recentSec = len(rd.u32s(), n * L0 * h.recentItems, "recentSec");
  const tags = len(rd.i32s(), n * h.tagsMax, "tags");
  rd.end();
  if (keys.length !== n) rd.fail(`${keys.length} user keys for ${n} slots`);
  const ids: [Arr, number, string][] = [[scalars.campaign, dicts[1]!.length, "campaign"], [scalars.channel, dicts[2]!.length, "channel"],
    [recentItem, dicts[0]!.length, "recentItem"], [tags, dicts[3]!.length, "tags"]];
  for (const [a, size, what] of ids) for (let i = 0; i < a.length; i++) if (a[i]! < 0 || a[i]! > size) rd.fail(`${what} id ${a[i]! - 1} outside its ${size} values`);
  const order = new Int32Array(n);
  let count = 0;
  for (let s = h.head; s >= 0 && count < n; s = next[s]!) {
    if (s >= n) rd.fail(`recency list names slot ${s} of ${n}`);
    order[count++] = s;
  }
  if (count !== n) rd.fail(`recency list holds ${count} of ${n} slots`);
  return { h, keys, dicts, order, scalars, heads, rings, sessionHashes, recentItem, recentSec, tags };
}

export function decodeProfiles(p: ProfileStore, bytes: Uint8Array): void {
  const { h, keys, dicts, order, scalars, heads, rings, ...rest } = readProfiles(bytes);
  const c = p.config, sl = new ProfileSlots(c), n = h.slots, keep = Math.min(n, c.usersMax);
  const W = PROFILE_WINDOWS.length, W0 = h.windows.length, T0 = h.countTypes.length, L0 = h.lists.length;
  const slotOfUser = new Int32Array(Math.max(1024, p.users.size + keep));
  for (let j = 0; j < keep; j++) {
    const key = keys[order[j]!]!, uid = p.users.idOf(key);
    if (slotOfUser[uid] !== 0) throw new EngineError("data_corrupt", `profiles checkpoint: user ${key} held twice`);
    slotOfUser[uid] = j + 1;
    sl.user[j] = uid;
    sl.prev[j] = j - 1;
    sl.next[j] = j + 1 < keep ? j + 1 : -1;
  }
  for (const f of SCALARS) {
    const src = scalars[f], dst = sl[f];
    for (let j = 0; j < keep; j++) dst[j] = src[order[j]!]!;
  }
  const typeMap = c.countTypes.map((t) => h.countTypes.indexOf(t));
  const listMap = c.recentLists.map((l) => h.lists.indexOf(l.name));
  PROFILE_WINDOWS.forEach((win, w) => {
    const ow = h.windows.findIndex((o) => o.name === win.name && o.bucketMs === win.bucketMs && o.buckets === win.buckets);
    if (ow < 0) return;
    for (let j = 0; j < keep; j++) {
      sl.heads[j * W + w] = heads[order[j]! * W0 + ow]!;
      copyGroups(rings[ow]!, T0, win.buckets, sl.counts[w]!, sl.types, win.buckets, typeMap, order[j]!, j);
    }
  });
  for (let j = 0; j < keep; j++) {
    const s = order[j]!;
    copyGroups(rest.sessionHashes, 1, h.sessionsRemembered, sl.sessionHashes, 1, sl.sessionsK, [0], s, j);
    copyGroups(rest.recentItem, L0, h.recentItems, sl.recentItem, sl.lists, sl.listItems, listMap, s, j);
    copyGroups(rest.recentSec, L0, h.recentItems, sl.recentSec, sl.lists, sl.listItems, listMap, s, j);
    copyGroups(rest.tags, 1, h.tagsMax, sl.tags, 1, sl.tagsMax, [0], s, j);
  }
  sl.highWater = keep;
  sl.head = keep > 0 ? 0 : -1;
  sl.tail = keep - 1;
  p.slots = sl;
  p.slotOfUser = slotOfUser;
  [p.items, p.campaigns, p.channels, p.tagIds] = dicts.map((v) => ValueIds.fromValues(v)) as [ValueIds, ValueIds, ValueIds, ValueIds];
  p.counters = { ...h.counters, evictions: h.counters.evictions + (n - keep) };
}
