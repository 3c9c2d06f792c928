import { describe, expect, test } from "bun:test";
import { BatchBuilder } from "../../../../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA, streamSchema } from "../../../../engine/core/event-schema.ts";
import { LIMITS } from "../../../../engine/core/limits.ts";
import { ColumnType, type TableSchema } from "../../../../engine/core/types.ts";
import { EventValidator, type Rejection } from "../../../../server/ingest/event-validator.ts";
import { rowsOf, without, type Row } from "./batch-rows.ts";

const RECEIVED_AT = Date.UTC(2024, 2, 1, 12, 0, 0);

/** Validates each event alone: its row (without event_id/received_at) or its rejection. */
function check(events: unknown[], schema: TableSchema = EVENTS_SCHEMA): (Row | Rejection)[] {
  const v = new EventValidator(schema);
  return events.map((e) => {
    const b = new BatchBuilder(schema.name, schema.columns);
    const rejection = v.writeEvent(e, b, RECEIVED_AT);
    if (rejection) return rejection;
    return without(rowsOf(b.finish()), "event_id", "received_at")[0]!;
  });
}

const TS = Date.UTC(2024, 2, 1, 10, 0, 0);

describe("EventValidator: accepted values", () => {
  test("every column type of the events table, with conversions", () => {
    expect(check([{
      event_id: "e1", ts: TS, type: "purchase", user_id: 42, anonymous_id: true, session_id: "s",
      quantity: "2", price: 9.5, revenue: "19", cost: -1.25e-3, currency: "eur", text: "日本語 ✓",
    }])).toEqual([{
      ts: TS, type: "purchase", user_id: "42", anonymous_id: "true", session_id: "s",
      quantity: 2, price: 9.5, revenue: 19, cost: -1.25e-3, currency: "EUR", text: "日本語 ✓",
    }]);
  });

  test("null and absent values are null; ts defaults to the receive time", () => {
    expect(check([{ type: "t", user_id: null, price: null, currency: null, props: null }])).toEqual([{ ts: RECEIVED_AT, type: "t" }]);
  });

  test("columns of a declared stream follow the rules of their type", () => {
    const schema = streamSchema("iot", [
      { name: "device_id", type: ColumnType.STRING, required: true },
      { name: "reading", type: ColumnType.FLOAT64 },
      { name: "count", type: ColumnType.INT32 },
      { name: "ok", type: ColumnType.BOOL },
      { name: "seen_at", type: ColumnType.TIMESTAMP },
      { name: "meta", type: ColumnType.JSON },
    ]);
    expect(check([
      { device_id: "d1", ts: TS, reading: "1.5", count: "-7", ok: "true", seen_at: "1990-05-01", meta: [1, { a: 2 }] },
      { device_id: 7, ts: TS, count: 2147483647, ok: 0, seen_at: 12, meta: {} },
      { device_id: "d2", ts: TS, ok: 1 },
      { device_id: "d3", ts: TS, ok: false },
      { device_id: "d4", ts: TS, ok: "false" },
    ], schema)).toEqual([
      { device_id: "d1", ts: TS, reading: 1.5, count: -7, ok: true, seen_at: Date.UTC(1990, 4, 1), meta: '[1,{"a":2}]' },
      { device_id: "7", ts: TS, count: 2147483647, ok: false, seen_at: 12, meta: "{}" },
      { device_id: "d2", ts: TS, ok: true },
      { device_id: "d3", ts: TS, ok: false },
      { device_id: "d4", ts: TS, ok: false },
    ]);
  });
});

describe("EventValidator: rejections", () => {
  test("every per-event code the validator gives, with field and message", () => {
    const long = "x".repeat(LIMITS.STRING_LENGTH_MAX + 1);
    const iot = streamSchema("iot", [
      { name: "count", type: ColumnType.INT32 }, { name: "ok", type: ColumnType.BOOL },
      { name: "meta", type: ColumnType.JSON }, { name: "device_id", type: ColumnType.STRING, required: true },
    ]);
    const noProps: TableSchema = { name: "bare", timeColumn: "ts", columns: [{ name: "ts", type: ColumnType.TIMESTAMP }, { name: "a", type: ColumnType.STRING }] };
    const got = [
      ...check([
        [1], "click", null, new Date(0),
        {}, { type: "" }, { type: null },
        { type: 5 }, { type: "t", user_id: { id: 1 } }, { type: "t", city: ["Paris"] }, { type: "t", event_id: { a: 1 } },
        { type: "t", event_id: "" }, { type: "t", props: "a=1" },
        { type: "t", price: "12abc" }, { type: "t", price: true }, { type: "t", quantity: " 1" },
        { type: "t", ts: "yesterday" }, { type: "t", ts: "2024-02-30" }, { type: "t", ts: "2024-03-01T10:00:00+25:00" },
        { type: "t", ts: 1_709_287_200 }, { type: "t", ts: RECEIVED_AT + LIMITS.TS_FUTURE_SKEW_MS + 1 },
        { type: "t", ts: RECEIVED_AT * 1000 }, { type: "t", ts: 5 },
        { type: "t", url: long }, { type: "t", event_id: "e".repeat(LIMITS.EVENT_ID_LENGTH_MAX + 1) },
        { type: "t", props: { big: "y".repeat(LIMITS.LONG_TEXT_LENGTH_MAX) } },
        { type: "t", currency: "us" }, { type: "t", currency: "US1" }, { type: "t", currency: 840 },
      ]),
      ...check([{ device_id: "d", count: 1.5 }, { device_id: "d", count: 2 ** 31 }, { device_id: "d", ok: "yes" }, { device_id: "d", meta: 3 }, { count: 1 }], iot),
      ...check([{ a: "x", b: 1, c: 2 }], noProps),
    ];
    expect(got).toEqual([
      { code: "not_an_object", message: "an event must be a JSON object, got an array" },
      { code: "not_an_object", message: "an event must be a JSON object, got a string" },
      { code: "not_an_object", message: "an event must be a JSON object, got null" },
      { code: "not_an_object", message: "an event must be a JSON object, got a date" },
      { code: "missing_field", message: "type is required", field: "type" },
      { code: "missing_field", message: "type: is required (a non-empty string)", field: "type" },
      { code: "missing_field", message: "type: is required (a non-empty string)", field: "type" },
      { code: "invalid_type", message: "type: expected a string, got 5", field: "type" },
      { code: "invalid_type", message: "user_id: expected a string, number or boolean, got an object", field: "user_id" },
      { code: "invalid_type", message: "city: expected a string, number or boolean, got an array", field: "city" },
      { code: "invalid_type", message: "event_id: expected a string or an integer, got an object", field: "event_id" },
      { code: "invalid_type", message: "event_id: must not be empty; omit it to have one generated", field: "event_id" },
      { code: "invalid_type", message: 'props: expected an object, got "a=1"', field: "props" },
      { code: "invalid_number", message: 'price: expected a number, got "12abc"', field: "price" },
      { code: "invalid_number", message: "price: expected a number, got true", field: "price" },
      { code: "invalid_number", message: 'quantity: expected a number, got " 1"', field: "quantity" },
      { code: "invalid_timestamp", message: 'ts: expected epoch milliseconds or an ISO-8601 date, got "yesterday"', field: "ts" },
      { code: "invalid_timestamp", message: 'ts: expected epoch milliseconds or an ISO-8601 date, got "2024-02-30"', field: "ts" },
      { code: "invalid_timestamp", message: 'ts: expected epoch milliseconds or an ISO-8601 date, got "2024-03-01T10:00:00+25:00"', field: "ts" },
      { code: "timestamp_out_of_range", message: "ts: 1709287200 is before 2000-01-01T00:00:00.000Z; it looks like seconds; send milliseconds", field: "ts" },
      { code: "timestamp_out_of_range", message: `ts: ${RECEIVED_AT + LIMITS.TS_FUTURE_SKEW_MS + 1} is more than 24 h after the receive time 2024-03-01T12:00:00.000Z`, field: "ts" },
      { code: "timestamp_out_of_range", message: `ts: ${RECEIVED_AT * 1000} is more than 24 h after the receive time 2024-03-01T12:00:00.000Z; it looks like microseconds; send milliseconds`, field: "ts" },
      { code: "timestamp_out_of_range", message: "ts: 5 is before 2000-01-01T00:00:00.000Z", field: "ts" },
      { code: "value_too_long", message: `url: ${LIMITS.STRING_LENGTH_MAX + 1} characters exceed the limit of ${LIMITS.STRING_LENGTH_MAX}`, field: "url" },
      { code: "value_too_long", message: `event_id: ${LIMITS.EVENT_ID_LENGTH_MAX + 1} characters exceed the limit of ${LIMITS.EVENT_ID_LENGTH_MAX}`, field: "event_id" },
      { code: "value_too_long", message: `props: ${LIMITS.LONG_TEXT_LENGTH_MAX + 10} characters of JSON exceed the limit of ${LIMITS.LONG_TEXT_LENGTH_MAX}`, field: "props" },
      { code: "invalid_currency", message: 'currency: expected a 3-letter ISO 4217 code such as "USD", got "us"', field: "currency" },
      { code: "invalid_currency", message: 'currency: expected a 3-letter ISO 4217 code such as "USD", got "US1"', field: "currency" },
      { code: "invalid_currency", message: 'currency: expected a 3-letter ISO 4217 code such as "USD", got 840', field: "currency" },
      { code: "invalid_number", message: "count: expected an integer, got 1.5", field: "count" },
      { code: "invalid_number", message: "count: 2147483648 is outside the 32-bit integer range", field: "count" },
      { code: "invalid_type", message: 'ok: expected true or false, got "yes"', field: "ok" },
      { code: "invalid_type", message: "meta: expected an object or an array, got 3", field: "meta" },
      { code: "missing_field", message: "device_id is required", field: "device_id" },
      { code: "unknown_field", message: "table bare has no column for b, c and no props column to keep them in", field: "b" },
    ]);
  });

  test("a rejected event leaves no row and no dictionary entry behind", () => {
    const v = new EventValidator(EVENTS_SCHEMA);
    const b = new BatchBuilder("events", EVENTS_SCHEMA.columns);
    const results = [
      v.writeEvent({ event_id: "a", type: "t", user_id: "u-rejected", price: "bad" }, b, RECEIVED_AT),
      v.writeEvent({ event_id: "b", type: "t", user_id: "u-kept" }, b, RECEIVED_AT),
    ].map((r) => r?.code ?? null);
    const bytes = b.finish();
    // The user_id dictionary holds only the accepted value.
    expect({ results, rows: without(rowsOf(bytes), "received_at", "ts"), rejectedInHeap: new TextDecoder().decode(bytes).includes("u-rejected") })
      .toEqual({ results: ["invalid_number", null], rows: [{ event_id: "b", type: "t", user_id: "u-kept" }], rejectedInHeap: false });
  });
});

describe("EventValidator: system columns", () => {
  test("event_id: a client id is kept and hashed; an integer id becomes its text; a missing one is generated with hash 0", () => {
    const v = new EventValidator(EVENTS_SCHEMA);
    const b = new BatchBuilder("events", EVENTS_SCHEMA.columns);
    const hashes: bigint[] = [];
    for (const e of [{ type: "t", event_id: "abc" }, { type: "t", event_id: 12345 }, { type: "t" }, { type: "t", event_id: null }]) {
      expect(v.writeEvent(e, b, RECEIVED_AT)).toBeNull();
      hashes.push(v.lastIdHash);
    }
    const ids = rowsOf(b.finish()).map((r) => r.event_id as string);
    const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect({ ids: [ids[0], ids[1], uuidV7.test(ids[2]!), uuidV7.test(ids[3]!)], hashes })
      .toEqual({ ids: ["abc", "12345", true, true], hashes: [Bun.hash("abc") as bigint, Bun.hash("12345") as bigint, 0n, 0n] });
  });

  test("received_at is the server's; a client's received_at is kept in props", () => {
    const v = new EventValidator(EVENTS_SCHEMA);
    const b = new BatchBuilder("events", EVENTS_SCHEMA.columns);
    v.writeEvent({ event_id: "e", type: "t", ts: TS, received_at: 123 }, b, RECEIVED_AT);
    expect(rowsOf(b.finish())).toEqual([{ event_id: "e", ts: TS, received_at: RECEIVED_AT, type: "t", props: '{"received_at":123}' }]);
  });
});

describe("EventValidator: props", () => {
  test("unknown top-level fields merge into props; props keeps its own keys; conflicts keep both", () => {
    const props = (e: Record<string, unknown>) => {
      const r = check([{ type: "t", ts: TS, ...e }])[0] as Row & Rejection;
      return r.code ? `${r.code}: ${r.message}` : (r.props ?? null);
    };
    expect([
      props({}),
      props({ props: {} }),
      props({ props: [] }),
      props({ props: { a: 1 } }),
      props({ props: [1, 2] }),
      props({ plan: "pro", n: 2, nested: { x: [1] }, nothing: null }),
      props({ props: { a: 1 }, b: 2 }),
      props({ props: { a: 1 }, a: 2 }),
      props({ props: { a: 1, _a: 2 }, a: 3 }),
      props({ props: { a: 1 }, a: 2, _a: 3 }),
      props({ props: [1], extra: true }),
      props({ props: null, extra: true }),
      props({ 'we"ird': 1 }),
    ]).toEqual([
      null,
      null,
      null,
      '{"a":1}',
      "[1,2]",
      '{"plan":"pro","n":2,"nested":{"x":[1]},"nothing":null}',
      '{"a":1,"b":2}',
      '{"a":1,"_a":2}',
      '{"a":1,"_a":2,"__a":3}',
      '{"a":1,"__a":2,"_a":3}',
      "invalid_type: props: is an array, so the fields without a column (extra) cannot be kept in it; send props as an object",
      '{"extra":true}',
      '{"we\\"ird":1}',
    ]);
  });
});
