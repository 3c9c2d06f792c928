// Campaigns: ROAS per campaign as bars (the ten with the most revenue) beside a table of every
// campaign's revenue, cost, conversions, CTR, CVR, ROI and ROAS over the range. Ratios the server
// could not compute (no cost, no clicks) stay empty, never 0.

import { hbarOption, mountChart, type Chart } from "../charts.ts";
import { renderTable, type Column } from "../dom.ts";
import { fmtInt, fmtMoney, fmtPct, fmtRange, fmtTimes } from "../format.ts";
import { describeChart, panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import type { CampaignRow, Snapshot } from "../snapshot.ts";

const CHART_ROWS = 10;

const COLUMNS: Column<CampaignRow>[] = [
  { key: "campaign", label: "Campaign", value: (r) => r.campaign },
  { key: "revenue", label: "Revenue", numeric: true, value: (r) => r.revenue, text: (r) => fmtMoney(r.revenue) },
  { key: "cost", label: "Cost", numeric: true, value: (r) => r.cost, text: (r) => fmtMoney(r.cost) },
  { key: "conversions", label: "Conv.", numeric: true, value: (r) => r.conversions, text: (r) => fmtInt(r.conversions) },
  { key: "ctr", label: "CTR %", numeric: true, value: (r) => r.ctr, text: (r) => fmtPct(r.ctr) },
  { key: "cvr", label: "CVR %", numeric: true, value: (r) => r.cvr, text: (r) => fmtPct(r.cvr) },
  { key: "roi", label: "ROI %", numeric: true, value: (r) => r.roi, text: (r) => fmtPct(r.roi) },
  { key: "roas", label: "ROAS ×", numeric: true, value: (r) => r.roas, text: (r) => fmtTimes(r.roas) },
];

export function campaignsPanel(): Panel {
  const p = panelParts("campaigns");
  let chart: Chart | null = null;
  return {
    name: "campaigns",
    root: p.root,
    slice: (s) => s.campaigns,
    render(s: Snapshot) {
      const top = s.campaigns.slice(0, CHART_ROWS).reverse();
      chart ??= mountChart(p.chart!);
      chart.setOption(hbarOption(top.map((c) => c.campaign), top.map((c) => c.roas), "ROAS (×)", fmtTimes));
      renderTable(p.table!, COLUMNS, s.campaigns, (r) => r.campaign, `Campaigns, ${fmtRange(s.range.minutes)}`, "No campaign events in this range.");
      const best = s.campaigns.filter((c) => c.roas !== null).sort((a, b) => b.roas! - a.roas!)[0];
      describeChart(p, best ? `ROAS by campaign; highest ${best.campaign} at ${fmtTimes(best.roas)}.` : "ROAS by campaign: no campaign has cost in this range.");
      setPanelState(p, s.campaigns.length === 0 ? "empty" : "ready");
    },
  };
}
