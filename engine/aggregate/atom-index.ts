// The bitmap index audiences are built from: for each atom and each UTC day, the set of users with
// at least one event of that atom on that day. Atoms are
//
//   type t, campaign c, category g, (type t AND campaign c), (type t AND category g)
//
// on the same event, so "clicked campaign X" is exact (not "clicked something" AND "saw X somewhere").
//
// Per atom the index also keeps `all` (the union of its retained days) once something has read it
// (a rule leaf without a window, a set-algebra operand): built at the first read, kept up to date on
// ingest from then on, rebuilt at the next read after days expire. An atom nobody reads costs only
// its day bitmaps (keeping every `all` current was a third of the index's ingest time). Any number
// of windows (the union of its last N days, N chosen by audience rules) are kept up to date on
// ingest and rebuilt when the day rolls over.
//
// Time. A row's day is floor(ts / 86 400 000) (UTC). The current day is the newest day of any
// indexed row, never the wall clock: state is a pure function of the rows fed, so replaying the log
// rebuilds it exactly. Days (current - retentionDays, current] are kept; when the current day moves,
// older day bitmaps are dropped, and rows older than that horizon are counted and skipped (rows out
// of order but inside it are indexed). "Within N days" means days (current - N, current]. Day
// bitmaps that have become SETTLED_DAYS old are trimmed (Bitmap.trim: their room for growth given
// back), a few per ingest() so that no batch pays for a whole day; a late row still lands in them.
//
// Hot path: ingest() takes one batch as flat typed arrays (dense user id, day, local ids of type,
// campaign and category) and turns each row into up to five (atom, day, user) entries. Entries are
// grouped by day bitmap with a counting sort, each group sorted once (sortIds: sorted input is the
// bitmaps' fast path), and handed over with one addMany per bitmap (day, `all`, windows).
//
// Ownership: every Bitmap here belongs to the index (day bitmaps to their slot, `all` and windows to
// their atom / registry entry). Readers borrow them: they must not modify them, nor hold them across
// ingest(), which adds to day bitmaps, `all` and windows in place and replaces them when rebuilt.

import { assert } from "../core/assert.ts";
import type { StringDictionary } from "../column/string-dictionary.ts";
import { Bitmap, sortIds } from "./bitmaps.ts";
import { CodeTranslation } from "./user-ids.ts";

export const DAY_MS = 86_400_000;
/** "No day yet": the current day before the first row. */
export const NO_DAY = -0x8000_0000;
/** Distinct values of one dimension that get atoms; local ids stay below 2^20 so pairs pack in a double. */
export const DIMENSION_VALUES_MAX = 1 << 20;
/** Age in days from which a day bitmap is expected to receive few rows (trimmed once, when reached). */
const SETTLED_DAYS = 3;
/** Settled day bitmaps trimmed per ingest() (a day has ~1 per atom; trimming all at once took ~10 ms at 10M users). */
const TRIMS_PER_INGEST = 32;

/** Serialized: never renumber. */
export const AtomKind = { TYPE: 0, CAMPAIGN: 1, CATEGORY: 2, TYPE_CAMPAIGN: 3, TYPE_CATEGORY: 4 } as const;
export type AtomKind = (typeof AtomKind)[keyof typeof AtomKind];

/** An atom by value; null fields are absent. Valid combinations are the five atom kinds. */
export interface AtomRef {
  readonly event: string | null;
  readonly campaign: string | null;
  readonly category: string | null;
}

/** The canonical text of an atom: "type:purchase", "campaign:X", "type:click&campaign:X", ... */
export function atomKey(ref: AtomRef): string {
  const parts: string[] = [];
  if (ref.event !== null) parts.push(`type:${ref.event}`);
  if (ref.campaign !== null) parts.push(`campaign:${ref.campaign}`);
  if (ref.category !== null) parts.push(`category:${ref.category}`);
  return parts.join("&");
}

export function atomKindOf(ref: AtomRef): AtomKind {
  if (ref.event !== null) {
    assert(ref.campaign === null || ref.category === null, "no atom has type, campaign and category");
    return ref.campaign !== null ? AtomKind.TYPE_CAMPAIGN : ref.category !== null ? AtomKind.TYPE_CATEGORY : AtomKind.TYPE;
  }
  assert((ref.campaign === null) !== (ref.category === null), "an atom without type has exactly one of campaign, category");
  return ref.campaign !== null ? AtomKind.CAMPAIGN : AtomKind.CATEGORY;
}

/** Distinct values of one dimension (type, campaign or category) -> local ids in first-seen order. */
export class DimensionValues {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly translations = new WeakMap<StringDictionary, CodeTranslation>();

  /** The local id of `value`, inserted when new; -1 past DIMENSION_VALUES_MAX. */
  idOf(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      if (this.values.length >= DIMENSION_VALUES_MAX) return -1;
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  find(value: string): number {
    return this.ids.get(value) ?? -1;
  }

  translation(dict: StringDictionary): CodeTranslation {
    let t = this.translations.get(dict);
    if (t === undefined) this.translations.set(dict, (t = new CodeTranslation(dict, (v) => this.idOf(v))));
    return t;
  }
}

export interface Atom {
  readonly id: number;
  readonly kind: AtomKind;
  readonly ref: AtomRef;
  readonly key: string;
  /** Day -> slot number of its bitmap. */
  readonly days: Map<number, number>;
  all: Bitmap;
  /** `all` is not kept (never read, or days were dropped since it was built): build before reading. */
  allStale: boolean;
  readonly windows: Window[];
}

/** The union of an atom's last `days` days, shared by every rule leaf that names it. */
export interface Window {
  readonly key: string;
  readonly days: number;
  bitmap: Bitmap;
  refs: number;
}

export interface IngestResult {
  /** The current day moved (windows were rebuilt; audiences must be re-evaluated in full). */
  readonly rolledOver: boolean;
  /** Rows older than the retention horizon, not indexed. */
  readonly expired: number;
}

export class AtomIndex {
  readonly types = new DimensionValues();
  readonly campaigns = new DimensionValues();
  readonly categories = new DimensionValues();
  readonly atoms: Atom[] = [];
  currentDay = NO_DAY;

  private readonly byKey = new Map<string, Atom>();
  private typeAtom = new Int32Array(64).fill(-1);
  private campaignAtom = new Int32Array(64).fill(-1);
  private categoryAtom = new Int32Array(64).fill(-1);
  private readonly pairAtom = new Map<number, number>();
  private readonly windowsByKey = new Map<string, Map<number, Window>>();
  /** (slot, day) pairs of settled day bitmaps still to trim. */
  private readonly settling: number[] = [];

  // Day bitmaps live in numbered slots (reused after expiry), so a batch groups entries by slot.
  private slotBitmap: (Bitmap | null)[] = [];
  private slotAtom = new Int32Array(256);
  private slotDay = new Int32Array(256);
  private readonly freeSlots: number[] = [];
  private lastDay = new Int32Array(64).fill(NO_DAY); // per atom: the day of its last entry...
  private lastSlot = new Int32Array(64); // ...and that day's slot
  private slotCount = new Int32Array(256);

  // Per-batch scratch: entries (slot, user), grouped into `grouped` by counting sort.
  private entrySlot = new Int32Array(5 * 4096);
  private entryUser = new Uint32Array(5 * 4096);
  private grouped = new Uint32Array(5 * 4096);
  private touched = new Int32Array(1024);

  constructor(readonly retentionDays: number) {
    assert(Number.isInteger(retentionDays) && retentionDays >= 1, `retention of ${retentionDays} days`);
  }

  /** Oldest day kept: days <= current - retention are dropped. */
  get firstDay(): number {
    return this.currentDay === NO_DAY ? NO_DAY : this.currentDay - this.retentionDays + 1;
  }

  atomFor(ref: AtomRef): Atom | undefined {
    return this.byKey.get(atomKey(ref));
  }

  /** The union of the atom's retained days (borrowed). */
  allOf(atom: Atom): Bitmap {
    if (atom.allStale) {
      atom.all = Bitmap.orMany(this.dayBitmapsOf(atom, NO_DAY, 0x7fff_ffff));
      atom.allStale = false;
    }
    return atom.all;
  }

  /** The atom's day bitmaps for days in [from, to] that exist (borrowed). */
  dayBitmapsOf(atom: Atom, from: number, to: number): Bitmap[] {
    const out: Bitmap[] = [];
    for (const [day, slot] of atom.days) if (day >= from && day <= to) out.push(this.slotBitmap[slot]!);
    return out;
  }

  /** Registers (or shares) the window of the atom `ref` over the last `days` days. */
  acquireWindow(ref: AtomRef, days: number): Window {
    const key = atomKey(ref);
    let byDays = this.windowsByKey.get(key);
    if (byDays === undefined) this.windowsByKey.set(key, (byDays = new Map()));
    let w = byDays.get(days);
    if (w === undefined) {
      w = { key, days, bitmap: Bitmap.empty(), refs: 0 };
      byDays.set(days, w);
      const atom = this.byKey.get(key);
      if (atom !== undefined) {
        atom.windows.push(w);
        this.rebuildWindow(atom, w);
      }
    }
    w.refs++;
    return w;
  }

  /** The registered window of `ref` over `days` days, if some rule keeps one. */
  findWindow(ref: AtomRef, days: number): Window | undefined {
    return this.windowsByKey.get(atomKey(ref))?.get(days);
  }

  releaseWindow(w: Window): void {
    assert(w.refs > 0, "window released more often than acquired");
    if (--w.refs > 0) return;
    this.windowsByKey.get(w.key)!.delete(w.days);
    if (this.windowsByKey.get(w.key)!.size === 0) this.windowsByKey.delete(w.key);
    const atom = this.byKey.get(w.key);
    if (atom !== undefined) atom.windows.splice(atom.windows.indexOf(w), 1);
  }

  /**
   * Indexes rows [0, n): users[i] (dense id), days[i], and local ids types[i], campaigns[i],
   * categories[i] (-1 = none). Moves the current day first when a row is newer.
   */
  ingest(n: number, users: Uint32Array, days: Int32Array, types: Int32Array, campaigns: Int32Array, categories: Int32Array): IngestResult {
    let maxDay = NO_DAY;
    for (let i = 0; i < n; i++) if (days[i]! > maxDay) maxDay = days[i]!;
    const rolledOver = maxDay > this.currentDay;
    if (rolledOver) {
      const previous = this.currentDay;
      this.currentDay = maxDay;
      this.onNewDay(previous);
    }
    const horizon = this.firstDay;
    this.reserveEntries(5 * n);
    let m = 0, expired = 0;
    for (let i = 0; i < n; i++) {
      const d = days[i]!, u = users[i]!, t = types[i]!, c = campaigns[i]!, g = categories[i]!;
      if (d < horizon) {
        expired++;
        continue;
      }
      if (t >= 0) {
        m = this.entry(m, this.typeAtom[t] ?? -1, AtomKind.TYPE, t, -1, d, u);
        if (c >= 0) m = this.entry(m, this.pairAtom.get(t * DIMENSION_VALUES_MAX + c) ?? -1, AtomKind.TYPE_CAMPAIGN, t, c, d, u);
        if (g >= 0) m = this.entry(m, this.pairAtom.get(-1 - (t * DIMENSION_VALUES_MAX + g)) ?? -1, AtomKind.TYPE_CATEGORY, t, g, d, u);
      }
      if (c >= 0) m = this.entry(m, this.campaignAtom[c] ?? -1, AtomKind.CAMPAIGN, c, -1, d, u);
      if (g >= 0) m = this.entry(m, this.categoryAtom[g] ?? -1, AtomKind.CATEGORY, g, -1, d, u);
    }
    this.addEntries(m, !rolledOver);
    this.trimSettled();
    if (rolledOver) for (const atom of this.atoms) for (const w of atom.windows) this.rebuildWindow(atom, w);
    return { rolledOver, expired };
  }

  /** Bytes of the bitmaps' typed arrays (Bitmap.byteSize), and their count. */
  bitmapStats(): { bitmaps: number; dayBitmaps: number; bytes: number } {
    let bitmaps = 0, dayBitmaps = 0, bytes = 0;
    for (const b of this.slotBitmap) if (b !== null) (dayBitmaps++, (bytes += b.byteSize));
    for (const atom of this.atoms) {
      bitmaps++;
      bytes += atom.all.byteSize; // an empty placeholder until read
      for (const w of atom.windows) (bitmaps++, (bytes += w.bitmap.byteSize));
    }
    return { bitmaps: bitmaps + dayBitmaps, dayBitmaps, bytes };
  }

  /** The day bitmap of (atom, day), created when absent (decode and tests). */
  dayBitmap(atom: Atom, day: number): Bitmap {
    return this.slotBitmap[this.slotFor(atom.id, day)]!;
  }

  /** Installs `bitmap` (taking ownership) as the day bitmap of (atom, day), which must be absent (decode). */
  installDay(atom: Atom, day: number, bitmap: Bitmap): void {
    assert(!atom.days.has(day), `atom ${atom.key} already has day ${day}`);
    const slot = this.slotFor(atom.id, day);
    this.slotBitmap[slot] = bitmap;
    atom.allStale = true;
  }

  /** The atom `ref`, created when absent; undefined when a dimension is full. */
  ensureAtom(ref: AtomRef): Atom | undefined {
    const found = this.byKey.get(atomKey(ref));
    if (found !== undefined) return found;
    const t = ref.event === null ? -1 : this.types.idOf(ref.event);
    const c = ref.campaign === null ? -1 : this.campaigns.idOf(ref.campaign);
    const g = ref.category === null ? -1 : this.categories.idOf(ref.category);
    if ((ref.event !== null && t < 0) || (ref.campaign !== null && c < 0) || (ref.category !== null && g < 0)) return undefined;
    const kind = atomKindOf(ref);
    const a = t >= 0 ? t : c >= 0 ? c : g;
    const b = t >= 0 ? (c >= 0 ? c : g) : -1;
    return this.atoms[this.createAtom(kind, a, b)];
  }

  /**
   * Drops the day bitmaps (memory is garbage-collected: this only lets it go sooner). The index must
   * not be used afterwards. Kept for audience-codec.ts, which calls it when decoding fails.
   */
  dispose(): void {
    this.slotBitmap = [];
  }

  /** Appends the entry (atom, day, user), creating the atom on first sight; returns the new count. */
  private entry(m: number, atomId: number, kind: AtomKind, a: number, b: number, day: number, user: number): number {
    const id = atomId >= 0 ? atomId : this.createAtom(kind, a, b);
    this.entrySlot[m] = this.lastDay[id] === day ? this.lastSlot[id]! : this.slotFor(id, day);
    this.entryUser[m] = user;
    return m + 1;
  }

  /** Groups entries [0, m) by slot and bulk-adds each group to its day bitmap, `all` and windows. */
  private addEntries(m: number, updateWindows: boolean): void {
    const entrySlot = this.entrySlot, entryUser = this.entryUser, grouped = this.grouped, count = this.slotCount;
    let touched = 0;
    for (let i = 0; i < m; i++) {
      const s = entrySlot[i]!, c = count[s]!;
      count[s] = c + 1;
      if (c === 0) {
        if (touched === this.touched.length) this.touched = grow32(this.touched, touched * 2);
        this.touched[touched++] = s;
      }
    }
    // Prefix sums turn counts into group ends; the scatter walks them back to group starts.
    let at = 0;
    for (let k = 0; k < touched; k++) {
      const s = this.touched[k]!;
      at += count[s]!;
      count[s] = at;
    }
    for (let i = m - 1; i >= 0; i--) {
      const s = entrySlot[i]!, to = count[s]! - 1;
      count[s] = to;
      grouped[to] = entryUser[i]!;
    }
    for (let k = 0; k < touched; k++) {
      const s = this.touched[k]!, begin = count[s]!, end = k + 1 < touched ? count[this.touched[k + 1]!]! : m;
      count[s] = 0;
      sortIds(grouped, begin, end);
      const atom = this.atoms[this.slotAtom[s]!]!, day = this.slotDay[s]!;
      this.slotBitmap[s]!.addMany(grouped, begin, end);
      if (!atom.allStale) atom.all.addMany(grouped, begin, end);
      if (updateWindows) for (const w of atom.windows) if (day > this.currentDay - w.days) w.bitmap.addMany(grouped, begin, end);
    }
  }

  private createAtom(kind: AtomKind, a: number, b: number): number {
    const id = this.atoms.length;
    const ref: AtomRef = {
      event: kind === AtomKind.TYPE || kind === AtomKind.TYPE_CAMPAIGN || kind === AtomKind.TYPE_CATEGORY ? this.types.values[a]! : null,
      campaign: kind === AtomKind.CAMPAIGN ? this.campaigns.values[a]! : kind === AtomKind.TYPE_CAMPAIGN ? this.campaigns.values[b]! : null,
      category: kind === AtomKind.CATEGORY ? this.categories.values[a]! : kind === AtomKind.TYPE_CATEGORY ? this.categories.values[b]! : null,
    };
    const key = atomKey(ref);
    assert(!this.byKey.has(key), `atom ${key} created twice`);
    const windows = [...(this.windowsByKey.get(key)?.values() ?? [])];
    const atom: Atom = { id, kind, ref, key, days: new Map(), all: Bitmap.empty(), allStale: true, windows };
    this.atoms.push(atom);
    this.byKey.set(key, atom);
    if (kind === AtomKind.TYPE) this.typeAtom = setGrow(this.typeAtom, a, id);
    else if (kind === AtomKind.CAMPAIGN) this.campaignAtom = setGrow(this.campaignAtom, a, id);
    else if (kind === AtomKind.CATEGORY) this.categoryAtom = setGrow(this.categoryAtom, a, id);
    else this.pairAtom.set(kind === AtomKind.TYPE_CAMPAIGN ? a * DIMENSION_VALUES_MAX + b : -1 - (a * DIMENSION_VALUES_MAX + b), id);
    if (id >= this.lastDay.length) {
      this.lastDay = grow32(this.lastDay, id * 2, NO_DAY);
      this.lastSlot = grow32(this.lastSlot, id * 2);
    }
    return id;
  }

  /** The slot of (atom, day), creating its bitmap when absent; remembered as the atom's last day. */
  private slotFor(atomId: number, day: number): number {
    const atom = this.atoms[atomId]!;
    let slot = atom.days.get(day);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.slotBitmap.length;
      if (slot === this.slotBitmap.length) this.slotBitmap.push(null);
      if (slot >= this.slotAtom.length) {
        this.slotAtom = grow32(this.slotAtom, slot * 2);
        this.slotDay = grow32(this.slotDay, slot * 2);
        this.slotCount = grow32(this.slotCount, slot * 2);
      }
      this.slotBitmap[slot] = Bitmap.empty();
      this.slotAtom[slot] = atomId;
      this.slotDay[slot] = day;
      atom.days.set(day, slot);
    }
    this.lastDay[atomId] = day;
    this.lastSlot[atomId] = slot;
    return slot;
  }

  /** Drops the days past retention and queues the days that just became SETTLED_DAYS old for trimming. */
  private onNewDay(previous: number): void {
    const horizon = this.firstDay, settled = this.currentDay - SETTLED_DAYS, wasSettled = previous - SETTLED_DAYS;
    for (const atom of this.atoms) {
      for (const [day, slot] of atom.days) {
        if (day >= horizon) {
          if (day <= settled && day > wasSettled) this.settling.push(slot, day);
          continue;
        }
        this.slotBitmap[slot] = null;
        this.freeSlots.push(slot);
        atom.days.delete(day);
        // Stale until read again: not kept meanwhile, so its memory goes now.
        if (!atom.allStale) (atom.allStale = true), (atom.all = Bitmap.empty());
        this.lastDay[atom.id] = NO_DAY;
      }
    }
  }

  private trimSettled(): void {
    for (let k = 0; k < TRIMS_PER_INGEST && this.settling.length > 0; k++) {
      const day = this.settling.pop()!, slot = this.settling.pop()!;
      if (this.slotDay[slot] === day && this.slotBitmap[slot] !== null) this.slotBitmap[slot]!.trim();
    }
  }

  private rebuildWindow(atom: Atom, w: Window): void {
    w.bitmap = Bitmap.orMany(this.dayBitmapsOf(atom, this.currentDay - w.days + 1, this.currentDay));
  }

  private reserveEntries(m: number): void {
    if (this.entrySlot.length >= m) return;
    this.entrySlot = new Int32Array(m);
    this.entryUser = new Uint32Array(m);
    this.grouped = new Uint32Array(m);
  }
}

function grow32(a: Int32Array, size: number, fill = 0): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(size, 16)).fill(fill);
  out.set(a);
  return out;
}

function setGrow(a: Int32Array<ArrayBuffer>, i: number, v: number): Int32Array<ArrayBuffer> {
  const out = i < a.length ? a : grow32(a, Math.max(i + 1, a.length * 2), -1);
  out[i] = v;
  return out;
}
