// Countries (and regions when the server sends them): events per country as horizontal bars for
// the ten largest, and a table of every country's events, revenue and unique visitors.

import { hbarOption, mountChart, type Chart } from "../charts.ts";
import { renderTable, type Column } from "../dom.ts";
import { fmtInt, fmtMoney, fmtRange } from "../format.ts";
import { describeChart, panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import type { CountryRow, Snapshot } from "../snapshot.ts";

const CHART_ROWS = 10;

function columns(rows: readonly CountryRow[]): Column<CountryRow>[] {
  const cols: Column<CountryRow>[] = [{ key: "country", label: "Country", value: (r) => r.country }];
  if (rows.some((r) => r.region !== undefined)) cols.push({ key: "region", label: "Region", value: (r) => r.region ?? null });
  cols.push(
    { key: "events", label: "Events", numeric: true, value: (r) => r.events, text: (r) => fmtInt(r.events) },
    { key: "revenue", label: "Revenue", numeric: true, value: (r) => r.revenue, text: (r) => fmtMoney(r.revenue) },
  );
  if (rows.some((r) => r.uv !== undefined)) cols.push({ key: "uv", label: "Users", numeric: true, value: (r) => r.uv ?? null, text: (r) => fmtInt(r.uv) });
  return cols;
}

const label = (r: CountryRow) => (r.region ? `${r.country} / ${r.region}` : r.country);

export function countriesPanel(): Panel {
  const p = panelParts("countries");
  let chart: Chart | null = null;
  return {
    name: "countries",
    root: p.root,
    slice: (s) => s.countries,
    render(s: Snapshot) {
      const top = s.countries.slice(0, CHART_ROWS).reverse();
      chart ??= mountChart(p.chart!);
      chart.setOption(hbarOption(top.map(label), top.map((r) => r.events), "events", fmtInt));
      renderTable(p.table!, columns(s.countries), s.countries, label, `Events by country, ${fmtRange(s.range.minutes)}`, "No events in this range.");
      const first = s.countries[0];
      describeChart(p, first ? `Events by country; most from ${label(first)} with ${fmtInt(first.events)} events.` : "No events by country in this range.");
      setPanelState(p, s.countries.length === 0 ? "empty" : "ready");
    },
  };
}
