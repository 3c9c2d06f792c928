// Checkpoint encoding of live user profiles (profile-store.ts). Keyed by values, never by global codes
// nor by the dense ids of the shared users ValueIds (whose ids may differ after a restart):
//
//   u32 version (2)
//   json header  { countTypes, lists, slotBytes, fields (the slot layout), slots, counters }
//   json         user key of each slot, most recently seen first
//   json x 4     values of the items, campaigns, channels and tags ValueIds, in id order (slots hold
//                id + 1)
//   u8 arrays    the slots' bytes in the same order, CHUNK_SLOTS slots per array
//
// Decoding puts the slots in that order (so the recency list is 0, 1, 2, ...), keeps the usersMax
// most recent when the config now allows fewer (counted as evictions), and matches by name what the
// config may have changed: counted types and recent lists (a new one starts empty, a dropped one is
// forgotten), windows (a ring whose bucket width or length changed has another name, so it starts
// empty), and longer or shorter lists, session memories and tag sets (the first, most recent,
// entries are kept). Nothing in the store changes until the whole checkpoint has been read and its
// ids checked against its dictionaries.

import { EngineError } from "../core/errors.ts";
import { ByteReader, ByteWriter } from "./byte-codec.ts";
import { encodeAtOnce } from "./derived-state.ts";
import { CHUNK_BITS, CHUNK_MASK, CHUNK_SLOTS, newChunk, ProfileSlots, type SlotChunk, type SlotField } from "./profile-slots.ts";
import type { ProfileCounters, ProfileStore } from "./profile-store.ts";
import { ValueIds } from "./value-ids.ts";

const VERSION = 2;

interface Header {
  countTypes: string[];
  lists: string[];
  slotBytes: number;
  fields: SlotField[];
  slots: number;
  counters: ProfileCounters;
}

/** Slots copied between two yields of encodeProfilesSteps. */
const STEP_SLOTS = 2048;

export function encodeProfiles(p: ProfileStore): Uint8Array {
  return encodeAtOnce(encodeProfilesSteps(p));
}

/** encodeProfiles in steps (ProfileStore.encodeGradually): a yield after the keys and after every chunk of slots. */
export function* encodeProfilesSteps(p: ProfileStore): Generator<void, Uint8Array, void> {
  const sl = p.slots, c = p.config, L = sl.layout, order = sl.order(), n = order.length;
  const header: Header = {
    countTypes: [...c.countTypes], lists: c.recentLists.map((l) => l.name), slotBytes: L.bytes, fields: [...L.fields], slots: n, counters: p.counters,
  };
  const keys = Array.from(order, (s) => p.users.value(sl.user[s]!));
  const w = new ByteWriter().u32(VERSION).json(header).json(keys);
  w.json(p.items.values()).json(p.campaigns.values()).json(p.channels.values()).json(p.tagIds.values());
  for (let from = 0; from < n; from += CHUNK_SLOTS) {
    yield;
    // Written in place, STEP_SLOTS at a time: a chunk of 16,384 slots built apart and copied in was
    // one 18 ms step. Nothing else is written to `w` until the room is full (arrayRoom).
    const count = Math.min(CHUNK_SLOTS, n - from), out = w.arrayRoom(count * L.bytes);
    for (let j = 0; j < count; j++) {
      if (j > 0 && j % STEP_SLOTS === 0) yield;
      const s = order[from + j]!, at = (s & CHUNK_MASK) * L.bytes;
      out.set(sl.chunks[s >>> CHUNK_BITS]!.u8.subarray(at, at + L.bytes), j * L.bytes);
    }
  }
  return w.finish();
}

interface Parsed {
  h: Header;
  keys: string[];
  /** Items, campaigns, channels, tags. */
  dicts: string[][];
  /** Slot j (most recent first) is slot j & CHUNK_MASK of groups[j >> CHUNK_BITS]. */
  groups: SlotChunk[];
}

function readProfiles(bytes: Uint8Array): Parsed {
  const rd = new ByteReader(bytes, "profiles checkpoint");
  if (rd.u32() !== VERSION) rd.fail("unknown version");
  const h = rd.json<Header>(), keys = rd.json<string[]>();
  const dicts = [rd.json<string[]>(), rd.json<string[]>(), rd.json<string[]>(), rd.json<string[]>()];
  if (keys.length !== h.slots) rd.fail(`${keys.length} user keys for ${h.slots} slots`);
  if (!(h.slotBytes > 0 && h.slotBytes % 8 === 0)) rd.fail(`slot size ${h.slotBytes}`);
  for (const f of h.fields) {
    const size = f.kind === "f64" ? 8 : f.kind === "u32" ? 4 : 2;
    if ((f.at + f.groups * f.width) * size > h.slotBytes) rd.fail(`field ${f.name} runs past the ${h.slotBytes}-byte slot`);
  }
  const groups: SlotChunk[] = [];
  for (let from = 0; from < h.slots; from += CHUNK_SLOTS) {
    const b = rd.u8s();
    if (b.length !== Math.min(CHUNK_SLOTS, h.slots - from) * h.slotBytes) rd.fail(`slot group of ${b.length} bytes`);
    groups.push({ u8: b, f64: new Float64Array(b.buffer, 0, b.length >> 3), u32: new Uint32Array(b.buffer, 0, b.length >> 2), u16: new Uint16Array(b.buffer, 0, b.length >> 1) });
  }
  rd.end();
  // Ids the slots hold must name dictionary values (id + 1 <= size).
  const idFields: [string, number, number][] = [["campaign", dicts[1]!.length, 1], ["channel", dicts[2]!.length, 1], ["recent", dicts[0]!.length, 2], ["tags", dicts[3]!.length, 1]];
  for (const [name, size, step] of idFields) {
    const f = h.fields.find((x) => x.name === name && x.kind === "u32");
    if (!f) continue;
    for (let j = 0; j < h.slots; j++) {
      const u = groups[j >>> CHUNK_BITS]!.u32, base = (j & CHUNK_MASK) * (h.slotBytes >> 2) + f.at;
      for (let k = 0; k < f.groups * f.width; k += step) if (u[base + k]! > size) rd.fail(`${name} id ${u[base + k]! - 1} outside its ${size} values`);
    }
  }
  return { h, keys, dicts, groups };
}

/** Copies field `from` of old slot j into field `to` of new slot j: group g of `to` takes group map[g] of `from`. */
function copyField(src: SlotChunk, srcSlot: number, srcBytes: number, from: SlotField, dst: SlotChunk, dstSlot: number, dstBytes: number, to: SlotField, map: readonly number[]): void {
  const size = to.kind === "f64" ? 8 : to.kind === "u32" ? 4 : 2;
  const a = src[to.kind], b = dst[to.kind], w = Math.min(from.width, to.width);
  const sBase = srcSlot * (srcBytes / size) + from.at, dBase = dstSlot * (dstBytes / size) + to.at;
  for (let g = 0; g < to.groups; g++) {
    const k = map[g]!;
    if (k < 0 || k >= from.groups) continue;
    for (let i = 0; i < w; i++) b[dBase + g * to.width + i] = a[sBase + k * from.width + i]!;
  }
}

export function decodeProfiles(p: ProfileStore, bytes: Uint8Array): void {
  const { h, keys, dicts, groups } = readProfiles(bytes);
  const c = p.config, sl = new ProfileSlots(c), L = sl.layout, keep = Math.min(h.slots, c.usersMax);
  const slotOfUser = new Int32Array(Math.max(1024, p.users.size + keep));
  for (let j = 0; j < keep; j++) {
    const uid = p.users.idOf(keys[j]!);
    if (slotOfUser[uid] !== 0) throw new EngineError("data_corrupt", `profiles checkpoint: user ${keys[j]} held twice`);
    slotOfUser[uid] = j + 1;
    sl.user[j] = uid;
  }
  for (let k = 0; k * CHUNK_SLOTS < keep; k++) sl.chunks.push(newChunk(L));
  const same = h.slotBytes === L.bytes && JSON.stringify(h.fields) === JSON.stringify(L.fields) &&
    JSON.stringify(h.countTypes) === JSON.stringify(c.countTypes) && JSON.stringify(h.lists) === JSON.stringify(c.recentLists.map((l) => l.name));
  if (same) {
    for (let k = 0; k < sl.chunks.length; k++) sl.chunks[k]!.u8.set(groups[k]!.u8.subarray(0, Math.min(CHUNK_SLOTS, keep - k * CHUNK_SLOTS) * L.bytes));
  } else {
    const maps = { types: c.countTypes.map((t) => h.countTypes.indexOf(t)), lists: c.recentLists.map((l) => h.lists.indexOf(l.name)) };
    for (const to of L.fields) {
      const from = h.fields.find((f) => f.name === to.name && f.kind === to.kind);
      if (!from) continue;
      const map = to.groupsBy === null ? [0] : maps[to.groupsBy];
      for (let j = 0; j < keep; j++) {
        copyField(groups[j >>> CHUNK_BITS]!, j & CHUNK_MASK, h.slotBytes, from, sl.chunks[j >>> CHUNK_BITS]!, j & CHUNK_MASK, L.bytes, to, map);
      }
    }
  }
  sl.highWater = keep;
  sl.linkInOrder();
  p.slots = sl;
  p.slotOfUser = slotOfUser;
  [p.items, p.campaigns, p.channels, p.tagIds] = dicts.map((v) => ValueIds.fromValues(v)) as [ValueIds, ValueIds, ValueIds, ValueIds];
  p.counters = { ...h.counters, evictions: h.counters.evictions + (h.slots - keep) };
}
