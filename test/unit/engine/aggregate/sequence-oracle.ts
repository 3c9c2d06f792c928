// Brute-force funnels and journeys over a plain list of events in arrival order, written from the
// SEMANTICS text of engine/aggregate/sequence-engine.ts and sharing no code with the engine: no
// dictionaries, no histories, no dynamic program. Chains are enumerated by a forward search from every
// first-step event (memoized on (event, step, start) so it stays polynomial), percentiles are exact.

import type { FunnelDef, JourneyDef, Where } from "../../../../engine/aggregate/sequence-definition.ts";
import type { PlainEvent } from "../../../helpers/event-feed.ts";

interface Kept {
  readonly e: PlainEvent;
  readonly ts: number;
  readonly row: number;
}

interface Entrant {
  readonly subject: string;
  readonly rows: Kept[];
}

export interface OracleStep {
  readonly entrants: number;
  /** Each entrant's fastest time to convert, ascending (empty for the first step). */
  readonly ttcs: readonly number[];
}

export interface OracleEmission {
  /** deadline + allowed lateness: the emission order's first key. */
  readonly release: number;
  readonly ts: number;
  readonly journey: number;
  readonly column: string;
  readonly subject: string;
  readonly row: number;
  readonly triggerEventId: string;
}

function matches(where: Where, e: PlainEvent): boolean {
  return Object.entries(where).every(([col, values]) => e[col] != null && values.includes(String(e[col])));
}

function subjectOf(by: readonly string[], e: PlainEvent): [string, string] | null {
  for (const col of by) if (e[col] != null) return [col, String(e[col])];
  return null;
}

/** Splits the accepted, keyed rows that match any predicate into entrants (SEMANTICS 1-3). */
function entrants(events: readonly PlainEvent[], by: readonly string[], latenessMs: number, spanMs: number,
  predicates: readonly Where[]): { entrants: Entrant[]; late: number; unkeyed: number; watermark: number } {
  let w = -Infinity, late = 0, unkeyed = 0;
  const open = new Map<string, { newest: number; entrant: Entrant }>();
  const all: Entrant[] = [];
  events.forEach((e, row) => {
    const ts = Number(e.ts);
    if (predicates.some((p) => matches(p, e))) {
      const subj = subjectOf(by, e);
      if (!(ts >= w - latenessMs)) late++;
      else if (subj === null) unkeyed++;
      else {
        const key = `${subj[0]}=${subj[1]}`;
        let cur = open.get(key);
        if (cur === undefined || cur.newest < w - latenessMs - spanMs) {
          cur = { newest: -Infinity, entrant: { subject: key, rows: [] } };
          open.set(key, cur);
          all.push(cur.entrant);
        }
        cur.entrant.rows.push({ e, ts, row });
        cur.newest = Math.max(cur.newest, ts);
      }
    }
    w = Math.max(w, ts);
  });
  for (const en of all) en.rows.sort((a, b) => a.ts - b.ts || a.row - b.row);
  return { entrants: all, late, unkeyed, watermark: w };
}

/** Every (last position, step, start ts) some chain reaches, by forward search (SEMANTICS 4). */
function chainEnds(rows: readonly Kept[], def: FunnelDef | JourneyDef): { idx: number; step: number; start: number }[] {
  const seen = new Set<string>();
  const out: { idx: number; step: number; start: number }[] = [];
  const visit = (idx: number, step: number, start: number): void => {
    const key = `${idx},${step},${start}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ idx, step, start });
    if (step + 1 >= def.steps.length) return;
    for (let j = idx + 1; j < rows.length; j++) {
      if (rows[j]!.ts - rows[idx]!.ts > def.stepWindowMs[step + 1]!) continue;
      if (rows[j]!.ts - start > def.windowMs) continue;
      if (matches(def.steps[step + 1]!.where, rows[j]!.e)) visit(j, step + 1, start);
    }
  };
  rows.forEach((r, i) => {
    if (matches(def.steps[0]!.where, r.e)) visit(i, 0, r.ts);
  });
  return out;
}

export function oracleFunnel(def: FunnelDef, events: readonly PlainEvent[]): { steps: OracleStep[]; late: number; unkeyed: number } {
  const { entrants: all, late, unkeyed } = entrants(events, def.by, def.allowedLatenessMs, def.windowMs, def.steps.map((s) => s.where));
  const steps = def.steps.map(() => ({ entrants: 0, ttcs: [] as number[] }));
  for (const en of all) {
    const best = def.steps.map(() => Infinity);
    for (const c of chainEnds(en.rows, def)) best[c.step] = Math.min(best[c.step]!, en.rows[c.idx]!.ts - c.start);
    best.forEach((b, k) => {
      if (b === Infinity) return;
      steps[k]!.entrants++;
      if (k > 0) steps[k]!.ttcs.push(b);
    });
  }
  for (const s of steps) s.ttcs.sort((a, b) => a - b);
  return { steps, late, unkeyed };
}

/** Nearest-rank percentile of ascending values. */
export function exactPercentile(sorted: readonly number[], percent: number): number {
  return sorted[Math.max(1, Math.ceil((percent * sorted.length) / 100)) - 1]!;
}

/** The journey's emissions once every event has arrived (SEMANTICS 6), in the order of SEMANTICS 7. */
export function oracleJourney(def: JourneyDef, index: number, events: readonly PlainEvent[]): OracleEmission[] {
  const span = Math.max(def.windowMs, def.withinMs);
  const { entrants: all, watermark } = entrants(events, def.by, def.allowedLatenessMs, span, [...def.steps.map((s) => s.where), def.absent]);
  const last = def.steps.length - 1;
  const out: OracleEmission[] = [];
  const bySubject = new Map<string, Kept[]>();
  for (const en of all) bySubject.set(en.subject, [...(bySubject.get(en.subject) ?? []), ...en.rows]);
  for (const en of all) {
    const ends = new Set(chainEnds(en.rows, def).filter((c) => c.step === last).map((c) => c.idx));
    en.rows.forEach((b, i) => {
      if (!matches(def.steps[last]!.where, b.e)) return;
      const deadline = b.ts + def.withinMs;
      if (!(watermark - def.allowedLatenessMs > deadline) || !ends.has(i)) return;
      const absent = bySubject.get(en.subject)!.some((x) => x !== b && x.ts >= b.ts && x.ts <= deadline && matches(def.absent, x.e));
      if (absent) return;
      const [column, subject] = subjectOf(def.by, b.e)!;
      out.push({ release: deadline + def.allowedLatenessMs, ts: deadline, journey: index, column, subject, row: b.row, triggerEventId: String(b.e.event_id) });
    });
  }
  const col = (c: string) => def.by.indexOf(c);
  return out.sort((a, b) => a.release - b.release || col(a.column) - col(b.column) || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.row - b.row));
}
