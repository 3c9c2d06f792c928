// The dashboard snapshot as the page sees it (the JSON of server/dashboard/panels.ts, pushed over
// /v1/dashboard/ws), and the few figures the page derives from it. Derivations are pure and sum only
// what the snapshot holds: a window total is the sum of its per-minute points (nulls count as 0), and
// the overall ROAS is total revenue over total cost from the campaigns breakdown (null when no cost).
// UV is never summed across minutes (users repeat): only a single minute's UV is shown.
// `funnel` and `social` come from other parts of the server and may be absent ("not configured").

export type SeriesPoint3 = [number, number | null, number | null];

export interface CampaignRow {
  campaign: string; revenue: number | null; cost: number | null; events: number | null; clicks: number | null;
  impressions: number | null; conversions: number | null; ctr: number | null; cvr: number | null; roi: number | null; roas: number | null;
}
export interface CountryRow { country: string; region?: string; events: number | null; revenue: number | null; uv?: number | null }
export interface DeviceRow { device: string; events: number | null; revenue: number | null; uv?: number | null }
export interface ItemRow { item_id: string; views: number; carts: number; purchases: number; revenue: number }
export interface AlertRow { rule: string; severity: string; metric: string; state: string; since: number | null; value: number | null }
export interface Quality {
  events_per_s: number; rejected_last_minute: number; late_last_minute: number;
  rejected_by_reason: Record<string, number>; late_total: number; rollup_late_events: number; derived_failures: string[];
  /** Not sent yet by the server; shown when present. */
  lag_ms?: number | null;
}
export interface FunnelStep { name: string; users: number; conversion_from_previous: number | null; conversion_from_first: number | null }
export interface Funnel { name: string; steps: FunnelStep[]; time_to_convert_ms: { p50: number; p90: number; p99: number } | null }
export interface SocialBrand { brand: string; mentions: number; share_of_voice: number | null; sentiment_avg: number | null; negative: number }
export interface Social { brands: SocialBrand[]; trending: { term: string; count: number }[]; unit?: string }

export interface Snapshot {
  at: number;
  range: { from: number; to: number; step_ms: number; minutes: number };
  campaign: string | null;
  traffic: { unit: string; points: SeriesPoint3[] };
  conversions: { unit: string; points: SeriesPoint3[] };
  campaigns: CampaignRow[];
  countries: CountryRow[];
  devices: DeviceRow[];
  top_items: ItemRow[];
  throughput: { unit: string; points: [number, number | null][] };
  alerts: AlertRow[];
  quality: Quality;
  funnel?: Funnel | null;
  social?: Social | null;
}

/** A view of the dashboard: minutes of history and an optional campaign (what the WebSocket is told). */
export interface View { minutes: number; campaign: string | null }

export const RANGE_MINUTES = [5, 15, 60, 360, 1440] as const;

/** The view a page URL asks for (?minutes=15&campaign=x); anything else is the default 1 h, all campaigns. */
export function viewFromUrl(search: string): View {
  const q = new URLSearchParams(search);
  const m = Number(q.get("minutes"));
  const minutes = (RANGE_MINUTES as readonly number[]).includes(m) ? m : 60;
  const c = q.get("campaign");
  return { minutes, campaign: c === null || c === "" ? null : c };
}

/** Sum of column `i` of the points, nulls as 0. */
export function sumPoints(points: readonly (readonly (number | null)[])[], i: number): number {
  let s = 0;
  for (const p of points) s += p[i] ?? 0;
  return s;
}

/** The largest value of column `i` (0 when there are no points). */
export function maxPoints(points: readonly (readonly (number | null)[])[], i: number): number {
  let m = 0;
  for (const p of points) m = Math.max(m, p[i] ?? 0);
  return m;
}

/** Column `i` of the last point: the current minute, still filling. */
export function lastPoint(points: readonly (readonly (number | null)[])[], i: number): number {
  return points.length === 0 ? 0 : points[points.length - 1]![i] ?? 0;
}

export interface CampaignTotals { revenue: number; cost: number; conversions: number; roas: number | null; roi: number | null }

export function campaignTotals(rows: readonly CampaignRow[]): CampaignTotals {
  let revenue = 0, cost = 0, conversions = 0;
  for (const r of rows) { revenue += r.revenue ?? 0; cost += r.cost ?? 0; conversions += r.conversions ?? 0; }
  return { revenue, cost, conversions, roas: cost === 0 ? null : revenue / cost, roi: cost === 0 ? null : (revenue - cost) / cost };
}

/** Whether a snapshot answers `view` (a push for the previous view can arrive after a change). */
export function answersView(s: Snapshot, v: View): boolean {
  return s.range.minutes === v.minutes && (s.campaign ?? null) === v.campaign;
}
