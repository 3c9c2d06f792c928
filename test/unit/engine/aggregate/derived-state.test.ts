import { expect, test } from "bun:test";
import { DerivedState, type DerivedComponent } from "../../../../engine/aggregate/derived-state.ts";
import type { FeedBatch } from "../../../../engine/aggregate/row-feed.ts";
import { decodeBatch } from "../../../../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { Catalog } from "../../../../engine/store/catalog.ts";
import { plainEventsBatch } from "../../../helpers/event-feed.ts";

/** Records the (row, type) pairs it is fed. */
function recorder(name: string, fail = false): DerivedComponent & { rows: [number, string][] } {
  const rows: [number, string][] = [];
  return {
    name, tables: ["events"], columns: ["type"], rows,
    consume(b: FeedBatch) {
      const v = b.column("type")!;
      for (let i = b.begin; i < b.end; i++) {
        if (fail && v.dict!.get(v.codes![i]!) === "boom") throw new Error("boom row");
        rows.push([b.firstRow + i, v.dict!.get(v.codes![i]!)]);
      }
    },
    encode: () => new TextEncoder().encode(JSON.stringify(rows)),
    decode(bytes) { rows.length = 0; rows.push(...(JSON.parse(new TextDecoder().decode(bytes)) as [number, string][])); },
  };
}

function catalogWith(types: string[][]): Catalog {
  const c = new Catalog();
  c.create(EVENTS_SCHEMA, { segmentRows: 16 });
  for (const batch of types) c.get("events")!.appendBatch(decodeBatch(plainEventsBatch(batch.map((type) => ({ ts: 1.7e12, type })))), null);
  return c;
}

const typesOf = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `t${from + i}`);

test("each row is fed once, in order, across appends that straddle batch and segment boundaries", () => {
  const cat = new Catalog();
  cat.create(EVENTS_SCHEMA, { segmentRows: 16 });
  const r = recorder("r");
  const d = new DerivedState([r]);
  let n = 0;
  for (const size of [3, 5, 1, 13, 30, 2]) {
    cat.get("events")!.appendBatch(decodeBatch(plainEventsBatch(typesOf(size, n).map((type) => ({ ts: 1.7e12, type })))), null);
    n += size;
    d.feed(cat);
  }
  expect(r.rows).toEqual(typesOf(n).map((t, i) => [i, t]));
  expect(d.coverage(cat)).toEqual({ events: n });
});

test("restore skips the rows a checkpoint covers; a component new since the checkpoint sees every row", () => {
  const first = recorder("r");
  const d1 = new DerivedState([first]);
  const cat1 = catalogWith([typesOf(10)]);
  d1.feed(cat1);
  const snap = d1.snapshot();
  // Restart: the "replay" appends the same 10 rows and 5 more.
  const again = recorder("r"), fresh = recorder("new");
  const d2 = new DerivedState([again, fresh]);
  d2.restore(snap);
  const cat2 = catalogWith([typesOf(10), typesOf(5, 10)]);
  d2.feed(cat2);
  expect({ again: again.rows, fresh: fresh.rows.length }).toEqual({ again: typesOf(15).map((t, i) => [i, t]), fresh: 15 });
});

test("a component that throws is reported and does not stop the others", () => {
  const bad = recorder("bad", true), good = recorder("good");
  const d = new DerivedState([bad, good]);
  const cat = catalogWith([["a", "boom", "b"]]);
  d.feed(cat);
  expect({ failures: [...d.failures.keys()], good: good.rows }).toEqual({ failures: ["bad"], good: [[0, "a"], [1, "boom"], [2, "b"]] });
});

test("two components with one name are a config error", () => {
  expect(() => new DerivedState([recorder("x"), recorder("x")])).toThrow("registered twice");
});
