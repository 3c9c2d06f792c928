// The plain-JS-Set model audiences are checked against: the raw events, filtered and combined with
// Sets and arrays only, written from the documented semantics (not from the engine's code).

import type { PlainEvent } from "../../../helpers/event-feed.ts";
import { mulberry32 as rng } from "../../../sim/rng.ts";
export { mulberry32 as rng } from "../../../sim/rng.ts";

const DAY_MS = 86_400_000;

export interface OracleOptions {
  readonly retentionDays: number;
}

/** Every event fed so far, and the answers the engine must give. */
export class Oracle {
  private readonly rows: { user: string; day: number; type: string | null; campaign: string | null; category: string | null }[] = [];
  /** Users in order of first sight (the engine's dense id order). */
  readonly known: string[] = [];
  private readonly knownSet = new Set<string>();
  skippedNoUser = 0;

  constructor(private readonly options: OracleOptions) {}

  feed(events: readonly PlainEvent[]): void {
    for (const e of events) {
      const user = (e.user_id ?? e.anonymous_id ?? null) as string | null;
      if (user === null) {
        this.skippedNoUser++;
        continue;
      }
      if (!this.knownSet.has(user)) (this.knownSet.add(user), this.known.push(user));
      const str = (v: unknown) => (v === undefined || v === null ? null : String(v));
      this.rows.push({ user, day: Math.floor(Number(e.ts) / DAY_MS), type: str(e.type), campaign: str(e.campaign), category: str(e.category) });
    }
  }

  get currentDay(): number | null {
    let max: number | null = null;
    for (const r of this.rows) if (max === null || r.day > max) max = r.day;
    return max;
  }

  /** Users with a retained event matching every given field, on a day in [from, to]. */
  atom(event: string | null, campaign: string | null, category: string | null, from = -Infinity, to = Infinity): Set<string> {
    const current = this.currentDay;
    const out = new Set<string>();
    if (current === null) return out;
    const horizon = current - this.options.retentionDays + 1;
    for (const r of this.rows) {
      if (r.day < horizon || r.day < from || r.day > to) continue;
      if (event !== null && r.type !== event) continue;
      if (campaign !== null && r.campaign !== campaign) continue;
      if (category !== null && r.category !== category) continue;
      out.add(r.user);
    }
    return out;
  }

  /** A rule in its JSON form, evaluated with Sets. */
  rule(json: unknown): Set<string> {
    const r = json as Record<string, unknown>;
    if (Array.isArray(r.and)) {
      const parts = r.and as Record<string, unknown>[];
      const pos = parts.filter((p) => !("not" in p)).map((p) => this.rule(p));
      const neg = parts.filter((p) => "not" in p).map((p) => this.rule(p.not));
      let acc = pos.length > 0 ? pos[0]! : new Set(this.known);
      for (const p of pos.slice(1)) acc = new Set([...acc].filter((u) => p.has(u)));
      for (const n of neg) acc = new Set([...acc].filter((u) => !n.has(u)));
      return acc;
    }
    if (Array.isArray(r.or)) return new Set((r.or as unknown[]).flatMap((p) => [...this.rule(p)]));
    if ("not" in r) {
      const n = this.rule(r.not);
      return new Set(this.known.filter((u) => !n.has(u)));
    }
    const within = r.within_days as number | undefined;
    const current = this.currentDay ?? 0;
    return this.atom(str(r.event), str(r.campaign), str(r.category), within === undefined ? -Infinity : current - within + 1);
  }

  /** A set expression (set-expression.ts grammar), evaluated with Sets. */
  expr(json: unknown, audiences: Map<string, Set<string>>): Set<string> {
    if (typeof json === "string") {
      const colon = json.indexOf(":");
      const prefix = colon < 0 ? "audience" : json.slice(0, colon), v = colon < 0 ? json : json.slice(colon + 1);
      if (prefix === "audience") return audiences.get(v)!;
      return this.atom(prefix === "type" ? v : null, prefix === "campaign" ? v : null, prefix === "category" ? v : null);
    }
    const r = json as Record<string, unknown>;
    if (Array.isArray(r.and)) {
      const sets = (r.and as unknown[]).map((x) => this.expr(x, audiences));
      return new Set([...sets[0]!].filter((u) => sets.every((s) => s.has(u))));
    }
    if (Array.isArray(r.or)) return new Set((r.or as unknown[]).flatMap((x) => [...this.expr(x, audiences)]));
    if (Array.isArray(r.and_not)) {
      const [a, b] = (r.and_not as unknown[]).map((x) => this.expr(x, audiences));
      return new Set([...a!].filter((u) => !b!.has(u)));
    }
    const current = this.currentDay ?? 0;
    const day = (s: unknown) => Date.parse(`${s as string}T00:00:00Z`) / DAY_MS;
    const from = r.within_days !== undefined ? current - (r.within_days as number) + 1 : r.from !== undefined ? day(r.from) : -Infinity;
    const to = r.to !== undefined ? day(r.to) : Infinity;
    return this.atom(str(r.event), str(r.campaign), str(r.category), from, to);
  }

  /** `set` in first-sight order (the order of the engine's exports and samples). */
  ordered(set: Set<string>): string[] {
    return this.known.filter((u) => set.has(u));
  }
}

function str(v: unknown): string | null {
  return v === undefined || v === null ? null : String(v);
}


export const TYPES = ["purchase", "click", "refund", "view", "add_to_cart"];
export const CAMPAIGNS = ["X", "Y", "Z"];
export const CATEGORIES = ["shoes", "hats", "bags"];
export const BASE_DAY = Date.UTC(2025, 2, 1) / DAY_MS;

/**
 * A seeded stream: `users` users (some only anonymous), days moving forward from BASE_DAY with
 * events out of order (up to `lag` days late), some rows with neither user_id nor anonymous_id.
 */
export function eventStream(seed: number, count: number, users: number, spanDays: number, lag: number): PlainEvent[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const out: PlainEvent[] = [];
  for (let i = 0; i < count; i++) {
    const progress = Math.floor((i / count) * spanDays);
    const day = BASE_DAY + Math.max(0, progress - (rand() < 0.3 ? Math.floor(rand() * (lag + 1)) : 0));
    const ts = day * DAY_MS + Math.floor(rand() * DAY_MS);
    const k = Math.floor(Math.pow(rand(), 2) * users); // skewed: low ranks are frequent
    const e: PlainEvent = { ts, type: pick(TYPES) };
    const who = rand();
    if (who < 0.7) e.user_id = `cus_${k}`;
    else if (who < 0.95) e.anonymous_id = `anon_${k}`;
    if (who < 0.1) e.anonymous_id = `anon_${k}`; // both: user_id wins
    if (rand() < 0.6) e.campaign = pick(CAMPAIGNS);
    if (rand() < 0.5) e.category = pick(CATEGORIES);
    out.push(e);
  }
  return out;
}
