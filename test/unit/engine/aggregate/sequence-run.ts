// Shared by the funnel and journey tests: feed plain events through a real events Table to a
// SequenceEngine, and put the engine's answers next to the oracle's in comparable form.

import { SequenceEngine, type DerivedEvent } from "../../../../engine/aggregate/sequence-engine.ts";
import type { FunnelReport } from "../../../../engine/aggregate/funnel-state.ts";
import type { FunnelDef, JourneyDef } from "../../../../engine/aggregate/sequence-definition.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../../../helpers/event-feed.ts";
import type { Table } from "../../../../engine/store/table.ts";
import { exactPercentile, oracleFunnel, oracleJourney } from "./sequence-oracle.ts";

export interface Run {
  readonly engine: SequenceEngine;
  readonly table: Table;
  readonly emitted: DerivedEvent[];
}

/** Feeds `batches` (consecutive slices of one stream) to a new engine through a new table. */
export function runEngine(defs: readonly (FunnelDef | JourneyDef)[], batches: readonly (readonly PlainEvent[])[]): Run {
  const table = eventsTable();
  const emitted: DerivedEvent[] = [];
  const engine = new SequenceEngine(defs, { onEmit: (es) => emitted.push(...es) });
  for (const b of batches) appendAndFeed(table, b, [engine]);
  return { engine, table, emitted };
}

/** An estimate within 1% (relative) of the exact value shows as the exact value, else as itself. */
function near(estimate: number, exact: number): number {
  return Math.abs(estimate - exact) <= 0.01 * exact + 1e-9 ? exact : estimate;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** The engine's funnel report and the oracle's, in the same shape (percentiles compared within 1%). */
export function funnelPair(engine: SequenceEngine, def: FunnelDef, events: readonly PlainEvent[]): { got: unknown; want: unknown } {
  const o = oracleFunnel(def, events);
  const report: FunnelReport = engine.funnelReport(def.name)!;
  const m = engine.metrics().definitions.find((d) => d.name === def.name)!;
  const want = o.steps.map((s, k) => ({
    entrants: s.entrants,
    fromPrevious: k === 0 ? null : ratio(s.entrants, o.steps[k - 1]!.entrants),
    fromFirst: k === 0 ? null : ratio(s.entrants, o.steps[0]!.entrants),
    ttc: s.ttcs.length === 0 ? null : [50, 90, 99].map((p) => exactPercentile(s.ttcs, p)),
  }));
  const got = report.steps.map((s, k) => {
    const exact = want[k]!.ttc;
    const t = s.timeToConvertMs;
    return {
      entrants: s.entrants, fromPrevious: s.conversionFromPrevious, fromFirst: s.conversionFromFirst,
      ttc: t === null ? null : [t.p50, t.p90, t.p99].map((v, i) => (exact ? near(v, exact[i]!) : v)),
    };
  });
  return {
    got: { name: report.name, steps: got, late: m.lateEvents, unkeyed: m.unkeyedEvents, evicted: m.evictedUsers, dropped: m.droppedEvents },
    want: { name: def.name, steps: want, late: o.late, unkeyed: o.unkeyed, evicted: 0, dropped: 0 },
  };
}

/** Every funnel of the run against the oracle. */
export function funnelPairs(run: Run, defs: readonly (FunnelDef | JourneyDef)[], events: readonly PlainEvent[]): { got: unknown[]; want: unknown[] } {
  const pairs = defs.filter((d): d is FunnelDef => d.kind === "funnel").map((d) => funnelPair(run.engine, d, events));
  return { got: pairs.map((p) => p.got), want: pairs.map((p) => p.want) };
}

/** The run's emissions and the oracle's, as (ts, journey, subject, trigger, copied columns), in order. */
export function journeyPair(run: Run, defs: readonly (FunnelDef | JourneyDef)[], events: readonly PlainEvent[]): { got: unknown[]; want: unknown[] } {
  const journeys = defs.filter((d): d is JourneyDef => d.kind === "journey");
  const byId = new Map(events.map((e) => [String(e.event_id), e]));
  const want = journeys.flatMap((d, i) => oracleJourney(d, i, events))
    .sort((a, b) => a.release - b.release || a.journey - b.journey)
    .map((x) => {
      const d = journeys[x.journey]!, trigger = byId.get(x.triggerEventId)!;
      const copied = Object.fromEntries(d.emit.copy.filter((c) => trigger[c] != null).map((c) => [c, String(trigger[c])]));
      return { ts: x.ts, type: d.emit.type, journey: d.name, [x.column]: x.subject, trigger: x.triggerEventId, ...d.emit.fields, ...copied };
    });
  const got = run.emitted.map((e) => {
    const props = e.props as Record<string, string | number>;
    const d = journeys.find((j) => j.name === props.journey)!;
    const rest: Record<string, unknown> = { ts: e.ts, type: e.type, journey: props.journey };
    for (const c of d.by) if (e[c] !== undefined) rest[c] = e[c];
    rest.trigger = props.trigger_event_id;
    for (const k of [...Object.keys(d.emit.fields), ...d.emit.copy]) if (e[k] !== undefined) rest[k] = e[k];
    return rest;
  });
  return { got, want };
}
