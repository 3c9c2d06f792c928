// application/json bodies: the whole body is one JSON document, either an array of events or one
// event object (or, with allowEnvelope, an envelope). A document that does not parse fails the
// whole body with malformed_body, naming the line and column; array elements that are not objects
// are per-event rejections made by the validator (not_an_object).
//
// Events of a JSON body have no source text of their own (JSON.parse does not say where each one
// was); their dead-letter text is the element written back with JSON.stringify. The per-event
// size limit (LIMITS.EVENT_BYTES_MAX) is therefore not applied to them: the body limit is.

import { EngineError } from "../../engine/core/errors.ts";
import { checkBatchId, checkEventCount, isEnvelope, type EventSink } from "./event-sink.ts";
import { jsonErrorPosition } from "./json-error-position.ts";

/** Strips a UTF-8 byte order mark; invalid UTF-8 sequences become U+FFFD. */
export const utf8 = new TextDecoder("utf-8");

export function parseJson(body: Uint8Array, allowEnvelope: boolean, sink: EventSink): string | number | null {
  const text = utf8.decode(body);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw malformedJson(text, e as Error);
  }
  if (Array.isArray(doc)) {
    emitArray(doc, sink);
    return null;
  }
  if (typeof doc === "object" && doc !== null) return emitObject(doc as Record<string, unknown>, allowEnvelope, sink, 0, text);
  throw new EngineError("malformed_body", `a JSON body must be an array of events or one event object, got ${doc === null ? "null" : typeof doc}`);
}

/** One object: an envelope when allowed and shaped like one, else a single event at position 0. */
export function emitObject(doc: Record<string, unknown>, allowEnvelope: boolean, sink: EventSink, line: number, text: string): string | number | null {
  if (allowEnvelope && isEnvelope(doc)) {
    const batchId = checkBatchId(doc.batch_id);
    emitArray(doc.events as unknown[], sink);
    return batchId;
  }
  sink.event(doc, 0, line, text, 0, 0);
  return null;
}

function emitArray(events: unknown[], sink: EventSink): void {
  checkEventCount(events.length);
  for (let i = 0; i < events.length; i++) sink.event(events[i], i, 0, null, 0, 0);
}

function malformedJson(text: string, e: Error): EngineError {
  const why = e.message.replace(/^JSON Parse error: /, "");
  const at = jsonErrorPosition(text);
  if (at === null) return new EngineError("malformed_body", `body is not valid JSON: ${why}`);
  return new EngineError("malformed_body", `body is not valid JSON at line ${at.line}, column ${at.column}: ${why}`, {
    line: at.line, column: at.column, offset: at.offset,
  });
}
