// Conversions and revenue per minute: conversions as bars on the left axis, revenue as a line on
// the right axis (in the events' own currency: the server does not convert), with the range totals
// and this minute's figures.

import { baseOption, grid, legend, mountChart, timeAxis, valueAxis, type Chart } from "../charts.ts";
import { renderFigures } from "../dom.ts";
import { fmtInt, fmtMoney, fmtRange } from "../format.ts";
import { describeChart, panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import { lastPoint, sumPoints, type Snapshot } from "../snapshot.ts";

export function conversionsPanel(): Panel {
  const p = panelParts("conversions");
  let chart: Chart | null = null;
  return {
    name: "conversions",
    root: p.root,
    slice: (s) => s.conversions,
    render(s: Snapshot) {
      const pts = s.conversions.points;
      chart ??= mountChart(p.chart!);
      chart.setOption({
        ...baseOption(), grid: grid(), legend: legend(), xAxis: timeAxis(),
        yAxis: [valueAxis("conversions/min"), valueAxis("revenue/min", { minInterval: 0, splitLine: { show: false } })],
        tooltip: { trigger: "axis" },
        series: [
          { name: "Conversions (per min)", type: "bar", yAxisIndex: 0, data: pts.map((q) => [q[0], q[1]]) },
          { name: "Revenue (currency/min)", type: "line", yAxisIndex: 1, showSymbol: false, data: pts.map((q) => [q[0], q[2]]) },
        ],
      });
      const conv = sumPoints(pts, 1), revenue = sumPoints(pts, 2), convNow = lastPoint(pts, 1), revNow = lastPoint(pts, 2);
      renderFigures(p.figures!, [
        { id: "conversions_total", label: `Conversions, ${fmtRange(s.range.minutes)}`, value: conv, text: fmtInt(conv), unit: "conversions" },
        { id: "revenue_total", label: "Revenue", value: revenue, text: fmtMoney(revenue), unit: "currency units" },
        { id: "conversions_this_minute", label: "this minute", value: convNow, text: fmtInt(convNow), unit: "conv./min" },
        { id: "revenue_this_minute", label: "Revenue this minute", value: revNow, text: fmtMoney(revNow), unit: "currency/min" },
      ]);
      p.root.dataset.points = JSON.stringify(pts);
      describeChart(p, `Conversions and revenue per minute, ${fmtRange(s.range.minutes)}: ${fmtInt(conv)} conversions, revenue ${fmtMoney(revenue)}.`);
      setPanelState(p, "ready");
    },
  };
}
