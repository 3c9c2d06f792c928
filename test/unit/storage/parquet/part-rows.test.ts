import { expect, test } from "bun:test";
import fc from "fast-check";
import { packRows, unpackRows, type PartRows } from "../../../../storage/parquet/part-rows.ts";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";

test("property: rows packed for the worker unpack to the same strings, nulls and numbers", async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.option(fc.string({ unit: "grapheme", maxLength: 12 }), { nil: null }), { maxLength: 20_000 }),
    fc.array(fc.string({ unit: "binary", maxLength: 8 }), { maxLength: 50 }),
    async (strings, dict) => {
      const rows: PartRows = {
        schema: EVENTS_SCHEMA, rowCount: strings.length,
        columns: [
          { kind: "strings", values: strings },
          { kind: "dict", codes: Int32Array.from(strings, (_, i) => (dict.length ? i % dict.length : -1)), dict },
          { kind: "f64", values: Float64Array.from(strings, (_, i) => i / 3), valid: Uint8Array.from(strings, (_, i) => i % 2) },
        ],
      };
      const copy = structuredClone(rows);
      let pauses = 0;
      const { packed } = await packRows(rows, async () => { pauses++; });
      expect(unpackRows(structuredClone(packed))).toEqual(copy);
      expect(pauses).toBeGreaterThanOrEqual(3);
    }), { seed: 42, numRuns: 40 });
});
