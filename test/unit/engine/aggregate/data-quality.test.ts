import { expect, test } from "bun:test";
import { DataQuality } from "../../../../engine/aggregate/data-quality.ts";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { Rng } from "../../../sim/rng.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../../../helpers/event-feed.ts";

const seed = Number(process.env.SEED ?? 20261204);
console.log(`data-quality seed=${seed}`);

test("late events and nulls per minute of receive time equal counts over the raw events; survive encode/decode", () => {
  const rng = new Rng(seed);
  const t0 = Date.UTC(2026, 11, 4, 10);
  const events: PlainEvent[] = [];
  for (let i = 0; i < 3000; i++) {
    const received = t0 + Math.floor(i / 7) * 1000;
    events.push({
      type: "page_view", received_at: received, ts: received - (rng.bool(0.1) ? rng.int(61_000, 900_000) : rng.int(0, 59_000)),
      user_id: rng.bool(0.3) ? null : `u${rng.int(0, 50)}`, campaign: rng.bool(0.5) ? "c" : null,
    });
  }
  const dq = new DataQuality([EVENTS_SCHEMA], 60_000);
  const table = eventsTable();
  for (let i = 0; i < events.length; i += 97) appendAndFeed(table, events.slice(i, i + 97), [dq]);
  const restored = new DataQuality([EVENTS_SCHEMA], 60_000);
  restored.decode(dq.encode());
  const from = t0 + 60_000, to = t0 + 5 * 60_000;
  const inRange = events.filter((e) => (e.received_at as number) >= from && (e.received_at as number) < to);
  const expected = {
    events: inRange.length,
    late: inRange.filter((e) => (e.received_at as number) - (e.ts as number) > 60_000).length,
    userNulls: inRange.filter((e) => e.user_id === null).length,
    campaignNulls: inRange.filter((e) => e.campaign === null).length,
    totalLate: events.filter((e) => (e.received_at as number) - (e.ts as number) > 60_000).length,
  };
  for (const q of [dq, restored]) {
    expect({
      events: q.sum("events", "events", from, to), late: q.sum("events", "late", from, to),
      userNulls: q.sum("events", "nulls:user_id", from, to), campaignNulls: q.sum("events", "nulls:campaign", from, to),
      totalLate: q.byTable.get("events")!.totals.late,
    }).toEqual(expected);
  }
});
