// The funnel: users reaching each step, drawn as a funnel, with each step's conversion from the
// previous step and from the first, and the time to convert (p50/p90/p99). The snapshot carries a
// funnel only when one is configured on the server; without it the panel says so.

import { baseOption, mountChart, type Chart } from "../charts.ts";
import { h, renderFigures, renderTable, type Column } from "../dom.ts";
import { fmtDuration, fmtInt, fmtPct } from "../format.ts";
import { describeChart, panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import type { FunnelStep, Snapshot } from "../snapshot.ts";

const COLUMNS: Column<FunnelStep>[] = [
  { key: "name", label: "Step", value: (r) => r.name },
  { key: "users", label: "Users", numeric: true, value: (r) => r.users, text: (r) => fmtInt(r.users) },
  { key: "conversion_from_previous", label: "vs prev. %", numeric: true, value: (r) => r.conversion_from_previous, text: (r) => fmtPct(r.conversion_from_previous) },
  { key: "conversion_from_first", label: "vs first %", numeric: true, value: (r) => r.conversion_from_first, text: (r) => fmtPct(r.conversion_from_first) },
];

export function funnelPanel(): Panel {
  const p = panelParts("funnel");
  let chart: Chart | null = null;
  return {
    name: "funnel",
    root: p.root,
    slice: (s) => s.funnel ?? null,
    render(s: Snapshot) {
      const f = s.funnel;
      if (!f) {
        p.table!.replaceChildren(h("p", { class: "not-configured", "data-testid": "funnel-not-configured" }, "Funnel not configured: the server sends no funnel for this dashboard."));
        p.figures!.replaceChildren();
        setPanelState(p, "not-configured");
        return;
      }
      setPanelState(p, f.steps.length === 0 ? "empty" : "ready");
      chart ??= mountChart(p.chart!);
      chart.setOption({
        ...baseOption(),
        series: [{
          name: f.name, type: "funnel", sort: "none", gap: 2, left: 4, right: 4, top: 4, bottom: 4, minSize: "8%",
          label: { position: "inside", formatter: (x: { name: string; value: number }) => `${x.name}: ${fmtInt(x.value)} users` },
          data: f.steps.map((st) => ({ name: st.name, value: st.users })),
        }],
      });
      renderTable(p.table!, COLUMNS, f.steps, (r) => r.name, `Funnel ${f.name}`, "The funnel has no steps.");
      const t = f.time_to_convert_ms;
      renderFigures(p.figures!, t ? [
        { id: "ttc_p50", label: "Time to convert p50", value: t.p50, text: fmtDuration(t.p50) },
        { id: "ttc_p90", label: "p90", value: t.p90, text: fmtDuration(t.p90) },
        { id: "ttc_p99", label: "p99", value: t.p99, text: fmtDuration(t.p99) },
      ] : [{ id: "ttc", label: "Time to convert", value: null, text: "no conversions yet" }]);
      const last = f.steps[f.steps.length - 1];
      describeChart(p, `Funnel ${f.name}: ${f.steps.length} steps; ${last ? `${fmtPct(last.conversion_from_first)} of users reach ${last.name}` : "no steps"}.`);
    },
  };
}
