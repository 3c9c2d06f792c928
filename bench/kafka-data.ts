// Seeded Kafka payloads for the Kafka benchmarks: realistic events (bench/data.ts) as NDJSON messages
// of EVENTS_PER_MESSAGE events each (~360 KB), keyed by the first event's user (or anonymous) id, as
// a producer keying by user would, but placed round-robin over PARTITIONS so that partitions are
// even. The same seed gives the same bytes, so runs compare.
//
// The mock cluster keeps only ~5 MB per partition (older record sets are deleted, like retention),
// so benchmarks produce in phases of PHASE_MESSAGES (~4.3 MB per partition) and consume each phase
// before producing the next.

import { generateEvents } from "./data.ts";
import type { OutgoingMessage } from "../test/helpers/kafka-mock.ts";

export const EVENTS_PER_MESSAGE = 1000;
export const PARTITIONS = 4;
export const PHASE_MESSAGES = 48;

export interface KafkaPayload {
  messages: OutgoingMessage[];
  /** The same bytes, for the parse floor. */
  values: Uint8Array[];
  bytes: number;
  /** FNV-1a over all values: two runs with one seed print the same. */
  hash: string;
}

export function ndjsonMessages(seed: number, events: number): KafkaPayload {
  const all = generateEvents(seed, events);
  const messages: OutgoingMessage[] = [];
  const values: Uint8Array[] = [];
  const encoder = new TextEncoder();
  let bytes = 0, h = 0x811c9dc5;
  for (let i = 0; i < all.length; i += EVENTS_PER_MESSAGE) {
    const chunk = all.slice(i, i + EVENTS_PER_MESSAGE);
    const value = encoder.encode(chunk.map((e) => JSON.stringify(e)).join("\n") + "\n");
    for (let j = 0; j < value.length; j += 64) h = Math.imul(h ^ value[j]!, 0x01000193) >>> 0;
    messages.push({ key: chunk[0]!.user_id ?? chunk[0]!.anonymous_id ?? null, value, partition: messages.length % PARTITIONS });
    values.push(value);
    bytes += value.byteLength;
  }
  return { messages, values, bytes, hash: h.toString(16).padStart(8, "0") };
}

/**
 * The floor: decode a message, split its lines, JSON.parse each line, on this one core. Events/s,
 * the best of ~1/3 s rounds over `seconds` (as bench/parse.bench.ts measures its floor).
 */
export function jsonParseFloor(values: readonly Uint8Array[], seconds: number): number {
  const decoder = new TextDecoder();
  let sink = 0, best = 0, next = 0;
  const parseOne = () => {
    const lines = decoder.decode(values[next++ % values.length]).split("\n");
    let n = 0;
    for (const line of lines) if (line.length > 0) { sink += (JSON.parse(line) as { ts: number }).ts & 1; n++; }
    return n;
  };
  for (let i = 0; i < 20; i++) parseOne();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    let events = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1000 / 3) events += parseOne();
    best = Math.max(best, events / ((performance.now() - t0) / 1000));
  }
  if (sink < 0) console.log(sink);
  return best;
}
