// Ingest throughput: events per second of each minute by event time (all campaigns: the server
// does not filter this series), and the rate received in the last full minute by receive time
// (data quality's counter), which is what the ingest path is doing right now.

import { baseOption, grid, mountChart, timeAxis, valueAxis, type Chart } from "../charts.ts";
import { renderFigures } from "../dom.ts";
import { fmtInt, fmtRange, fmtRate } from "../format.ts";
import { describeChart, panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import { maxPoints, sumPoints, type Snapshot } from "../snapshot.ts";

export function throughputPanel(): Panel {
  const p = panelParts("throughput");
  let chart: Chart | null = null;
  return {
    name: "throughput",
    root: p.root,
    slice: (s) => [s.throughput, s.quality.events_per_s],
    render(s: Snapshot) {
      const pts = s.throughput.points;
      chart ??= mountChart(p.chart!);
      chart.setOption({
        ...baseOption(), grid: grid({ right: 12 }), xAxis: timeAxis(), yAxis: valueAxis("events/s", { minInterval: 0 }),
        tooltip: { trigger: "axis" },
        series: [{ name: "Events per second (by event time)", type: "line", showSymbol: false, areaStyle: { opacity: 0.2 }, data: pts.map((q) => [q[0], q[1]]) }],
      });
      // Each point is a minute's events over 60 s: the range's events are the rates times 60.
      const events = Math.round(sumPoints(pts, 1) * 60), peak = maxPoints(pts, 1);
      renderFigures(p.figures!, [
        { id: "received_per_s", label: "Received, last minute", value: s.quality.events_per_s, text: fmtRate(s.quality.events_per_s), unit: "events/s" },
        { id: "peak_per_s", label: "Peak", value: peak, text: fmtRate(peak), unit: "events/s" },
        { id: "events_total", label: `Events, ${fmtRange(s.range.minutes)}`, value: events, text: fmtInt(events), unit: "events (all campaigns)" },
      ]);
      p.root.dataset.points = JSON.stringify(pts);
      describeChart(p, `Ingest throughput by event time, ${fmtRange(s.range.minutes)}: peak ${fmtRate(peak)} events per second; ${fmtRate(s.quality.events_per_s)} events per second received in the last minute.`);
      setPanelState(p, "ready");
    },
  };
}
