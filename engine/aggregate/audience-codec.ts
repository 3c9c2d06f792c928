// The whole audience state as one byte string, for checkpoints: user ids, day bitmaps, definitions
// and materialized members. Nothing in it depends on the process (no global dictionary codes, no
// local dimension ids): atoms are stored by value, bitmaps in the portable Roaring format.
//
//   header    u32 magic "CAUD" | u32 version (1) | u32 retention days | i32 current day (NO_DAY = none)
//             f64 rows | f64 skippedNoUser | f64 skippedNoTime | f64 skippedUserLimit | f64 expired
//   users     u32 length | UserIds.encode() bytes
//   atoms     u32 count, then per atom:
//               str event | str campaign | str category          (str = u32 length + UTF-8; 0xFFFFFFFF = null)
//               u32 days, then per day: i32 day | u32 length | portable bitmap
//   audiences u32 count, then per audience (in definition order):
//               str name | str rule (canonical JSON) | u32 length | portable bitmap of members
//
// All integers little-endian. `all` and window bitmaps are not stored: they are unions of day
// bitmaps, rebuilt on decode. Decoding with a different retention drops days outside it and
// re-evaluates members; a rule the new retention cannot hold fails with bad_config.

import { EngineError } from "../core/errors.ts";
import { encodeAtOnce } from "./derived-state.ts";
import { AtomIndex, NO_DAY, type AtomRef } from "./atom-index.ts";
import { leavesOf, parseDefinition, ruleToJson } from "./audience-rules.ts";
import type { AudienceState, AudiencesOptions, Materialized } from "./audiences.ts";
import { Bitmap } from "./bitmaps.ts";
import { UserIds } from "./user-ids.ts";

const MAGIC = 0x44554143; // "CAUD" read as a little-endian u32
const VERSION = 1;
const NULL_STRING = 0xffff_ffff;
const utf8 = new TextEncoder();
const utf8d = new TextDecoder("utf-8", { fatal: true });

class Writer {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  at = 0;

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }

  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.at, v, true);
    this.at += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  str(s: string | null): void {
    if (s === null) this.u32(NULL_STRING);
    else this.bytes(utf8.encode(s));
  }

  /**
   * The bytes written, as a view: the writer is done with. Copying them out filled as much fresh
   * memory again, and filling fresh memory is most of what a large checkpoint section costs.
   */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.at + n, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.at));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** A cursor over the encoded bytes; every read checks bounds and fails with data_corrupt. */
class Reader {
  private readonly view: DataView;
  at = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.at, true);
    this.at += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }

  str(): string | null {
    this.need(4);
    if (this.view.getUint32(this.at, true) === NULL_STRING) {
      this.at += 4;
      return null;
    }
    try {
      return utf8d.decode(this.bytes());
    } catch {
      throw corrupt(`invalid UTF-8 at byte ${this.at}`);
    }
  }

  get done(): boolean {
    return this.at === this.buf.length;
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw corrupt(`truncated: ${n} bytes needed at byte ${this.at} of ${this.buf.length}`);
  }
}

function corrupt(why: string): EngineError {
  return new EngineError("data_corrupt", `audience state: ${why}`);
}

export function encodeState(state: AudienceState): Uint8Array {
  return encodeAtOnce(encodeStateSteps(state));
}

/** Bitmaps serialized between two yields of encodeStateSteps. */
const STEP_BITMAPS = 64;

/** encodeState in steps (Audiences.encodeGradually): a yield after the users and every STEP_BITMAPS bitmaps. */
export function* encodeStateSteps(state: AudienceState): Generator<void, Uint8Array, void> {
  const { users, index, audiences: defs, counters } = state;
  const w = new Writer();
  w.u32(MAGIC);
  w.u32(VERSION);
  w.u32(index.retentionDays);
  w.i32(index.currentDay);
  for (const v of [counters.rows, counters.skippedNoUser, counters.skippedNoTime, counters.skippedUserLimit, counters.expired]) w.f64(v);
  w.bytes(users.encode());
  yield;
  let bitmaps = 0;
  w.u32(index.atoms.length);
  for (const atom of index.atoms) {
    w.str(atom.ref.event);
    w.str(atom.ref.campaign);
    w.str(atom.ref.category);
    const days = [...atom.days.keys()].sort((a, b) => a - b);
    w.u32(days.length);
    for (const day of days) {
      if (++bitmaps % STEP_BITMAPS === 0) yield;
      w.i32(day);
      w.bytes(index.dayBitmap(atom, day).serialize());
    }
  }
  w.u32(defs.size);
  for (const a of defs.values()) {
    if (++bitmaps % STEP_BITMAPS === 0) yield;
    w.str(a.def.name);
    w.str(JSON.stringify(ruleToJson(a.def.rule)));
    w.bytes(a.members.serialize());
  }
  return w.finish();
}

/**
 * The state in encodeState() bytes; initBitmaps() must have completed. `stale` is true when the
 * retention differs from the encoded one: members must then be re-evaluated.
 */
export function decodeState(bytes: Uint8Array, options: AudiencesOptions = {}): { state: AudienceState; stale: boolean } {
  const r = new Reader(bytes);
  if (r.u32() !== MAGIC) throw corrupt("not an audience state (bad magic)");
  const version = r.u32();
  if (version !== VERSION) throw corrupt(`version ${version}, this build reads ${VERSION}`);
  const storedRetention = r.u32(), currentDay = r.i32();
  if (storedRetention < 1) throw corrupt(`retention of ${storedRetention} days`);
  const [rows, skippedNoUser, skippedNoTime, skippedUserLimit, expired] = [r.f64(), r.f64(), r.f64(), r.f64(), r.f64()];
  const users = UserIds.decode(r.bytes(), options.userIds);
  const retention = options.retentionDays ?? storedRetention;
  const index = new AtomIndex(retention);
  index.currentDay = currentDay;
  const audiences = new Map<string, Materialized>();
  try {
    readAtoms(r, index, users.size);
    readDefinitions(r, index, users.size, audiences, retention, storedRetention);
    if (!r.done) throw corrupt(`${bytes.length - r.at} bytes after the last audience`);
  } catch (e) {
    for (const a of audiences.values()) a.members.dispose();
    index.dispose();
    throw e;
  }
  const counters = { rows, skippedNoUser, skippedNoTime, skippedUserLimit, expired };
  return { state: { users, index, audiences, counters }, stale: retention !== storedRetention };
}

function readAtoms(r: Reader, index: AtomIndex, userCount: number): void {
  const atoms = r.u32();
  for (let i = 0; i < atoms; i++) {
    const ref: AtomRef = { event: r.str(), campaign: r.str(), category: r.str() };
    const valid = ref.event !== null ? ref.campaign === null || ref.category === null : (ref.campaign === null) !== (ref.category === null);
    if (!valid) throw corrupt(`atom ${i} has an invalid combination of fields`);
    const atom = index.ensureAtom(ref);
    if (atom === undefined || atom.id !== i) throw corrupt(`atom ${i} repeats an earlier atom or exceeds a limit`);
    const days = r.u32();
    let previous = NO_DAY;
    for (let k = 0; k < days; k++) {
      const day = r.i32(), data = r.bytes();
      if (day <= previous || day > index.currentDay) throw corrupt(`atom ${i}: day ${day} out of order or after the current day`);
      previous = day;
      if (day < index.firstDay) continue; // a smaller retention than when encoded
      index.installDay(atom, day, checkedBitmap(data, userCount, `atom ${i} day ${day}`));
    }
  }
}

function readDefinitions(r: Reader, index: AtomIndex, userCount: number, out: Map<string, Materialized>, retention: number, stored: number): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const name = r.str(), ruleText = r.str();
    const membersBytes = r.bytes();
    if (name === null || ruleText === null) throw corrupt(`audience ${i} has no name or rule`);
    let def;
    try {
      def = parseDefinition({ name, rule: JSON.parse(ruleText) }, retention);
    } catch (e) {
      const why = (e as Error).message;
      if (retention !== stored) throw new EngineError("bad_config", `audience "${name}" cannot be kept with a retention of ${retention} days: ${why}`);
      throw corrupt(`audience ${i}: ${why}`);
    }
    if (out.has(name)) throw corrupt(`audience "${name}" appears twice`);
    const windows = leavesOf(def.rule).filter((l) => l.withinDays !== null).map((l) => index.acquireWindow(l.atom, l.withinDays!));
    const a: Materialized = { def, members: checkedBitmap(membersBytes, userCount, `audience "${name}"`), windows };
    out.set(name, a);
  }
}

function checkedBitmap(data: Uint8Array, userCount: number, what: string): Bitmap {
  const b = Bitmap.deserialize(data);
  if (b.max >= userCount) {
    b.dispose();
    throw corrupt(`${what} holds user id ${b.max}, but only ${userCount} users exist`);
  }
  return b;
}
