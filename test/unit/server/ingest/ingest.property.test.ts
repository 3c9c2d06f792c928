import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Packr } from "msgpackr";
import { gzipSync } from "node:zlib";
import { EngineError } from "../../../../engine/core/errors.ts";
import { EVENT_COLUMNS, EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { LIMITS } from "../../../../engine/core/limits.ts";
import { ingestBody } from "../../../../server/ingest/ingest-batch.ts";
import type { BodyFormat } from "../../../../server/ingest/parse-body.ts";
import { rowsOf, utf8 } from "./batch-rows.ts";

const SEED = Number(process.env.SEED ?? 20240301);
console.log(`ingest property tests: SEED=${SEED}`);

const RECEIVED_AT = Date.UTC(2024, 2, 1, 12);
const packr = new Packr({ useRecords: false });

// Well-formed strings only: a lone surrogate has no UTF-8 form, so no wire format carries it.
const text = (maxLength: number) => fc.string({ unit: "grapheme", maxLength });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.boolean(), fc.integer(), finite, text(8), fc.array(tie("value"), { maxLength: 3 }), fc.dictionary(text(6), tie("value"), { maxKeys: 3 })),
})).value;
const columnNames = new Set(EVENT_COLUMNS.map((c) => c.name));

/** A valid event of the default schema: every optional field may be absent; unknown fields too. */
const event = fc.record({
  event_id: fc.oneof(fc.uuid(), fc.integer({ min: 0 })),
  type: text(64).filter((s) => s.length > 0),
  ts: fc.oneof(fc.integer({ min: LIMITS.TS_MIN_MS, max: RECEIVED_AT }), fc.integer({ min: LIMITS.TS_MIN_MS, max: RECEIVED_AT }).map((t) => new Date(t).toISOString())),
  user_id: fc.oneof(text(20), fc.integer(), fc.boolean()),
  campaign: text(30),
  price: finite,
  quantity: fc.integer({ min: 0, max: 100 }),
  currency: fc.constantFrom("USD", "eur", "Jpy"),
  url: text(200),
  props: fc.dictionary(text(8), json, { maxKeys: 4 }),
  received_at: fc.integer(),
  extra: fc.dictionary(text(8).filter((k) => !columnNames.has(k)), json, { maxKeys: 3 }),
}, { requiredKeys: ["event_id", "type"] }).map(({ extra, ...e }) => ({ ...extra, ...e }));

function encode(format: BodyFormat, events: object[]): Uint8Array {
  if (format === "ndjson") return utf8(events.map((e) => JSON.stringify(e)).join("\n"));
  if (format === "json") return utf8(JSON.stringify(events));
  return new Uint8Array(packr.pack(events));
}

describe("ingest properties", () => {
  test("any valid events give the same batch from NDJSON, JSON and MessagePack", () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 40 }), (events) => {
      const outs = (["ndjson", "json", "msgpack"] as const).map((format) =>
        ingestBody({ table: EVENTS_SCHEMA, format, gzip: false, body: encode(format, events), receivedAt: RECEIVED_AT, source: "http", allowEnvelope: false }));
      const seen = outs.map((o) => ({ rows: rowsOf(o.batch), rejected: o.rejected, hashes: [...o.idHashes] }));
      expect(seen[0]!.rejected).toEqual([]);
      expect(seen[0]!.rows.length).toEqual(events.length);
      expect(seen[1]).toEqual(seen[0]!);
      expect(seen[2]).toEqual(seen[0]!);
    }), { seed: SEED, numRuns: 200 });
  });

  test("arbitrary bytes never throw anything but EngineError, in any format", () => {
    const validBodies = fc.array(event, { minLength: 1, maxLength: 5 }).chain((events) =>
      fc.constantFrom<BodyFormat>("ndjson", "json", "msgpack").map((f) => encode(f, events)));
    // Valid bodies with a few bytes overwritten reach deeper than uniform noise.
    const mutated = fc.tuple(validBodies, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }))
      .map(([body, edits]) => {
        const b = body.slice();
        for (const [at, v] of edits) b[at % b.length] = v;
        return b;
      });
    const body = fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated);
    const options = fc.record({ format: fc.constantFrom<BodyFormat>("ndjson", "json", "msgpack"), allowEnvelope: fc.boolean(), gzip: fc.boolean() });
    fc.assert(fc.property(body, options, (bytes, o) => {
      const b = o.gzip && bytes.length % 2 === 0 ? new Uint8Array(gzipSync(bytes)) : bytes;
      try {
        const out = ingestBody({ table: EVENTS_SCHEMA, format: o.format, gzip: o.gzip, body: b, receivedAt: RECEIVED_AT, source: "ws", allowEnvelope: o.allowEnvelope });
        // Every event of the body is accounted for exactly once, accepted or rejected.
        const positions = [...out.rowPositions, ...out.rejected.map((r) => r.index)].sort((x, y) => x - y);
        expect(positions).toEqual(positions.map((_, i) => i));
      } catch (e) {
        if (!(e instanceof EngineError)) throw e;
      }
    }), { seed: SEED, numRuns: 3000 });
  });
});
