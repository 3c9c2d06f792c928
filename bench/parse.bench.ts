// Parse-and-validate throughput of one core: ingestBody on 1000-event bodies of realistic events
// (bench/data.ts), NDJSON and MessagePack, each next to the floor a parser cannot beat in the same
// run: JSON.parse of each NDJSON line (lines already split into strings), and msgpackr's unpack of
// the whole body. A stage breakdown says where the rest of the time goes. Data are seeded (SEED);
// the batch's hash is printed so two runs over the same seed can be compared.
//
//   bun bench/parse.bench.ts            BENCH_SECONDS (default 3) per measurement, SEED (default 42)
//
// Measured 2026-11-25, bun 1.4.5, one core of a shared 2-core VM (+-10% run to run), seed 42,
// NDJSON 359 B/event, MessagePack 296 B/event, median of 3 runs:
//   ndjson   floor 1.04 M/s | parseBody 0.87 | + validate and build 0.41 | ingestBody 0.365 M/s (2.74 us/event) = 0.35x
//   msgpack  floor 0.69 M/s | parseBody 0.60 | + validate and build 0.31 | ingestBody 0.277 M/s (3.61 us/event) = 0.40x
// (before finish() encoded dictionaries into one buffer: ndjson 0.329 M/s = 0.31x, msgpack 0.255 M/s.)
// Where an NDJSON event's ~2.7 us go: JSON.parse ~1.0 us (the floor), decode + split + sink ~0.15,
// validation ~0.45 (for-in over ~15 keys, conversions, Bun.hash of the id ~0.04, props stringify),
// BatchBuilder.setString/setNumber ~0.55 (of which the per-column dictionary Map ~0.4),
// BatchBuilder.finish ~0.09. Also tried, no gain (2026-11-25): a last-value check, a typed table on
// sampled characters, a cross-batch Map, an object or Map.getOrInsert for the dictionaries; skipping
// the event_id dictionary; Buffer.utf8Slice for the body. Dropping the dictionary Map entirely saves
// ~0.4 us/event: ~2 us/event needs a parser that builds no JS strings. server/ingest/README.md has
// the earlier attempts (its Speed figures predate the finish() change).

import { Packr, Unpackr } from "msgpackr";
import { BatchBuilder } from "../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { validatorFor } from "../server/ingest/event-validator.ts";
import { ingestBody } from "../server/ingest/ingest-batch.ts";
import { parseBody, type BodyFormat, type EventSink } from "../server/ingest/parse-body.ts";
import { generateEvents } from "./data.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SEED = Number(process.env.SEED ?? 42);
const EVENTS_PER_BODY = 1000;
const BODIES = 8;
const RECEIVED_AT = Date.UTC(2025, 2, 2);

const all = generateEvents(SEED, EVENTS_PER_BODY * BODIES);
const chunks = Array.from({ length: BODIES }, (_, i) => all.slice(i * EVENTS_PER_BODY, (i + 1) * EVENTS_PER_BODY));
const lineSets = chunks.map((c) => c.map((e) => JSON.stringify(e)));
const ndjson = lineSets.map((lines) => new TextEncoder().encode(`${lines.join("\n")}\n`));
const packr = new Packr({ useRecords: false });
const msgpack = chunks.map((c) => new Uint8Array(packr.pack(c)));
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

let sink: unknown;

/** Events per second of `run` (one call = one body), the best of ~1 s rounds over SECONDS. */
function measure(run: (body: number) => void): number {
  for (let i = 0; i < 50; i++) run(i % BODIES);
  let best = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    let bodies = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1000 / 3) run(bodies++ % BODIES);
    best = Math.max(best, (bodies * EVENTS_PER_BODY) / ((performance.now() - t0) / 1000));
  }
  return best;
}

const ingest = (format: BodyFormat, bodies: Uint8Array[]) => (i: number) => {
  sink = ingestBody({ table: EVENTS_SCHEMA, format, gzip: false, body: bodies[i]!, receivedAt: RECEIVED_AT, source: "http", allowEnvelope: false });
};

/** parseBody with a sink that validates into a builder but never encodes it (finish() not called). */
const withoutFinish = (format: BodyFormat, bodies: Uint8Array[], write: boolean) => (i: number) => {
  const builder = new BatchBuilder(EVENTS_SCHEMA.name, EVENTS_SCHEMA.columns, 2048);
  const validator = validatorFor(EVENTS_SCHEMA);
  const s: EventSink = write
    ? { event: (v) => { validator.writeEvent(v, builder, RECEIVED_AT); }, reject: () => {} }
    : { event: (v) => { sink = v; }, reject: () => {} };
  parseBody(format, bodies[i]!, false, s);
};

const rate = (n: number) => `${(n / 1e6).toFixed(3)} M events/s`;
const avgBytes = (bodies: Uint8Array[]) => (bodies.reduce((n, b) => n + b.length, 0) / bodies.length / EVENTS_PER_BODY).toFixed(0);

const check = ingestBody({ table: EVENTS_SCHEMA, format: "ndjson", gzip: false, body: ndjson[0]!, receivedAt: RECEIVED_AT, source: "http", allowEnvelope: false });
if (check.accepted !== EVENTS_PER_BODY) throw new Error(`benchmark data rejected: ${JSON.stringify(check.rejected.slice(0, 3))}`);
console.log(`parse bench: seed ${SEED}, ${BODIES} bodies x ${EVENTS_PER_BODY} events, NDJSON ${avgBytes(ndjson)} B/event, ` +
  `MessagePack ${avgBytes(msgpack)} B/event, batch hash ${Bun.hash(check.batch).toString(16)}`);

const jsonFloor = measure((i) => { for (const l of lineSets[i]!) sink = JSON.parse(l); });
const ndParse = measure(withoutFinish("ndjson", ndjson, false));
const ndValidate = measure(withoutFinish("ndjson", ndjson, true));
const ndIngest = measure(ingest("ndjson", ndjson));
console.log(`ndjson   floor JSON.parse per line ${rate(jsonFloor)} | parseBody only ${rate(ndParse)} | + validate and build ${rate(ndValidate)} | ` +
  `ingestBody ${rate(ndIngest)} = ${(ndIngest / jsonFloor).toFixed(2)}x floor`);

const mpFloor = measure((i) => { sink = unpackr.unpack(msgpack[i]!); });
const mpParse = measure(withoutFinish("msgpack", msgpack, false));
const mpValidate = measure(withoutFinish("msgpack", msgpack, true));
const mpIngest = measure(ingest("msgpack", msgpack));
console.log(`msgpack  floor msgpackr unpack ${rate(mpFloor)} | parseBody only ${rate(mpParse)} | + validate and build ${rate(mpValidate)} | ` +
  `ingestBody ${rate(mpIngest)} = ${(mpIngest / mpFloor).toFixed(2)}x floor, ${(mpIngest / jsonFloor).toFixed(2)}x the JSON floor`);
