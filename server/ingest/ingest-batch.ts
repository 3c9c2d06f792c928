// The whole parse-and-validate job for one body: bytes in, a columnar batch of the accepted rows,
// their dedup hashes and body positions, and a dead-letter batch of the rejected ones out. Pure and
// synchronous (it runs inside a parse worker); throws EngineError only when the body as a whole
// cannot be read.
//
// Invariants: accepted + rejected.length = the number of events in the body; row r of `batch` is
// the event at body position rowPositions[r]; rejected is in body order; every rejection has a
// dead-letter row with the same position, code and message.

import { BatchBuilder } from "../../engine/core/batch-codec.ts";
import type { RejectCode } from "../../engine/core/errors.ts";
import { DEAD_LETTER_SCHEMA } from "../../engine/core/event-schema.ts";
import { LIMITS } from "../../engine/core/limits.ts";
import type { TableSchema } from "../../engine/core/types.ts";
import { BAD, jsonText } from "./convert-value.ts";
import type { EventSink } from "./event-sink.ts";
import { validatorFor, type EventValidator } from "./event-validator.ts";
import { gunzipBody, parseBody, type BodyFormat } from "./parse-body.ts";

/** One body to parse, as every stage names it; `table` is resolved to its schema where it is parsed. */
export interface BodyJob {
  table: string;
  format: BodyFormat;
  gzip: boolean;
  body: Uint8Array;
  receivedAt: number;
  source: "http" | "ws" | "kafka" | "alerts" | "journeys" | "bids";
  allowEnvelope: boolean;
  /**
   * Where each event of the body came from, by its position (e.g. "topic/3@1042" for a Kafka
   * message): a dead letter's `source` is then "<source>:<label>", so a bad message can be found.
   */
  positionLabels?: readonly string[];
}

export interface IngestInput extends Omit<BodyJob, "table"> {
  table: TableSchema;
}

export interface RejectedEvent { index: number; line?: number; code: RejectCode; message: string; field?: string }

export interface IngestOutput {
  /** BatchBuilder.finish() of the accepted rows (table = schema name). */
  batch: Uint8Array;
  /** One per accepted row: Bun.hash of the client's event_id, 0 when the id was generated. */
  idHashes: BigUint64Array;
  /** A DEAD_LETTER_SCHEMA batch with one row per rejection, or null when nothing was rejected. */
  deadLetters: Uint8Array | null;
  accepted: number;
  rejected: RejectedEvent[];
  batchId: string | number | null;
  /** For accepted row r, its event's position in the body. */
  rowPositions: Uint32Array;
}

export function ingestBody(input: IngestInput): IngestOutput {
  const body = input.gzip ? gunzipBody(input.body) : input.body;
  const sink = new BatchSink(input, body);
  const batchId = parseBody(input.format, body, input.allowEnvelope, sink);
  return sink.finish(batchId);
}

// Dead-letter columns, in DEAD_LETTER_SCHEMA order.
const DL_RECEIVED_AT = 0, DL_TABLE = 1, DL_SOURCE = 2, DL_POSITION = 3, DL_CODE = 4, DL_MESSAGE = 5, DL_RAW = 6;

class BatchSink implements EventSink {
  private readonly builder: BatchBuilder;
  private readonly validator: EventValidator;
  private idHashes: BigUint64Array;
  private rowPositions: Uint32Array;
  private readonly rejected: RejectedEvent[] = [];
  private deadLetters: BatchBuilder | null = null;

  constructor(private readonly input: IngestInput, private readonly body: Uint8Array) {
    // Roughly one event per 256 bytes: most bodies then never grow the builder.
    const capacity = Math.min(LIMITS.EVENTS_PER_BATCH_MAX, Math.max(64, body.length >> 8));
    this.builder = new BatchBuilder(input.table.name, input.table.columns, capacity);
    this.validator = validatorFor(input.table);
    this.idHashes = new BigUint64Array(capacity);
    this.rowPositions = new Uint32Array(capacity);
  }

  event(value: unknown, position: number, line: number, rawText: string | null, rawStart: number, rawEnd: number): void {
    const rejection = this.validator.writeEvent(value, this.builder, this.input.receivedAt);
    if (rejection === null) {
      const row = this.builder.rowCount - 1;
      if (row === this.idHashes.length) this.grow();
      this.idHashes[row] = this.validator.lastIdHash;
      this.rowPositions[row] = position;
      return;
    }
    this.addRejection(position, line, rejection.code, rejection.message, rejection.field, this.rawOf(value, rawText, rawStart, rawEnd));
  }

  reject(position: number, line: number, code: RejectCode, message: string, rawText: string | null, rawStart: number, rawEnd: number): void {
    this.addRejection(position, line, code, message, undefined, this.rawOf(undefined, rawText, rawStart, rawEnd));
  }

  finish(batchId: string | number | null): IngestOutput {
    const rows = this.builder.rowCount;
    return {
      batch: this.builder.finish(),
      idHashes: this.idHashes.slice(0, rows),
      deadLetters: this.deadLetters?.finish() ?? null,
      accepted: rows,
      rejected: this.rejected,
      batchId,
      rowPositions: this.rowPositions.slice(0, rows),
    };
  }

  private grow(): void {
    const hashes = new BigUint64Array(this.idHashes.length * 2);
    hashes.set(this.idHashes);
    this.idHashes = hashes;
    const positions = new Uint32Array(this.rowPositions.length * 2);
    positions.set(this.rowPositions);
    this.rowPositions = positions;
  }

  private addRejection(position: number, line: number, code: RejectCode, message: string, field: string | undefined, raw: string): void {
    const r: RejectedEvent = { index: position, code, message };
    if (line > 0) r.line = line;
    if (field !== undefined) r.field = field;
    this.rejected.push(r);
    const dl = (this.deadLetters ??= new BatchBuilder(DEAD_LETTER_SCHEMA.name, DEAD_LETTER_SCHEMA.columns, 16));
    const row = dl.addRow();
    dl.setNumber(DL_RECEIVED_AT, row, this.input.receivedAt);
    dl.setString(DL_TABLE, row, this.input.table.name);
    const label = this.input.positionLabels?.[position];
    dl.setString(DL_SOURCE, row, label === undefined ? this.input.source : `${this.input.source}:${label}`);
    dl.setNumber(DL_POSITION, row, position);
    dl.setString(DL_CODE, row, code);
    dl.setString(DL_MESSAGE, row, message);
    dl.setString(DL_RAW, row, raw);
  }

  /**
   * The event's source for its dead letter, at most LIMITS.EVENT_BYTES_MAX characters: the NDJSON
   * line, the MessagePack item's bytes in base64, or a JSON array element written back as JSON.
   */
  private rawOf(value: unknown, rawText: string | null, rawStart: number, rawEnd: number): string {
    const max = LIMITS.EVENT_BYTES_MAX;
    if (rawText !== null) return truncate(rawText, max);
    if (rawEnd > rawStart) {
      // base64 writes 4 characters per 3 bytes: encode only what fits.
      const bytes = this.body.subarray(rawStart, Math.min(rawEnd, rawStart + Math.floor(max / 4) * 3));
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
    }
    const text = value === undefined ? "" : jsonText(value);
    return text === BAD ? String(value) : truncate(text, max);
  }
}

/** At most `max` UTF-16 units, never splitting a surrogate pair. */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}
