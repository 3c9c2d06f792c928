// What the dashboard must show, from SQL over the raw events (POST /v1/sql), for a given range
// and campaign: the per-minute series, the breakdowns, the top items, rejections and late events.
// And the same parts picked from what the page shows (read-board.js), rounded and ordered alike,
// so one toEqual compares the whole board. Floats are rounded to 6 decimals on both sides: the
// rollups and SQL add the same revenues in different orders.

export type Sql = (q: string) => Promise<unknown[][]>;
export interface Range { from: number; to: number; minutes: number; campaign: string | null }

const MIN = 60_000;
const PV = "('page_view', 'screen_view')", CONV = "('purchase', 'conversion', 'signup')";

export const r6 = (x: unknown): number | null => (x === null || x === undefined ? null : Math.round(Number(x) * 1e6) / 1e6);
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ratio = (a: number, b: number) => (b === 0 ? null : r6(a / b));

export function windowSql(r: Range, withCampaign = true): string {
  return `ts >= epoch_ms(${r.from}::BIGINT) AND ts < epoch_ms(${r.to}::BIGINT)${withCampaign && r.campaign !== null ? ` AND campaign = ${quote(r.campaign)}` : ""}`;
}

/** One row per minute of the range, zeros where SQL has no row. */
function minutes(r: Range, rows: unknown[][], cols: number): number[][] {
  const by = new Map(rows.map((row) => [Number(row[0]), row.slice(1).map((v) => Number(v ?? 0))]));
  const out: number[][] = [];
  for (let t = r.from; t < r.to; t += MIN) out.push([t, ...(by.get(t) ?? Array(cols).fill(0))]);
  return out;
}

const byKey = <T extends Record<string, unknown>>(k: string) => (a: T, b: T) => String(a[k]).localeCompare(String(b[k]));

export async function expectedBoard(sql: Sql, r: Range) {
  const w = windowSql(r), all = windowSql(r, false);
  const series = await sql(`SELECT (epoch_ms(ts) // 60000) * 60000 AS m, count(*) FILTER (WHERE type IN ${PV}), count(DISTINCT coalesce(user_id, anonymous_id)), count(*) FILTER (WHERE type IN ${CONV}), coalesce(sum(revenue), 0) FROM events WHERE ${w} GROUP BY 1`);
  const perMinute = minutes(r, series, 4);
  const events = minutes(r, await sql(`SELECT (epoch_ms(ts) // 60000) * 60000 AS m, count(*) FROM events WHERE ${all} GROUP BY 1`), 1);
  const camp = await sql(`SELECT coalesce(campaign, '(none)'), coalesce(sum(revenue), 0), coalesce(sum(cost), 0), count(*) FILTER (WHERE type IN ${CONV}), count(*) FILTER (WHERE type = 'click'), count(*) FILTER (WHERE type = 'impression') FROM events WHERE ${w} GROUP BY 1`);
  const users = r.campaign === null ? ", count(DISTINCT coalesce(user_id, anonymous_id))" : "";
  const geo = async (col: string) => (await sql(`SELECT coalesce(${col}, '(none)'), count(*), coalesce(sum(revenue), 0)${users} FROM events WHERE ${w} GROUP BY 1`))
    .map((row) => ({ [col]: row[0] as string, events: Number(row[1]), revenue: r6(row[2]), ...(users ? { uv: Number(row[3]) } : {}) }));
  const devices = await geo("device");
  const deviceEvents = devices.reduce((s, d) => s + d.events, 0);
  const items = await sql(`SELECT item_id, count(*) FILTER (WHERE type IN ('page_view', 'view_item')) AS views, count(*) FILTER (WHERE type = 'add_to_cart'), count(*) FILTER (WHERE type = 'purchase'), coalesce(sum(revenue), 0) FROM events WHERE ${w} AND item_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`);
  const reasons = await sql(`SELECT code, count(*) FROM _dead_letters WHERE table_name = 'events' GROUP BY 1`);
  const [[late]] = (await sql(`SELECT count(*) FILTER (WHERE epoch_ms(received_at) - epoch_ms(ts) > 60000) FROM events`)) as [[number]];
  const [[received]] = (await sql(`SELECT count(*) FROM events WHERE received_at >= epoch_ms(${r.to - 2 * MIN}::BIGINT) AND received_at < epoch_ms(${r.to - MIN}::BIGINT)`)) as [[number]];
  const sum = (i: number) => perMinute.reduce((s, p) => s + p[i]!, 0);
  const revenue = camp.reduce((s, c) => s + Number(c[1]), 0), cost = camp.reduce((s, c) => s + Number(c[2]), 0);
  return {
    kpis: {
      pv_total: sum(1), uv_this_minute: perMinute[perMinute.length - 1]![2]!, conversions_total: sum(3), revenue_total: r6(sum(4)),
      roas: ratio(revenue, cost), events_per_s: r6(Number(received) / 60),
    },
    traffic: { points: perMinute.map((p) => [p[0], p[1], p[2]]), pv_total: sum(1) },
    conversions: { points: perMinute.map((p) => [p[0], p[3], r6(p[4])]), conversions_total: sum(3), revenue_total: r6(sum(4)) },
    throughput: { eventsPerMinute: events, events_total: events.reduce((s, p) => s + p[1]!, 0) },
    campaigns: camp.map((c) => {
      const [name, rev, cst, conv, clicks, imps] = [c[0] as string, Number(c[1]), Number(c[2]), Number(c[3]), Number(c[4]), Number(c[5])];
      return { campaign: name, revenue: r6(rev), cost: r6(cst), conversions: conv, ctr: ratio(clicks, imps), cvr: ratio(conv, clicks), roi: ratio(rev - cst, cst), roas: ratio(rev, cst) };
    }).sort(byKey("campaign")),
    countries: (await geo("country")).sort(byKey("country")),
    devices: devices.map((d) => ({ ...d, share: ratio(d.events, deviceEvents) })).sort(byKey("device")),
    topItems: items.map((i) => ({ item_id: i[0] as string, views: Number(i[1]), carts: Number(i[2]), purchases: Number(i[3]), revenue: r6(i[4]) })),
    quality: { reasons: reasons.map((x) => ({ reason: x[0] as string, count: Number(x[1]) })).sort(byKey("reason")), late_total: Number(late) },
  };
}

type Row = Record<string, unknown>;
const round = (row: Row): Row => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "number" ? r6(v) : v]));

/** The same parts of what the page shows (read-board.js's answer), in the same order and rounding. */
export function shownBoard(b: any) {
  const f = (x: Record<string, number | null>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, r6(x[k])]));
  return {
    kpis: f(b.kpis, ["pv_total", "uv_this_minute", "conversions_total", "revenue_total", "roas", "events_per_s"]),
    traffic: { points: b.traffic.points, pv_total: b.traffic.figures.pv_total },
    conversions: { points: b.conversions.points.map((p: number[]) => [p[0], p[1], r6(p[2])]), conversions_total: b.conversions.figures.conversions_total, revenue_total: r6(b.conversions.figures.revenue_total) },
    throughput: { eventsPerMinute: b.throughput.points.map((p: number[]) => [p[0], Math.round(p[1]! * 60)]), events_total: b.throughput.figures.events_total },
    campaigns: b.campaigns.map(round).sort(byKey("campaign")),
    countries: b.countries.map(round).sort(byKey("country")),
    devices: b.devices.map(round).sort(byKey("device")),
    topItems: b.topItems.map(round),
    quality: { reasons: b.quality.reasons.map(round).sort(byKey("reason")), late_total: b.quality.figures.late_total },
  };
}
