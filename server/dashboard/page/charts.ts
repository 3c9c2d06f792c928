// ECharts for the page, tree-shaken: only the chart types and components the panels use are
// registered (echarts/core + use()), so the bundle carries no maps, no 3D, no SVG renderer.
// One dark theme for every chart; font sizes follow the root font size, which the stylesheet scales
// with the viewport, so a wall screen and a laptop both get readable axes. Charts resize with
// their box (ResizeObserver) and are updated in place: setOption merges (notMerge false).

import * as echarts from "echarts/core";
import { BarChart, FunnelChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { fmtAxis, fmtMinute } from "./format.ts";

echarts.use([LineChart, BarChart, PieChart, FunnelChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type Chart = echarts.EChartsType;
export type ChartOption = echarts.EChartsCoreOption;

export const PALETTE = ["#4cc9f0", "#f72585", "#7bd389", "#ffd166", "#b388ff", "#ff8c42", "#06d6a0", "#ef476f", "#8ecae6", "#c77dff"];
const TEXT = "#c9d4e3", MUTED = "#9aa7b8", LINE = "#2a3850", SPLIT = "#1c2536";

const reducedMotion = typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;

/** The root font size in px (the stylesheet scales it with the viewport). */
export function fontPx(): number {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
}

echarts.registerTheme("caracal", {
  color: PALETTE,
  backgroundColor: "transparent",
  textStyle: { color: TEXT },
  legend: { textStyle: { color: TEXT } },
  tooltip: { backgroundColor: "#0e1420", borderColor: LINE, textStyle: { color: TEXT } },
});

export function mountChart(el: HTMLElement): Chart {
  const chart = echarts.init(el, "caracal", { renderer: "canvas" });
  new ResizeObserver(() => chart.resize()).observe(el);
  return chart;
}

/** Options every chart shares: fonts, animation, tooltip. */
export function baseOption(): ChartOption {
  const f = fontPx();
  return {
    animation: !reducedMotion, animationDurationUpdate: 300,
    textStyle: { fontSize: f * 0.9, color: TEXT },
    tooltip: { confine: true, textStyle: { fontSize: f * 0.9 } },
  };
}

/** A grid with room for axis names on both sides. */
export function grid(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const f = fontPx();
  return { left: f * 3.6, right: f * 3.6, top: f * 2.4, bottom: f * 1.8, ...extra };
}

export function timeAxis(): Record<string, unknown> {
  const f = fontPx();
  return {
    type: "time", axisLine: { lineStyle: { color: LINE } }, splitLine: { show: false },
    axisLabel: { color: MUTED, fontSize: f * 0.85, hideOverlap: true, formatter: (v: number) => fmtMinute(v) },
  };
}

/** A value axis whose name states the unit ("views/min", "events/s"). */
export function valueAxis(unit: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const f = fontPx();
  return {
    type: "value", name: unit, nameTextStyle: { color: MUTED, fontSize: f * 0.85 }, minInterval: 1,
    axisLine: { show: false }, splitLine: { lineStyle: { color: SPLIT } },
    axisLabel: { color: MUTED, fontSize: f * 0.85, hideOverlap: true, formatter: (v: number) => fmtAxis(v) }, ...extra,
  };
}

export function categoryAxis(names: readonly string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const f = fontPx();
  return {
    type: "category", data: names, axisLine: { lineStyle: { color: LINE } }, axisTick: { show: false },
    axisLabel: { color: TEXT, fontSize: f * 0.85, width: f * 7, overflow: "truncate" }, ...extra,
  };
}

/** Value labels on bars: plain text, no outline (ECharts draws one by default). */
export function barLabel(formatter: (x: { value: number | null }) => string): Record<string, unknown> {
  return { show: true, position: "right", color: TEXT, fontSize: fontPx() * 0.85, textBorderWidth: 0, formatter };
}

export function legend(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { top: 0, left: "center", itemWidth: 14, itemHeight: 8, textStyle: { color: TEXT, fontSize: fontPx() * 0.85 }, ...extra };
}

/** Horizontal bars, one per name, labelled with their values; the value axis names the unit below. */
export function hbarOption(names: readonly string[], values: readonly (number | null)[], unit: string, fmt: (v: number | null) => string): ChartOption {
  const f = fontPx();
  return {
    ...baseOption(), grid: { left: 4, right: f * 4.5, top: 4, bottom: f * 2.4, containLabel: true },
    xAxis: valueAxis(unit, { minInterval: 0, nameLocation: "middle", nameGap: f * 1.6 }),
    yAxis: categoryAxis(names),
    series: [{ name: unit, type: "bar", barMaxWidth: f * 1.6, data: values, label: barLabel((x) => fmt(x.value)) }],
  };
}
