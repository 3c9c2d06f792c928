// Live user profiles, updated by every stored event (a DerivedComponent over `events`: no batch job)
// and read by key in a few microseconds (bench/profiles.bench.ts): per user, counts per event type over
// sliding windows (profile-config.ts defines them exactly), first and last seen, sessions, the last
// distinct items of configured kinds, spend and orders, last campaign and channel, and tags set
// through setTags (profile-read.ts draws the JSON).
//
// The user key is user_id, falling back to anonymous_id (one key space: a user_id equal to some
// anonymous_id is the same profile). Dense user ids come from a ValueIds the caller owns and may
// share; profiles index their slots through slotOfUser (dense id -> slot + 1, 4 bytes per dense id).
// Every per-user field lives in typed arrays (profile-slots.ts): no JS object or string per user or
// per event, so the garbage collector's work does not grow with users.
//
// Bounded memory: at most usersMax profiles. A new user past it evicts the least recently seen one,
// "seen" meaning its last event (or setTags) in log order, and `counters.evictions` counts them; an
// evicted user that comes back starts a new profile. Everything follows from the log in order, so
// replay rebuilds the same state, evictions included.
//
// Not kept: events with neither user_id nor anonymous_id (counted in counters.noUser). Two session
// ids with the same 32-bit hash are one session to a user that holds both (odds about k / 2^32).

import { EngineError } from "../core/errors.ts";
import type { Vector } from "../column/vector.ts";
import type { DerivedComponent } from "./derived-state.ts";
import { CodeHashCache, CodeIdCache } from "./profile-code-cache.ts";
import { decodeProfiles, encodeProfiles, encodeProfilesSteps } from "./profile-codec.ts";
import { checkProfileConfig, DEFAULT_PROFILE_CONFIG, PROFILE_LIMITS, PROFILE_WINDOWS, type ProfileConfig } from "./profile-config.ts";
import { eventsOf, profileOf, tagsOf, type ProfileDictionaries, type UserProfile } from "./profile-read.ts";
import { CHUNK_BITS, CHUNK_MASK, ProfileSlots, type SlotChunk } from "./profile-slots.ts";
import { recentInsert, ringAdd, sessionSeen } from "./profile-update.ts";
import type { FeedBatch } from "./row-feed.ts";
import { ValueIds } from "./value-ids.ts";

export type { UserProfile } from "./profile-read.ts";

const PURCHASE = 1, REFUND = 2;
const WINDOWS = PROFILE_WINDOWS.length;
const WINDOW_MS = Float64Array.from(PROFILE_WINDOWS, (w) => w.bucketMs);
const WINDOW_BUCKETS = Int32Array.from(PROFILE_WINDOWS, (w) => w.buckets);

export interface ProfileCounters {
  /** Events applied to a profile. */
  events: number;
  /** Events with neither user_id nor anonymous_id. */
  noUser: number;
  /** Profiles evicted to stay within usersMax. */
  evictions: number;
  /** Events older than every window's ring when they arrived (kept in every other field). */
  beforeWindows: number;
}

/** Why `tags` cannot be set (a route checks before logging a PUT), or null. */
export function tagsProblem(tags: unknown, tagsMax: number): string | null {
  if (!Array.isArray(tags)) return "tags must be an array of strings";
  for (const t of tags) {
    if (typeof t !== "string" || t.length === 0) return "every tag must be a non-empty string";
    if (t.length > PROFILE_LIMITS.TAG_LENGTH_MAX) return `tag of ${t.length} characters exceeds ${PROFILE_LIMITS.TAG_LENGTH_MAX}`;
  }
  const distinct = new Set(tags).size;
  if (distinct > tagsMax) return `${distinct} distinct tags exceed ${tagsMax} per user`;
  return null;
}

const present = (v: Uint8Array | null, i: number): boolean => v === null || ((v[i >> 3]! >> (i & 7)) & 1) === 1;

export class ProfileStore implements DerivedComponent {
  readonly name = "profiles";
  readonly tables = ["events"];
  readonly columns = ["ts", "received_at", "type", "user_id", "anonymous_id", "session_id", "item_id", "campaign", "channel", "revenue"];
  readonly config: ProfileConfig;
  slots: ProfileSlots;
  /** Dense user id -> slot + 1, 0 = no profile. */
  slotOfUser = new Int32Array(1024);
  items = new ValueIds();
  campaigns = new ValueIds();
  channels = new ValueIds();
  tagIds = new ValueIds();
  counters: ProfileCounters = { events: 0, noUser: 0, evictions: 0, beforeWindows: 0 };
  private readonly typeIds = new ValueIds();
  /** Per type id: counted-type index or -1; recent-list bit mask; PURCHASE | REFUND bits. */
  private typeCount = new Int8Array(0);
  private typeLists = new Uint8Array(0);
  private typeMoney = new Uint8Array(0);
  private readonly userCodes: CodeIdCache;
  private readonly anonCodes: CodeIdCache;
  private readonly sessionCodes = new CodeHashCache();
  private readonly dicts: ProfileDictionaries;

  constructor(readonly users: ValueIds, config: ProfileConfig = DEFAULT_PROFILE_CONFIG) {
    this.config = checkProfileConfig(config);
    this.slots = new ProfileSlots(this.config);
    this.userCodes = new CodeIdCache(users);
    this.anonCodes = new CodeIdCache(users);
    const self = this;
    this.dicts = {
      countTypes: this.config.countTypes, listNames: this.config.recentLists.map((l) => l.name),
      recentItems: this.config.recentItems, tagsMax: this.config.tagsMax,
      get items() { return self.items; }, get campaigns() { return self.campaigns; },
      get channels() { return self.channels; }, get tags() { return self.tagIds; },
    };
  }

  consume(b: FeedBatch): void {
    const ts = b.column("ts")!.f64!, rec = b.column("received_at")?.f64 ?? ts, type = b.column("type")!;
    const user = b.column("user_id"), anon = b.column("anonymous_id"), sess = b.column("session_id");
    const item = b.column("item_id"), camp = b.column("campaign"), chan = b.column("channel"), rev = b.column("revenue");
    const typeMap = this.typeIds.sync(type.dict!);
    const uMap = user?.codes ? this.userCodes.sync(user.dict!) : null, aMap = anon?.codes ? this.anonCodes.sync(anon.dict!) : null;
    const sMap = sess?.codes ? this.sessionCodes.sync(sess.dict!) : null;
    const iMap = item?.codes ? this.items.sync(item.dict!) : null;
    const cMap = camp?.codes ? this.campaigns.sync(camp.dict!) : null, chMap = chan?.codes ? this.channels.sync(chan.dict!) : null;
    const sl = this.slots, L = sl.layout, s8 = L.bytes >> 3, s4 = L.bytes >> 2, K = this.config.sessionsRemembered;
    for (let i = b.begin; i < b.end; i++) {
      let uid = -1;
      if (uMap !== null && present(user!.validity, i)) {
        const c = user!.codes![i]!, v = uMap[c]!;
        uid = v !== 0 ? v - 1 : this.userCodes.resolve(c);
      } else if (aMap !== null && present(anon!.validity, i)) {
        const c = anon!.codes![i]!, v = aMap[c]!;
        uid = v !== 0 ? v - 1 : this.anonCodes.resolve(c);
      }
      if (uid < 0) { this.counters.noUser++; continue; }
      const s = this.slotOf(uid), t = ts[i]!;
      const tc = type.codes![i]!;
      let tid = typeMap[tc]!;
      if (tid < 0) tid = this.typeIdOf(tc);
      this.counters.events++;
      const ch = sl.chunks[s >>> CHUNK_BITS]!, l = s & CHUNK_MASK, f = ch.f64, u = ch.u32, o8 = l * s8, o4 = l * s4;
      this.seen(ch, l, t, Math.min(t, rec[i]!), this.typeCount[tid]!);
      if (sMap !== null && present(sess!.validity, i)) {
        const c = sess!.codes![i]!;
        const h = sMap[c] || this.sessionCodes.resolve(c);
        if (sessionSeen(u, o4 + L.sessionHashes, K, h)) u[o4 + L.sessions]! += 1;
      }
      const lists = this.typeLists[tid]!;
      if (lists !== 0 && iMap !== null && present(item!.validity, i)) this.addItem(u, o4, lists, idIn(iMap, this.items, item!, i), t);
      if (cMap !== null && present(camp!.validity, i) && (u[o4 + L.campaign] === 0 || t >= f[o8 + L.campaignTs]!)) {
        u[o4 + L.campaign] = idIn(cMap, this.campaigns, camp!, i) + 1;
        f[o8 + L.campaignTs] = t;
      }
      if (chMap !== null && present(chan!.validity, i) && (u[o4 + L.channel] === 0 || t >= f[o8 + L.channelTs]!)) {
        u[o4 + L.channel] = idIn(chMap, this.channels, chan!, i) + 1;
        f[o8 + L.channelTs] = t;
      }
      const money = this.typeMoney[tid]!;
      if (money !== 0) this.addMoney(f, u, o8, o4, money, rev !== null && present(rev.validity, i) ? rev.f64![i]! : 0);
    }
  }

  /** Event count, first and last seen, and the window rings of local slot l (effective time te, counted type or -1). */
  private seen(ch: SlotChunk, l: number, t: number, te: number, type: number): void {
    const L = this.slots.layout, f = ch.f64, u = ch.u32, o8 = l * (L.bytes >> 3), o4 = l * (L.bytes >> 2), o2 = l * (L.bytes >> 1);
    if (u[o4 + L.events] === 0) { f[o8 + L.firstSeen] = t; f[o8 + L.lastSeen] = t; }
    else { if (t < f[o8 + L.firstSeen]!) f[o8 + L.firstSeen] = t; if (t > f[o8 + L.lastSeen]!) f[o8 + L.lastSeen] = t; }
    u[o4 + L.events]! += 1;
    const T = this.config.countTypes.length;
    let kept = false;
    for (let w = 0; w < WINDOWS; w++) {
      const n = WINDOW_BUCKETS[w]!;
      if (ringAdd(ch.u16, u, o4 + L.heads + w, o2 + L.rings[w]!, T, n, Math.floor(te / WINDOW_MS[w]!), type)) kept = true;
    }
    if (!kept) this.counters.beforeWindows++;
  }

  private addItem(u: Uint32Array, o4: number, lists: number, itemId: number, t: number): void {
    const n = this.config.recentItems, sec = Math.floor(t / 1000), base = o4 + this.slots.layout.recent;
    for (let l = 0; l < this.config.recentLists.length; l++) if (lists & (1 << l)) recentInsert(u, base + 2 * n * l, n, itemId + 1, sec);
  }

  private addMoney(f: Float64Array, u: Uint32Array, o8: number, o4: number, money: number, revenue: number): void {
    const L = this.slots.layout, r = Number.isFinite(revenue) ? revenue : 0;
    if (money & PURCHASE) { u[o4 + L.orders]! += 1; f[o8 + L.spend]! += r; }
    if (money & REFUND) f[o8 + L.spend]! -= Math.abs(r);
  }

  /** The slot of dense user id `uid`, made most recently seen; claims one (evicting if full) for a new user. */
  private slotOf(uid: number): number {
    if (uid >= this.slotOfUser.length) this.growIndex(uid + 1);
    const v = this.slotOfUser[uid]!, sl = this.slots;
    if (v !== 0) { sl.touch(v - 1); return v - 1; }
    let s = sl.highWater;
    if (s === sl.capacity) {
      s = sl.takeTail();
      this.slotOfUser[sl.user[s]!] = 0;
      this.counters.evictions++;
    }
    sl.claim(s, uid);
    this.slotOfUser[uid] = s + 1;
    return s;
  }

  private growIndex(need: number): void {
    const next = new Int32Array(Math.max(need, this.users.size, this.slotOfUser.length * 2));
    next.set(this.slotOfUser);
    this.slotOfUser = next;
  }

  private typeIdOf(code: number): number {
    const id = this.typeIds.idOfCode(code);
    if (id >= this.typeCount.length) {
      const n = Math.max(16, id * 2);
      const count = new Int8Array(n).fill(-1), lists = new Uint8Array(n), money = new Uint8Array(n);
      count.set(this.typeCount); lists.set(this.typeLists); money.set(this.typeMoney);
      this.typeCount = count; this.typeLists = lists; this.typeMoney = money;
    }
    const name = this.typeIds.value(id), c = this.config;
    this.typeCount[id] = c.countTypes.indexOf(name);
    let mask = 0;
    c.recentLists.forEach((l, k) => { if (l.types.includes(name)) mask |= 1 << k; });
    this.typeLists[id] = mask;
    this.typeMoney[id] = (c.purchaseTypes.includes(name) ? PURCHASE : 0) | (c.refundTypes.includes(name) ? REFUND : 0);
    return id;
  }

  /** Slot of `userKey`, or -1. */
  private slotOfKey(userKey: string): number {
    const id = this.users.find(userKey);
    return id < 0 || id >= this.slotOfUser.length ? -1 : this.slotOfUser[id]! - 1;
  }

  /** The profile of `userKey` with windows ending at nowMs, or undefined when no event of it is kept. */
  lookup(userKey: string, nowMs: number): UserProfile | undefined {
    const s = this.slotOfKey(userKey);
    if (s < 0 || eventsOf(this.slots, s) === 0) return undefined;
    return profileOf(this.slots, this.dicts, s, userKey, nowMs);
  }

  /** lookup() of each key, in order; null where there is no profile. */
  lookupMany(keys: readonly string[], nowMs: number): (UserProfile | null)[] {
    return keys.map((k) => this.lookup(k, nowMs) ?? null);
  }

  /**
   * Replaces the tags of `userKey` (duplicates kept once, in first-given order). A pure function of
   * the state and its arguments, so the server logs the call and replays it in log order. A user
   * without a profile gets an empty one holding the tags (lookup stays undefined until it has an
   * event); it counts as seen for eviction. Throws bad_argument (tagsProblem) before changing anything.
   */
  setTags(userKey: string, tags: readonly string[]): void {
    if (typeof userKey !== "string" || userKey.length === 0) throw new EngineError("bad_argument", "user key must be a non-empty string");
    const problem = tagsProblem(tags, this.config.tagsMax);
    if (problem !== null) throw new EngineError("bad_argument", `tags of ${userKey}: ${problem}`);
    if (tags.length === 0 && this.slotOfKey(userKey) < 0) return;
    const s = this.slotOf(this.users.idOf(userKey)), sl = this.slots, n = this.config.tagsMax;
    const u = sl.chunks[s >>> CHUNK_BITS]!.u32, base = (s & CHUNK_MASK) * (sl.layout.bytes >> 2) + sl.layout.tags;
    u.fill(0, base, base + n);
    let k = 0;
    for (const t of new Set(tags)) u[base + k++] = this.tagIds.idOf(t) + 1;
  }

  /** Tags of `userKey` (with or without events), or undefined when it has no profile. */
  /** Logged definition changes: `tags` {user, tags} from PUT /v1/users/<id>/tags. */
  control(op: string, body: unknown): void {
    if (op !== "tags") throw new EngineError("bad_argument", `profiles: unknown control op ${op}`);
    const b = body as { user: string; tags: string[] };
    this.setTags(b.user, b.tags);
  }

  tagsOf(userKey: string): string[] | undefined {
    const s = this.slotOfKey(userKey);
    return s < 0 ? undefined : tagsOf(this.slots, this.tagIds, s);
  }

  /** Profiles held (with events, or tags only). */
  get userCount(): number {
    return this.slots.highWater;
  }

  /** Bytes per profile: its slot, its recency and user-id entries, and its entry in the dense-id index. */
  get bytesPerUser(): number {
    return this.slots.bytesPerSlot + 4;
  }

  /**
   * Memory held: slot chunks allocated, recency entries in use, the dense-id index, the own
   * dictionaries and the code caches. Not the shared users ValueIds (its owner reports it).
   */
  get bytes(): number {
    return this.slots.bytes + this.slotOfUser.byteLength + this.items.bytes + this.campaigns.bytes +
      this.channels.bytes + this.tagIds.bytes + this.typeIds.bytes + this.userCodes.bytes + this.anonCodes.bytes + this.sessionCodes.bytes;
  }

  /** encode() in steps: a checkpoint holds the feed while they run. */
  encodeGradually(): Generator<void, Uint8Array, void> {
    return encodeProfilesSteps(this);
  }

  encode(): Uint8Array {
    return encodeProfiles(this);
  }

  decode(bytes: Uint8Array): void {
    decodeProfiles(this, bytes);
  }
}

/** The ValueIds id of row i's value in a synced string column. */
function idIn(map: Int32Array, ids: ValueIds, v: Vector, i: number): number {
  const c = v.codes![i]!, id = map[c]!;
  return id >= 0 ? id : ids.idOfCode(c);
}
