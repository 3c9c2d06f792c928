// application/msgpack bodies and WebSocket binary frames. A body is one of:
//   - an array of maps (each element an event; non-map elements are per-event `not_an_object`),
//   - one map (one event), or a sequence of maps written back to back,
//   - with allowEnvelope, one map {"batch_id", "events": [...]} without a "type" key.
// A top-level item that is not a map or array, bytes after a top-level array, or bytes that cannot
// be framed fail the whole body (malformed_body, with the byte offset). Inside a framed item, what
// msgpack-scan.ts refuses is a per-event `invalid_msgpack`; an item over LIMITS.EVENT_BYTES_MAX is
// `event_too_large`. The scanner frames every item first; when none is refused, one msgpackr call
// decodes them all (as fast as msgpackr goes), otherwise each item is decoded alone.

import { Unpackr } from "msgpackr";
import { EngineError } from "../../engine/core/errors.ts";
import { LIMITS } from "../../engine/core/limits.ts";
import { checkBatchId, checkEventCount, type EventSink } from "./event-sink.ts";
import { arrayHeader, isMapAt, isStringAt, itemKindName, ItemProblem, mapHeader, problemMessage, scanItem, scanResult } from "./msgpack-scan.ts";

// Plain maps as objects, no msgpackr records; 64-bit integers past 2^53 stay exact as bigints.
// ("auto" is in msgpackr 2.x but missing from its typings.)
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "auto" as "bigint" });
/** Reused bounds for unpack: one decode per item without an options object per call. */
const range = { start: 0, end: 0 };

export function parseMsgpack(body: Uint8Array, allowEnvelope: boolean, sink: EventSink): string | number | null {
  const end = body.length;
  if (end === 0) return null;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (allowEnvelope && isMapAt(body, 0)) {
    const env = readEnvelope(body, view);
    if (env !== null) {
      emitArray(body, env.eventsAt, env.eventsEnd, view, sink);
      return env.batchId;
    }
  }
  if (arrayHeader(body, 0, end, view) >= 0) emitArray(body, 0, end, view, sink);
  else emitSequence(body, view, sink);
  return null;
}

/** The elements of the array at [at, end): the array must fill the range exactly. */
function emitArray(body: Uint8Array, at: number, end: number, view: DataView, sink: EventSink): void {
  const start = at;
  const count = arrayHeader(body, at, end, view);
  at += scanResult.headerLength;
  // Every element takes at least one byte: a count that cannot fit is a malformed header.
  if (count > end - at) {
    throw new EngineError("malformed_body", `MessagePack array at byte ${start} claims ${count} elements but ${end - at} bytes follow`, { offset: start });
  }
  checkEventCount(count);
  const clean = frameItems(body, at, end, view, count);
  at = offsets[count]!;
  if (at !== end) throw new EngineError("malformed_body", `${end - at} bytes follow the top-level MessagePack array at byte ${at}`, { offset: at });
  const values = clean ? decodeAll(body, start, end, false) : null;
  emitItems(body, values, count, view, sink);
}

/** Maps back to back (one map is a sequence of one). */
function emitSequence(body: Uint8Array, view: DataView, sink: EventSink): void {
  const end = body.length;
  let at = 0, count = 0, clean = true;
  while (at < end) {
    if (!isMapAt(body, at)) {
      throw new EngineError("malformed_body", `MessagePack item at byte ${at} is ${itemKindName(body, at)}; a body is an array of maps, one map, or maps back to back`, { offset: at });
    }
    if (count === LIMITS.EVENTS_PER_BATCH_MAX) checkEventCount(count + countItems(body, at, end, view));
    clean = frameItems(body, at, end, view, 1, count) && clean;
    at = offsets[++count]!;
  }
  const values = clean ? decodeAll(body, 0, end, true) : null;
  emitItems(body, values, count, view, sink);
}

// Item boundaries of the body being parsed: item i is [offsets[i], offsets[i + 1]).
let offsets = new Uint32Array(1024);

/**
 * Frames `count` items from `at` into offsets[first...]; true when none of them is refused or too
 * large, so the whole run can be decoded by one msgpackr call.
 */
function frameItems(body: Uint8Array, at: number, end: number, view: DataView, count: number, first = 0): boolean {
  if (offsets.length < first + count + 1) {
    const grown = new Uint32Array(Math.max(offsets.length * 2, first + count + 1));
    grown.set(offsets);
    offsets = grown;
  }
  let clean = true;
  for (let i = first; i < first + count; i++) {
    offsets[i] = at;
    at = frame(body, at, end, view);
    if (scanResult.problem !== ItemProblem.NONE || at - offsets[i]! > LIMITS.EVENT_BYTES_MAX) clean = false;
  }
  offsets[first + count] = at;
  return clean;
}

/** One msgpackr call for a clean run of items (the array, or the sequence); null if it fails. */
function decodeAll(body: Uint8Array, start: number, end: number, sequence: boolean): unknown[] | null {
  try {
    if (sequence) return unpackr.unpackMultiple(start === 0 && end === body.length ? body : body.subarray(start, end)) as unknown[];
    range.start = start;
    range.end = end;
    return unpackr.unpack(body, range) as unknown[];
  } catch {
    return null; // decoded item by item below, which names the item that fails
  }
}

/** Hands items 0..count-1 to the sink: from `values` when decoded at once, else one by one. */
function emitItems(body: Uint8Array, values: unknown[] | null, count: number, view: DataView, sink: EventSink): void {
  if (values !== null && (!Array.isArray(values) || values.length !== count)) values = null;
  for (let i = 0; i < count; i++) {
    const at = offsets[i]!, itemEnd = offsets[i + 1]!;
    if (values !== null) sink.event(values[i], i, 0, null, at, itemEnd);
    else emitItem(body, at, itemEnd, view, i, sink);
  }
}

function emitItem(body: Uint8Array, at: number, itemEnd: number, view: DataView, position: number, sink: EventSink): void {
  if (itemEnd - at > LIMITS.EVENT_BYTES_MAX) {
    sink.reject(position, 0, "event_too_large", `event is ${itemEnd - at} bytes; an event may have at most ${LIMITS.EVENT_BYTES_MAX}`, null, at, itemEnd);
    return;
  }
  scanItem(body, at, itemEnd, view); // again, for this item's problem
  if (scanResult.problem !== ItemProblem.NONE) {
    sink.reject(position, 0, "invalid_msgpack", problemMessage(), null, at, itemEnd);
    return;
  }
  range.start = at;
  range.end = itemEnd;
  let value: unknown;
  try {
    value = unpackr.unpack(body, range);
  } catch (e) {
    sink.reject(position, 0, "invalid_msgpack", `cannot be decoded: ${(e as Error).message}`, null, at, itemEnd);
    return;
  }
  sink.event(value, position, 0, null, at, itemEnd);
}

/** The end of the item at `at`; throws malformed_body when it cannot be framed. */
function frame(body: Uint8Array, at: number, end: number, view: DataView): number {
  const itemEnd = scanItem(body, at, end, view);
  if (itemEnd < 0) {
    throw new EngineError("malformed_body", `MessagePack body is malformed at byte ${scanResult.errorAt}: ${scanResult.error}`, { offset: scanResult.errorAt });
  }
  return itemEnd;
}

function countItems(body: Uint8Array, at: number, end: number, view: DataView): number {
  let n = 0;
  while (at < end) {
    at = frame(body, at, end, view);
    n++;
  }
  return n;
}

interface Envelope { batchId: string | number | null; eventsAt: number; eventsEnd: number }

/** The envelope when the whole body is one map with an `events` array and no `type` key; else null. */
function readEnvelope(body: Uint8Array, view: DataView): Envelope | null {
  const end = body.length;
  // Refused values inside the events are the events' own problem; only the frame must be whole.
  if (scanItem(body, 0, end, view) !== end) return null;
  const entries = mapHeader(body, 0, end, view);
  let at = scanResult.headerLength;
  let eventsAt = -1, eventsEnd = -1, idAt = -1, idEnd = -1;
  for (let i = 0; i < entries; i++) {
    if (!isStringAt(body, at)) return null;
    const keyEnd = scanItem(body, at, end, view);
    range.start = at;
    range.end = keyEnd;
    const key = unpackr.unpack(body, range);
    const valueEnd = scanItem(body, keyEnd, end, view);
    const refused = scanResult.problem !== ItemProblem.NONE;
    if (key === "type" || (key === "batch_id" && refused)) return null;
    if (key === "events") { eventsAt = keyEnd; eventsEnd = valueEnd; }
    if (key === "batch_id") { idAt = keyEnd; idEnd = valueEnd; }
    at = valueEnd;
  }
  if (eventsAt < 0 || arrayHeader(body, eventsAt, eventsEnd, view) < 0) return null;
  let batchId: string | number | null = null;
  if (idAt >= 0) {
    range.start = idAt;
    range.end = idEnd;
    batchId = checkBatchId(unpackr.unpack(body, range));
  }
  return { batchId, eventsAt, eventsEnd };
}
