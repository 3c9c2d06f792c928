// Devices: each device's share of the range's events as a donut, and a table of events, share,
// revenue and unique visitors per device.

import { baseOption, legend, mountChart, type Chart } from "../charts.ts";
import { renderTable, type Column } from "../dom.ts";
import { fmtInt, fmtMoney, fmtPct, fmtRange } from "../format.ts";
import { describeChart, panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import type { DeviceRow, Snapshot } from "../snapshot.ts";

export function devicesPanel(): Panel {
  const p = panelParts("devices");
  let chart: Chart | null = null;
  return {
    name: "devices",
    root: p.root,
    slice: (s) => s.devices,
    render(s: Snapshot) {
      const total = s.devices.reduce((a, d) => a + (d.events ?? 0), 0);
      const share = (d: DeviceRow) => (total === 0 ? null : (d.events ?? 0) / total);
      chart ??= mountChart(p.chart!);
      chart.setOption({
        ...baseOption(), tooltip: { trigger: "item" }, legend: legend({ orient: "vertical", left: 0, top: "middle" }),
        series: [{
          name: "Events by device", type: "pie", radius: ["42%", "78%"], center: ["64%", "50%"],
          label: { position: "inside", color: "#04121a", fontWeight: 700, textBorderWidth: 0, formatter: (x: { percent: number }) => (x.percent >= 6 ? `${x.percent.toFixed(0)} %` : "") },
          data: s.devices.map((d) => ({ name: d.device, value: d.events })),
        }],
      });
      const cols: Column<DeviceRow>[] = [
        { key: "device", label: "Device", value: (r) => r.device },
        { key: "events", label: "Events", numeric: true, value: (r) => r.events, text: (r) => fmtInt(r.events) },
        { key: "share", label: "Share (%)", numeric: true, value: share, text: (r) => fmtPct(share(r)) },
        { key: "revenue", label: "Revenue", numeric: true, value: (r) => r.revenue, text: (r) => fmtMoney(r.revenue) },
      ];
      if (s.devices.some((d) => d.uv !== undefined)) cols.push({ key: "uv", label: "Users", numeric: true, value: (r) => r.uv ?? null, text: (r) => fmtInt(r.uv) });
      renderTable(p.table!, cols, s.devices, (r) => r.device, `Events by device, ${fmtRange(s.range.minutes)}`, "No events in this range.");
      describeChart(p, `Share of events by device: ${s.devices.map((d) => `${d.device} ${fmtPct(share(d))}`).join(", ") || "no events"}.`);
      setPanelState(p, s.devices.length === 0 ? "empty" : "ready");
    },
  };
}
