// Traffic: page views and unique visitors per minute over the range, as two lines on a time axis,
// with the range's page-view total, this minute's figures (the last point, still filling) and the
// peak. UV is per minute only: users repeat across minutes, so minutes' UVs never add up.

import { baseOption, grid, legend, mountChart, timeAxis, valueAxis, type Chart } from "../charts.ts";
import { renderFigures } from "../dom.ts";
import { fmtInt, fmtRange } from "../format.ts";
import { describeChart, panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import { lastPoint, maxPoints, sumPoints, type Snapshot } from "../snapshot.ts";

export function trafficPanel(): Panel {
  const p = panelParts("traffic");
  let chart: Chart | null = null;
  return {
    name: "traffic",
    root: p.root,
    slice: (s) => s.traffic,
    render(s: Snapshot) {
      const pts = s.traffic.points;
      chart ??= mountChart(p.chart!);
      chart.setOption({
        ...baseOption(), grid: grid(), legend: legend(), xAxis: timeAxis(), yAxis: valueAxis("per minute"),
        tooltip: { trigger: "axis" },
        series: [
          { name: "Page views (views/min)", type: "line", showSymbol: false, areaStyle: { opacity: 0.12 }, data: pts.map((q) => [q[0], q[1]]) },
          { name: "Unique visitors (users/min)", type: "line", showSymbol: false, data: pts.map((q) => [q[0], q[2]]) },
        ],
      });
      const total = sumPoints(pts, 1), pvNow = lastPoint(pts, 1), uvNow = lastPoint(pts, 2), peak = maxPoints(pts, 1);
      renderFigures(p.figures!, [
        { id: "pv_total", label: `Page views, ${fmtRange(s.range.minutes)}`, value: total, text: fmtInt(total), unit: "views" },
        { id: "pv_this_minute", label: "this minute", value: pvNow, text: fmtInt(pvNow), unit: "views/min" },
        { id: "uv_this_minute", label: "Unique visitors this minute", value: uvNow, text: fmtInt(uvNow), unit: "users/min" },
        { id: "pv_peak", label: "Peak", value: peak, text: fmtInt(peak), unit: "views/min" },
      ]);
      p.root.dataset.points = JSON.stringify(pts);
      describeChart(p, `Page views and unique visitors per minute, ${fmtRange(s.range.minutes)}: ${fmtInt(total)} page views in total, peak ${fmtInt(peak)} views per minute.`);
      setPanelState(p, "ready");
    },
  };
}
