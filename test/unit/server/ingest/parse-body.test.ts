import { describe, expect, test } from "bun:test";
import { Packr } from "msgpackr";
import { gzipSync } from "node:zlib";
import { EngineError } from "../../../../engine/core/errors.ts";
import { LIMITS } from "../../../../engine/core/limits.ts";
import { formatFromContentType, gunzipBody, parseBodyEvents, type BodyFormat } from "../../../../server/ingest/parse-body.ts";
import { utf8 } from "./batch-rows.ts";

const packr = new Packr({ useRecords: false });
const pack = (v: unknown) => new Uint8Array(packr.pack(v));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/** The events as [position, line, value | "code: message"], for whole-value assertions. */
function parse(format: BodyFormat, body: Uint8Array, allowEnvelope = false) {
  const { events, batchId } = parseBodyEvents(format, body, allowEnvelope);
  const list = events.map((e) => [e.position, e.line ?? 0, e.error ? `${e.error.code}: ${e.error.message}` : e.value]);
  return allowEnvelope ? { batchId, events: list } : list;
}

/** The EngineError a call throws, as {code, message}. */
function failure(fn: () => unknown): { code: string; message: string } | string {
  try {
    fn();
    return "did not throw";
  } catch (e) {
    if (!(e instanceof EngineError)) return `threw ${String(e)}`;
    return { code: e.code, message: e.message };
  }
}

describe("formatFromContentType", () => {
  test("accepted types, parameters and the default", () => {
    const types = [null, "", "application/x-ndjson", "application/json; charset=utf-8", "Application/JSON", "application/msgpack",
      "application/x-msgpack", "application/vnd.msgpack", "application/ndjson", 'application/json;charset="UTF-8"'];
    expect(types.map(formatFromContentType)).toEqual(["ndjson", "ndjson", "ndjson", "json", "json", "msgpack", "msgpack", "msgpack", "ndjson", "json"]);
  });

  test("anything else is unsupported_media_type, naming the accepted types", () => {
    expect([failure(() => formatFromContentType("text/csv")), failure(() => formatFromContentType("application/json; charset=latin1"))]).toEqual([
      { code: "unsupported_media_type", message: 'Content-Type "text/csv" is not accepted; send one of application/x-ndjson, application/ndjson, application/jsonl, application/json, application/msgpack, application/x-msgpack, application/vnd.msgpack' },
      { code: "unsupported_media_type", message: 'charset "latin1" is not accepted; bodies are read as UTF-8' },
    ]);
  });
});

describe("NDJSON", () => {
  test("CRLF, blank lines, a bad line in the middle and a last line without newline", () => {
    const body = utf8('{"a":1}\r\n\r\n   \n{"a":2}\n{bad\n\t\n[3]\n"x"\n{"a":"é"}');
    expect(parse("ndjson", body)).toEqual([
      [0, 1, { a: 1 }],
      [1, 4, { a: 2 }],
      [2, 5, "invalid_json: line 5, column 2: invalid JSON: Expected '}'"],
      [3, 7, [3]],
      [4, 8, "x"],
      [5, 9, { a: "é" }],
    ]);
  });

  test("a byte order mark, an empty body and a body of blank lines", () => {
    expect([parse("ndjson", utf8('\uFEFF{"a":1}\n')), parse("ndjson", utf8("")), parse("ndjson", utf8("\n\r\n  \n"))])
      .toEqual([[[0, 1, { a: 1 }]], [], []]);
  });

  test("a line over LIMITS.EVENT_BYTES_MAX bytes is event_too_large; its neighbours are kept", () => {
    // 3-byte characters: under the limit in UTF-16 units, over it in bytes.
    const long = `{"t":"${"€".repeat(LIMITS.EVENT_BYTES_MAX / 3)}"}`;
    const { events } = parseBodyEvents("ndjson", utf8(`{"a":1}\n${long}\n{"a":2}`));
    expect(events.map((e) => [e.position, e.line, e.error ?? e.value, typeof e.raw === "string" ? e.raw.length : 0])).toEqual([
      [0, 1, { a: 1 }, 7],
      [1, 2, { code: "event_too_large", message: `line 2 is ${LIMITS.EVENT_BYTES_MAX + 7} bytes; an event may have at most ${LIMITS.EVENT_BYTES_MAX}` }, long.length],
      [2, 3, { a: 2 }, 7],
    ]);
  });

  test("more than LIMITS.EVENTS_PER_BATCH_MAX events fail the body with the count", () => {
    const body = utf8("{}\n".repeat(LIMITS.EVENTS_PER_BATCH_MAX + 1));
    expect(failure(() => parseBodyEvents("ndjson", body))).toEqual({
      code: "body_too_large", message: `${LIMITS.EVENTS_PER_BATCH_MAX + 1} events exceed the limit of ${LIMITS.EVENTS_PER_BATCH_MAX} per batch; split the body`,
    });
  });
});

describe("JSON", () => {
  test("an array of events, one object, an empty array", () => {
    expect([parse("json", utf8('[{"a":1}, 2, {"b":[]}]')), parse("json", utf8(' {"a":1} ')), parse("json", utf8("[]"))]).toEqual([
      [[0, 0, { a: 1 }], [1, 0, 2], [2, 0, { b: [] }]],
      [[0, 0, { a: 1 }]],
      [],
    ]);
  });

  test("garbage and other documents are malformed_body with line and column", () => {
    expect([
      failure(() => parseBodyEvents("json", utf8('[{"a":1},\n {"a":2,}]'))),
      failure(() => parseBodyEvents("json", utf8("garbage"))),
      failure(() => parseBodyEvents("json", utf8('{"a":1}\n{"a":2}'))),
      failure(() => parseBodyEvents("json", utf8("42"))),
      failure(() => parseBodyEvents("json", utf8("null"))),
      failure(() => parseBodyEvents("json", utf8(""))),
    ]).toEqual([
      { code: "malformed_body", message: "body is not valid JSON at line 2, column 9: Property name must be a string literal" },
      { code: "malformed_body", message: 'body is not valid JSON at line 1, column 1: Unexpected identifier "garbage"' },
      { code: "malformed_body", message: "body is not valid JSON at line 2, column 1: Unable to parse JSON string" },
      { code: "malformed_body", message: "a JSON body must be an array of events or one event object, got number" },
      { code: "malformed_body", message: "a JSON body must be an array of events or one event object, got null" },
      { code: "malformed_body", message: "body is not valid JSON at line 1, column 1: Unexpected EOF" },
    ]);
  });

  test("the error carries line, column and offset as detail", () => {
    try {
      parseBodyEvents("json", utf8("[1,\n2,,3]"));
      expect.unreachable();
    } catch (e) {
      expect((e as EngineError).detail).toEqual({ line: 2, column: 3, offset: 6 });
    }
  });
});

describe("MessagePack", () => {
  test("an array of maps, one map, maps back to back; values keep their types", () => {
    const date = new Date(Date.UTC(2024, 2, 1));
    expect([
      parse("msgpack", pack([{ a: 1 }, { b: "x", c: [1.5, null, true] }, 7])),
      parse("msgpack", pack({ a: 1, when: date })),
      parse("msgpack", concat(pack({ a: 1 }), pack({ a: 2 }), pack({ big: 2n ** 60n }))),
      parse("msgpack", new Uint8Array(0)),
    ]).toEqual([
      [[0, 0, { a: 1 }], [1, 0, { b: "x", c: [1.5, null, true] }], [2, 0, 7]],
      [[0, 0, { a: 1, when: date }]],
      [[0, 0, { a: 1 }], [1, 0, { a: 2 }], [2, 0, { big: 2n ** 60n }]],
      [],
    ]);
  });

  test("refused content is a per-event invalid_msgpack; the rest of the body goes on", () => {
    const nonStringKey = new Uint8Array([0x81, 0x01, 0xa1, 0x61]); // {1: "a"}
    const nestedKey = new Uint8Array([0x81, 0xa1, 0x70, 0x81, 0xc3, 0x01]); // {p: {true: 1}}
    const binary = new Uint8Array([0x81, 0xa1, 0x62, 0xc4, 0x02, 0x01, 0x02]); // {b: bin}
    const ext = new Uint8Array([0x81, 0xa1, 0x65, 0xd4, 0x05, 0x00]); // {e: ext 5}
    const record = new Uint8Array([0x81, 0xa1, 0x72, 0xd4, 0x72, 0x40]); // msgpackr record definition
    let deep = new Uint8Array([0x01]);
    for (let i = 0; i < 300; i++) deep = concat(new Uint8Array([0x91]), deep);
    const deepEvent = concat(new Uint8Array([0x81, 0xa1, 0x64]), deep);
    const body = concat(new Uint8Array([0x97]), pack({ ok: 1 }), nonStringKey, nestedKey, binary, ext, record, deepEvent);
    expect(parse("msgpack", body)).toEqual([
      [0, 0, { ok: 1 }],
      [1, 0, "invalid_msgpack: map key at byte 9 is not a string; event keys must be strings"],
      [2, 0, "invalid_msgpack: map key at byte 16 is not a string; event keys must be strings"],
      [3, 0, "invalid_msgpack: binary value at byte 21; send text as strings"],
      [4, 0, "invalid_msgpack: extension type 5 at byte 28 is not supported (only -1, timestamp)"],
      [5, 0, "invalid_msgpack: extension type 114 at byte 34 is not supported (only -1, timestamp)"],
      [6, 0, "invalid_msgpack: nesting deeper than 256 at byte 295"],
    ]);
  });

  test("an item over LIMITS.EVENT_BYTES_MAX is event_too_large; its bytes are its raw source", () => {
    const big = pack({ t: "x".repeat(LIMITS.EVENT_BYTES_MAX) });
    const { events } = parseBodyEvents("msgpack", concat(pack({ a: 1 }), big));
    expect(events.map((e) => [e.position, e.error ?? e.value, (e.raw as Uint8Array).length])).toEqual([
      [0, { a: 1 }, 6],
      [1, { code: "event_too_large", message: `event is ${big.length} bytes; an event may have at most ${LIMITS.EVENT_BYTES_MAX}` }, big.length],
    ]);
  });

  test("bodies that cannot be framed are malformed_body with the byte offset", () => {
    const map = pack({ a: 1 });
    expect([
      failure(() => parseBodyEvents("msgpack", map.subarray(0, map.length - 1))),
      failure(() => parseBodyEvents("msgpack", new Uint8Array([0xc1]))),
      failure(() => parseBodyEvents("msgpack", concat(map, new Uint8Array([0x05])))),
      failure(() => parseBodyEvents("msgpack", concat(pack([{ a: 1 }]), map))),
      failure(() => parseBodyEvents("msgpack", new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]))),
      failure(() => parseBodyEvents("msgpack", utf8('{"a":1}'))),
    ]).toEqual([
      { code: "malformed_body", message: "MessagePack body is malformed at byte 5: item ends before its last value" },
      { code: "malformed_body", message: "MessagePack item at byte 0 is an invalid byte; a body is an array of maps, one map, or maps back to back" },
      { code: "malformed_body", message: "MessagePack item at byte 6 is a number, boolean or nil; a body is an array of maps, one map, or maps back to back" },
      { code: "malformed_body", message: "6 bytes follow the top-level MessagePack array at byte 7" },
      { code: "malformed_body", message: "MessagePack array at byte 0 claims 4294967295 elements but 0 bytes follow" },
      { code: "malformed_body", message: "MessagePack item at byte 0 is a number, boolean or nil; a body is an array of maps, one map, or maps back to back" },
    ]);
  });

  test("an array header claiming more than LIMITS.EVENTS_PER_BATCH_MAX events is body_too_large", () => {
    const n = LIMITS.EVENTS_PER_BATCH_MAX + 1;
    const body = concat(new Uint8Array([0xdd, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]), new Uint8Array(n).fill(0x80));
    expect(failure(() => parseBodyEvents("msgpack", body))).toEqual({
      code: "body_too_large", message: `${n} events exceed the limit of ${LIMITS.EVENTS_PER_BATCH_MAX} per batch; split the body`,
    });
  });
});

describe("WebSocket envelope", () => {
  test("detected in text and binary frames, only when allowed and shaped like one", () => {
    const env = { batch_id: "b-1", events: [{ a: 1 }, { a: 2 }] };
    expect([
      parse("ndjson", utf8(JSON.stringify(env)), true),
      parse("ndjson", utf8(JSON.stringify({ batch_id: 7, events: [] }) + "\n"), true),
      parse("ndjson", utf8('{"type":"t","events":[1]}'), true),
      parse("ndjson", utf8('{"a":1}\n{"a":2}'), true),
      parse("ndjson", utf8('{\n  "a": 1\n}'), true),
      parse("msgpack", pack(env), true),
      parse("msgpack", pack({ events: [{ a: 1 }], type: "t" }), true),
      parse("msgpack", concat(pack(env), pack({ a: 3 })), true),
      parse("json", utf8(JSON.stringify({ events: [{ a: 1 }] })), true),
    ]).toEqual([
      { batchId: "b-1", events: [[0, 0, { a: 1 }], [1, 0, { a: 2 }]] },
      { batchId: 7, events: [] },
      { batchId: null, events: [[0, 1, { type: "t", events: [1] }]] },
      { batchId: null, events: [[0, 1, { a: 1 }], [1, 2, { a: 2 }]] },
      { batchId: null, events: [[0, 1, { a: 1 }]] },
      { batchId: "b-1", events: [[0, 0, { a: 1 }], [1, 0, { a: 2 }]] },
      { batchId: null, events: [[0, 0, { events: [{ a: 1 }], type: "t" }]] },
      { batchId: null, events: [[0, 0, env], [1, 0, { a: 3 }]] },
      { batchId: null, events: [[0, 0, { a: 1 }]] },
    ]);
  });

  test("a one-object text frame is held to the per-event size limit; an envelope is not", () => {
    const big = "x".repeat(LIMITS.EVENT_BYTES_MAX);
    expect([
      parse("ndjson", utf8(JSON.stringify({ type: "t", text: big })), true),
      (parse("ndjson", utf8(JSON.stringify({ events: [{ a: 1 }, { text: big }] })), true) as { events: unknown[] }).events.length,
    ]).toEqual([
      { batchId: null, events: [[0, 1, `event_too_large: line 1 is ${LIMITS.EVENT_BYTES_MAX + 22} bytes; an event may have at most ${LIMITS.EVENT_BYTES_MAX}`]] },
      2,
    ]);
  });

  test("without allowEnvelope an envelope is an ordinary event; a bad batch_id is malformed_body", () => {
    expect([
      parse("ndjson", utf8('{"events":[{"a":1}]}')),
      failure(() => parseBodyEvents("ndjson", utf8('{"batch_id":{"x":1},"events":[]}'), true)),
    ]).toEqual([
      [[0, 1, { events: [{ a: 1 }] }]],
      { code: "malformed_body", message: `envelope batch_id must be a string of at most ${LIMITS.EVENT_ID_LENGTH_MAX} characters or a number` },
    ]);
  });
});

describe("gzip", () => {
  test("inflates a gzip body", () => {
    expect(new TextDecoder().decode(gunzipBody(gzipSync(utf8('{"a":1}\n'))))).toEqual('{"a":1}\n');
  });

  test("a bomb past the limit is body_too_large; a body that is not gzip is malformed_body", () => {
    const bomb = gzipSync(new Uint8Array(1024 * 1024));
    expect([failure(() => gunzipBody(bomb, 64 * 1024)), failure(() => gunzipBody(utf8("plain text")))]).toEqual([
      { code: "body_too_large", message: `gzip body of ${bomb.length} bytes inflates past the limit of 65536 bytes` },
      { code: "malformed_body", message: "body is not valid gzip (Content-Encoding: gzip): incorrect header check" },
    ]);
  });
});
