import { describe, expect, test } from "bun:test";
import { Packr } from "msgpackr";
import { gzipSync } from "node:zlib";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { LIMITS } from "../../../../engine/core/limits.ts";
import { ingestBody, type IngestInput } from "../../../../server/ingest/ingest-batch.ts";
import { rowsOf, utf8, without } from "./batch-rows.ts";

const RECEIVED_AT = Date.UTC(2024, 2, 1, 12);
const TS = Date.UTC(2024, 2, 1, 10);

function input(body: Uint8Array, over: Partial<IngestInput> = {}): IngestInput {
  return { table: EVENTS_SCHEMA, format: "ndjson", gzip: false, body, receivedAt: RECEIVED_AT, source: "http", allowEnvelope: false, ...over };
}

describe("ingestBody", () => {
  test("accepted rows, their hashes and positions, and one dead letter per rejection", () => {
    const body = utf8([
      `{"event_id":"a","type":"view","ts":${TS}}`,
      "",
      "not json",
      `{"type":"click","ts":${TS},"price":"x"}`,
      `{"event_id":7,"type":"buy","ts":${TS},"currency":"usd"}`,
    ].join("\n"));
    const out = ingestBody(input(body));
    expect({
      accepted: out.accepted,
      rows: without(rowsOf(out.batch), "received_at"),
      idHashes: [...out.idHashes],
      rowPositions: [...out.rowPositions],
      rejected: out.rejected,
      deadLetters: rowsOf(out.deadLetters!),
      batchId: out.batchId,
    }).toEqual({
      accepted: 2,
      rows: [{ event_id: "a", ts: TS, type: "view" }, { event_id: "7", ts: TS, type: "buy", currency: "USD" }],
      idHashes: [Bun.hash("a") as bigint, Bun.hash("7") as bigint],
      rowPositions: [0, 3],
      rejected: [
        { index: 1, line: 3, code: "invalid_json", message: "line 3, column 1: invalid JSON: Unexpected identifier \"not\"" },
        { index: 2, line: 4, code: "invalid_number", message: 'price: expected a number, got "x"', field: "price" },
      ],
      deadLetters: [
        { received_at: RECEIVED_AT, table_name: "events", source: "http", position: 1, code: "invalid_json", message: "line 3, column 1: invalid JSON: Unexpected identifier \"not\"", raw: "not json" },
        { received_at: RECEIVED_AT, table_name: "events", source: "http", position: 2, code: "invalid_number", message: 'price: expected a number, got "x"', raw: `{"type":"click","ts":${TS},"price":"x"}` },
      ],
      batchId: null,
    });
  });

  test("generated ids have hash 0; nothing rejected means no dead-letter batch", () => {
    const out = ingestBody(input(utf8('{"type":"a"}\n{"type":"b"}')));
    expect({ hashes: [...out.idHashes], deadLetters: out.deadLetters, rejected: out.rejected, rows: without(rowsOf(out.batch), "event_id") })
      .toEqual({ hashes: [0n, 0n], deadLetters: null, rejected: [], rows: [{ ts: RECEIVED_AT, received_at: RECEIVED_AT, type: "a" }, { ts: RECEIVED_AT, received_at: RECEIVED_AT, type: "b" }] });
  });

  test("dead-letter raw text: JSON elements re-serialised, MessagePack items in base64, long lines truncated", () => {
    const item = new Packr({ useRecords: false }).pack({ type: 5 });
    const long = `{"t":"${"x".repeat(LIMITS.EVENT_BYTES_MAX)}"}`;
    const raws = [
      ingestBody(input(utf8('[{"type":"ok"}, {"type": 1}]'), { format: "json", source: "ws" })),
      ingestBody(input(new Uint8Array(item), { format: "msgpack" })),
      ingestBody(input(utf8(long))),
    ].map((o) => rowsOf(o.deadLetters!).map((r) => [r.source, r.position, r.code, (r.raw as string).length > 100 ? (r.raw as string).length : r.raw]));
    expect(raws).toEqual([
      [["ws", 1, "invalid_type", '{"type":1}']],
      [["http", 0, "invalid_type", Buffer.from(item).toString("base64")]],
      [["http", 0, "event_too_large", LIMITS.EVENT_BYTES_MAX]],
    ]);
  });

  test("gzip bodies and envelopes pass through; batch_id is returned", () => {
    const body = gzipSync(utf8(JSON.stringify({ batch_id: "b9", events: [{ type: "a", event_id: "x" }] })));
    const out = ingestBody(input(new Uint8Array(body), { gzip: true, allowEnvelope: true, source: "ws" }));
    expect({ batchId: out.batchId, rows: without(rowsOf(out.batch), "received_at", "ts") }).toEqual({ batchId: "b9", rows: [{ event_id: "x", type: "a" }] });
  });

  test("a body of more events than the builder's first guess grows every output array", () => {
    const n = 3000;
    const body = utf8(Array.from({ length: n }, (_, i) => `{"type":"t","event_id":"${i}"}`).join("\n"));
    const out = ingestBody(input(body));
    expect({ accepted: out.accepted, hashes: out.idHashes.length, positions: out.rowPositions.at(-1), last: rowsOf(out.batch).at(-1)!.event_id })
      .toEqual({ accepted: n, hashes: n, positions: n - 1, last: String(n - 1) });
  });

  test("dictionaries keep each string's own UTF-8: ASCII, non-ASCII, lone surrogates side by side, large heaps", () => {
    // BatchBuilder.finish encodes a column's distinct strings joined: a lone high surrogate ending
    // one value must not pair with a lone low surrogate starting the next (each is its own U+FFFD).
    const users = ["x\\ud800", "\\udc00y", "plain", "日本語 ✓"];
    // 40 distinct 5000-character texts: more heap than finish's first scratch buffer holds.
    const texts = Array.from({ length: 40 }, (_, i) => `${i}`.padEnd(5000, "é"));
    const body = utf8(texts.map((t, i) => `{"type":"t","ts":${TS},"user_id":"${users[i % 4]}","text":"${t}"}`).join("\n"));
    const out = ingestBody(input(body));
    expect(rowsOf(out.batch).map((r) => [r.user_id, r.text])).toEqual(texts.map((t, i) => [["x\ufffd", "\ufffdy", "plain", "日本語 ✓"][i % 4], t]));
  });
});
