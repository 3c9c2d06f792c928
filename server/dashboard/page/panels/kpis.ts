// The key figures across the top of the board: the range's page views, conversions, revenue and
// ROAS, this minute's unique visitors, the rate received now, and how many alerts fire. Each card
// states its unit and carries its exact value in data-value.

import { dataValue, h } from "../dom.ts";
import { fmtInt, fmtMoney, fmtRange, fmtRate, fmtTimes } from "../format.ts";
import type { Panel } from "../panel-frame.ts";
import { campaignTotals, lastPoint, sumPoints, type Snapshot } from "../snapshot.ts";

interface Kpi { id: string; label: string; value: number | null; text: string; unit: string }

function kpis(s: Snapshot): Kpi[] {
  const range = fmtRange(s.range.minutes);
  const pv = sumPoints(s.traffic.points, 1), uv = lastPoint(s.traffic.points, 2);
  const conv = sumPoints(s.conversions.points, 1), revenue = sumPoints(s.conversions.points, 2);
  const totals = campaignTotals(s.campaigns);
  const firing = s.alerts.filter((a) => a.state === "firing").length;
  return [
    { id: "pv_total", label: `Page views · ${range}`, value: pv, text: fmtInt(pv), unit: "views" },
    { id: "uv_this_minute", label: "Unique visitors · this minute", value: uv, text: fmtInt(uv), unit: "users" },
    { id: "conversions_total", label: `Conversions · ${range}`, value: conv, text: fmtInt(conv), unit: "conv." },
    { id: "revenue_total", label: `Revenue · ${range}`, value: revenue, text: fmtMoney(revenue), unit: "currency" },
    { id: "roas", label: `ROAS · ${range}`, value: totals.roas, text: fmtTimes(totals.roas), unit: "revenue/cost" },
    { id: "events_per_s", label: "Ingest · last minute", value: s.quality.events_per_s, text: fmtRate(s.quality.events_per_s), unit: "events/s" },
    { id: "alerts_firing", label: "Alerts firing", value: firing, text: fmtInt(firing), unit: `of ${s.alerts.length} rules` },
  ];
}

export function kpisPanel(root: HTMLElement): Panel {
  root.dataset.state = "loading";
  return {
    name: "kpis",
    root,
    slice: (s) => kpis(s),
    render(s: Snapshot) {
      root.replaceChildren(...kpis(s).map((k) => h("div", { class: "kpi", "data-figure": k.id, "data-value": dataValue(k.value), "data-state": k.id === "alerts_firing" && k.value ? "alert" : undefined },
        h("div", { class: "kpi-label" }, k.label),
        h("div", { class: "kpi-value" }, k.text, h("span", { class: "kpi-unit" }, k.unit)))));
      root.dataset.state = "ready";
    },
  };
}
