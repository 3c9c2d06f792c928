import { expect, test } from "bun:test";
import { DerivedQueue } from "../../../../engine/aggregate/derived-queue.ts";
import { DerivedState, SLICE_ROWS, type DerivedComponent } from "../../../../engine/aggregate/derived-state.ts";
import type { FeedBatch } from "../../../../engine/aggregate/row-feed.ts";
import { decodeBatch } from "../../../../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { Catalog } from "../../../../engine/store/catalog.ts";
import { plainEventsBatch } from "../../../helpers/event-feed.ts";

/** Logs what it sees: "row:<index>" per row and "ctl:<body>" per control, in order. */
function logger(): DerivedComponent & { log: string[] } {
  const log: string[] = [];
  return {
    name: "log", tables: ["events"], columns: ["type"], log,
    consume(b: FeedBatch) { for (let i = b.begin; i < b.end; i++) log.push(`row:${b.firstRow + i}`); },
    control(_op, body) { log.push(`ctl:${body as string}`); },
    encode: () => new Uint8Array(), decode() {},
  };
}

function append(c: Catalog, n: number): void {
  c.get("events")!.appendBatch(decodeBatch(plainEventsBatch(Array.from({ length: n }, () => ({ ts: 1.7e12, type: "t" })))), null);
}

test("rows and controls are reflected in log order, a slice at a time, and waiters resolve in order", async () => {
  const catalog = new Catalog();
  catalog.create(EVENTS_SCHEMA, { segmentRows: 1024 });
  const l = logger();
  const state = new DerivedState([l]);
  const q = new DerivedQueue(state, catalog);
  const resolved: number[] = [];
  append(catalog, 600); q.rows(0); void q.whenApplied(0).then(() => resolved.push(0));
  q.control(1, "log", "a", "A"); void q.whenApplied(1).then(() => resolved.push(1));
  append(catalog, 100); q.rows(2); void q.whenApplied(2).then(() => resolved.push(2));
  // A zero budget still makes progress: one slice of SLICE_ROWS rows per pump.
  let pumps = 0;
  while (q.pump(0)) pumps++;
  await Promise.resolve();
  const expected = [...Array.from({ length: 600 }, (_, i) => `row:${i}`), "ctl:A", ...Array.from({ length: 100 }, (_, i) => `row:${600 + i}`)];
  expect({ log: l.log, resolved, nextLsn: state.nextLsn, pending: q.pending, slices: pumps >= Math.ceil(600 / SLICE_ROWS) })
    .toEqual({ log: expected, resolved: [0, 1, 2], nextLsn: 3, pending: 0, slices: true });
});

test("a generous budget feeds everything queued in one pump", () => {
  const catalog = new Catalog();
  catalog.create(EVENTS_SCHEMA, { segmentRows: 1024 });
  const l = logger();
  const q = new DerivedQueue(new DerivedState([l]), catalog);
  for (let i = 0; i < 5; i++) { append(catalog, 300); q.rows(i); }
  expect([q.pump(1000), l.log.length]).toEqual([false, 1500]);
});

test("the backlog counts rows queued that some component has not consumed, across controls, and only tables it reads", () => {
  const catalog = new Catalog();
  catalog.create(EVENTS_SCHEMA, { segmentRows: 1024 });
  catalog.create({ ...EVENTS_SCHEMA, name: "other" }, { segmentRows: 1024 });
  const fast = logger(), slow = { ...logger(), name: "slow" };
  const q = new DerivedQueue(new DerivedState([fast, slow]), catalog);
  expect(q.backlogRows()).toBe(0);
  append(catalog, 700); q.rows(0);
  catalog.get("other")!.appendBatch(decodeBatch(plainEventsBatch([{ ts: 1.7e12, type: "t" }])), null);
  q.control(1, "log", "a", "A");
  append(catalog, 300); q.rows(2);
  q.control(3, "log", "a", "B");
  const seen: number[] = [q.backlogRows()];
  q.pump(0); // one slice of one component: the other still has every row to go
  seen.push(q.backlogRows());
  while (q.pump(0));
  seen.push(q.backlogRows());
  expect(seen).toEqual([1000, 1000, 0]);
});

test("while a checkpoint encodes a component in steps, nothing is fed or applied; the feed resumes after its last step, and its section is the state it held", async () => {
  const catalog = new Catalog();
  catalog.create(EVENTS_SCHEMA, { segmentRows: 1024 });
  const l = logger();
  // Encodes the log in three steps: any row or control fed between two steps would show as a
  // difference between the first and the last step's view of it.
  const stepped: DerivedComponent & { log: string[] } = {
    ...l, name: "stepped",
    *encodeGradually() {
      // Each step works longer than a slice (1 ms), so snapshotGradually pauses after each.
      const work = () => { for (const until = performance.now() + 1.5; performance.now() < until;); };
      const first = l.log.length;
      work();
      yield;
      work();
      yield;
      return new TextEncoder().encode(`${first}:${l.log.length}`);
    },
  };
  const state = new DerivedState([stepped]);
  const q = new DerivedQueue(state, catalog);
  append(catalog, 300); q.rows(0);
  expect(q.pump(1000)).toBe(false);
  let resumed = 0;
  state.onResume = () => resumed++;
  const seen: { held: boolean; pumped: boolean; rows: number }[] = [];
  const snap = await state.snapshotGradually(async () => {
    // Between steps (and before the component): new rows and a control arrive and the feed is pumped.
    append(catalog, 10); q.rows(seen.length + 1); q.control(seen.length + 100, "stepped", "x", "X");
    const held = state.held;
    seen.push({ held, pumped: q.pump(1000), rows: l.log.length });
  });
  // The pause before the component feeds; the pauses after its two steps hold.
  expect(seen).toEqual([{ held: false, pumped: false, rows: 300 + 10 + 1 }, { held: true, pumped: false, rows: 311 }, { held: true, pumped: false, rows: 311 }]);
  expect(new TextDecoder().decode(snap.snapshot.get("stepped")!.bytes)).toBe("311:311");
  expect([state.held, resumed]).toEqual([false, 1]);
  expect(q.pump(1000)).toBe(false);
  expect(l.log.length).toBe(311 + 2 * 11);
});
