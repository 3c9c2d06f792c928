// What the format parsers hand their events to, and the rules all formats share: the per-batch
// event count and the WebSocket envelope. Kept apart from parse-body.ts so the format parsers
// depend on it, and parse-body.ts on them, without a cycle.

import { EngineError, type RejectCode } from "../../engine/core/errors.ts";
import { LIMITS } from "../../engine/core/limits.ts";

/**
 * Receives the events of a body in order. The event's source, kept for dead letters, is `rawText`
 * when given, else bytes [rawStart, rawEnd) of the decompressed body (MessagePack items); when both
 * are absent (rawText null, rawStart === rawEnd) it is the decoded value itself (JSON arrays).
 * `line` is the 1-based NDJSON line, 0 for other formats.
 */
export interface EventSink {
  event(value: unknown, position: number, line: number, rawText: string | null, rawStart: number, rawEnd: number): void;
  reject(position: number, line: number, code: RejectCode, message: string, rawText: string | null, rawStart: number, rawEnd: number): void;
}

/** Throws when a body holds more events than one batch may. */
export function checkEventCount(count: number): void {
  if (count > LIMITS.EVENTS_PER_BATCH_MAX) {
    throw new EngineError("body_too_large", `${count} events exceed the limit of ${LIMITS.EVENTS_PER_BATCH_MAX} per batch; split the body`);
  }
}

/** An envelope is an object with an `events` array and no `type` (which would make it an event). */
export function isEnvelope(doc: Record<string, unknown>): boolean {
  return Array.isArray(doc.events) && !Object.hasOwn(doc, "type");
}

/** The envelope's batch_id: a string or a finite number, or null when absent. */
export function checkBatchId(id: unknown): string | number | null {
  if (id === undefined || id === null) return null;
  if ((typeof id === "string" && id.length <= LIMITS.EVENT_ID_LENGTH_MAX) || (typeof id === "number" && Number.isFinite(id))) return id;
  throw new EngineError("malformed_body", `envelope batch_id must be a string of at most ${LIMITS.EVENT_ID_LENGTH_MAX} characters or a number`);
}
