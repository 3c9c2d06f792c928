// Request bodies and WebSocket frames -> decoded events, one at a time, handed to an EventSink.
// Owns the accepted media types, gzip and the choice of format parser (parse-ndjson.ts,
// parse-json.ts, parse-msgpack.ts, each documenting its own rules; what they share, the event
// count limit and the envelope, is in event-sink.ts).
//
// Two kinds of failure: a body that cannot be read at all throws EngineError (malformed_body,
// body_too_large, unsupported_media_type); one bad event inside a readable body is a per-event
// rejection passed to the sink, and the other events go on.
//
// Positions: every event of the body, accepted or not, has a 0-based `position` in body order
// (blank NDJSON lines are not events). NDJSON events also carry their 1-based line number.

import { gunzipSync } from "node:zlib";
import { EngineError, type RejectCode } from "../../engine/core/errors.ts";
import { LIMITS } from "../../engine/core/limits.ts";
import type { EventSink } from "./event-sink.ts";
import { parseJson } from "./parse-json.ts";
import { parseMsgpack } from "./parse-msgpack.ts";
import { parseNdjson } from "./parse-ndjson.ts";

export type { EventSink } from "./event-sink.ts";

export type BodyFormat = "ndjson" | "json" | "msgpack";

const MEDIA_TYPES: Record<string, BodyFormat> = {
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
  "application/json": "json",
  "application/msgpack": "msgpack",
  "application/x-msgpack": "msgpack",
  "application/vnd.msgpack": "msgpack",
};

/**
 * The body format for a Content-Type header. A missing header means NDJSON (what `curl
 * --data-binary` users and most trackers send line by line); anything unknown is refused, naming
 * the accepted types. A charset other than UTF-8 is refused: bodies are read as UTF-8.
 */
export function formatFromContentType(ct: string | null): BodyFormat {
  if (ct === null || ct.trim() === "") return "ndjson";
  const [type, ...params] = ct.split(";");
  const format = MEDIA_TYPES[type!.trim().toLowerCase()];
  if (format === undefined) {
    throw new EngineError("unsupported_media_type", `Content-Type "${ct}" is not accepted; send one of ${Object.keys(MEDIA_TYPES).join(", ")}`);
  }
  for (const p of params) {
    const [k, v] = p.split("=").map((s) => s.trim().toLowerCase().replace(/^"|"$/g, ""));
    if (k === "charset" && v !== "utf-8" && v !== "utf8" && v !== "us-ascii") {
      throw new EngineError("unsupported_media_type", `charset "${v}" is not accepted; bodies are read as UTF-8`);
    }
  }
  return format;
}

/** One event as parseBodyEvents returns it: tests and tools; ingest uses the sink directly. */
export interface ParsedEvent {
  value: unknown;
  position: number;
  line?: number;
  raw?: Uint8Array | string;
  error?: { code: RejectCode; message: string };
}

/** Decompresses a gzip body, bounded by LIMITS.BODY_DECOMPRESSED_BYTES_MAX against compression bombs. */
export function gunzipBody(body: Uint8Array, maxOutputLength: number = LIMITS.BODY_DECOMPRESSED_BYTES_MAX): Uint8Array {
  try {
    return gunzipSync(body, { maxOutputLength });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new EngineError("body_too_large", `gzip body of ${body.byteLength} bytes inflates past the limit of ${maxOutputLength} bytes`);
    }
    throw new EngineError("malformed_body", `body is not valid gzip (Content-Encoding: gzip): ${err.message}`);
  }
}

/**
 * Parses a (decompressed) body, feeding `sink`; returns the envelope's batch_id, or null. With
 * `allowEnvelope` (WebSocket frames), a body that is one object with an `events` array and no
 * `type` field is an envelope `{"batch_id": string | number, "events": [...]}`.
 */
export function parseBody(format: BodyFormat, body: Uint8Array, allowEnvelope: boolean, sink: EventSink): string | number | null {
  switch (format) {
    case "ndjson": return parseNdjson(body, allowEnvelope, sink);
    case "json": return parseJson(body, allowEnvelope, sink);
    case "msgpack": return parseMsgpack(body, allowEnvelope, sink);
  }
}

/** parseBody into an array: every event with its value or its error. */
export function parseBodyEvents(format: BodyFormat, body: Uint8Array, allowEnvelope = false): { events: ParsedEvent[]; batchId: string | number | null } {
  const events: ParsedEvent[] = [];
  const push = (e: ParsedEvent, line: number, rawText: string | null, rawStart: number, rawEnd: number) => {
    if (line > 0) e.line = line;
    if (rawText !== null) e.raw = rawText;
    else if (rawEnd > rawStart) e.raw = body.slice(rawStart, rawEnd);
    events.push(e);
  };
  const batchId = parseBody(format, body, allowEnvelope, {
    event: (value, position, line, rawText, rawStart, rawEnd) => push({ value, position }, line, rawText, rawStart, rawEnd),
    reject: (position, line, code, message, rawText, rawStart, rawEnd) =>
      push({ value: undefined, position, error: { code, message } }, line, rawText, rawStart, rawEnd),
  });
  return { events, batchId };
}
