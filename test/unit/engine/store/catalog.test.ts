import { describe, expect, test } from "bun:test";
import { DEAD_LETTER_SCHEMA, EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { Catalog } from "../../../../engine/store/catalog.ts";
import { batchOf, errorOf } from "./table-helpers.ts";

describe("Catalog", () => {
  test("creates, finds, lists and reports tables", () => {
    const catalog = new Catalog();
    const events = catalog.create(EVENTS_SCHEMA, { segmentRows: 2 });
    catalog.create(DEAD_LETTER_SCHEMA);
    const cols = [{ name: "event_id", type: EVENTS_SCHEMA.columns[0]!.type }, { name: "ts", type: EVENTS_SCHEMA.columns[1]!.type }];
    events.appendBatch(batchOf("events", cols, [["a", 1], ["b", 2], ["c", 3]]), null);
    const stats = catalog.stats();
    expect({
      found: [catalog.get("events") === events, catalog.get("nope")],
      list: catalog.list().map((t) => t.schema.name),
      stats: stats.map((s) => ({ ...s, memoryBytes: s.memoryBytes > 0 })),
      twice: errorOf(() => catalog.create(EVENTS_SCHEMA)),
    }).toEqual({
      found: [true, undefined],
      list: ["events", "_dead_letters"],
      stats: [{ name: "events", rows: 3, memoryBytes: true, segments: 2 }, { name: "_dead_letters", rows: 0, memoryBytes: true, segments: 0 }],
      twice: { code: "bad_config", message: "table events declared twice" },
    });
  });
});
