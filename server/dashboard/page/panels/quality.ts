// Data quality: rejections and late events in the last full minute and since the server started,
// late events as the rollups count them, the ingest lag when the server reports one, how fresh the
// snapshot is, derived-state failures, and rejections by reason (dead-letter codes).

import { renderFigures, renderTable, type Column } from "../dom.ts";
import { fmtClock, fmtDuration, fmtInt } from "../format.ts";
import { panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import type { Snapshot } from "../snapshot.ts";

type Reason = [string, number];

const COLUMNS: Column<Reason>[] = [
  { key: "reason", label: "Rejection reason", value: (r) => r[0] },
  { key: "count", label: "Rejected (events, total)", numeric: true, value: (r) => r[1], text: (r) => fmtInt(r[1]) },
];

export function qualityPanel(): Panel {
  const p = panelParts("quality");
  return {
    name: "quality",
    root: p.root,
    slice: (s) => [s.quality, s.at],
    render(s: Snapshot) {
      const q = s.quality;
      const lag = q.lag_ms ?? null;
      renderFigures(p.figures!, [
        { id: "rejected_last_minute", label: "Rejected, last min", value: q.rejected_last_minute, text: fmtInt(q.rejected_last_minute), unit: "events" },
        { id: "late_last_minute", label: "Late, last min", value: q.late_last_minute, text: fmtInt(q.late_last_minute), unit: "events" },
        { id: "late_total", label: "Late, total", value: q.late_total, text: fmtInt(q.late_total), unit: "events" },
        { id: "rollup_late_events", label: "Late for rollups", value: q.rollup_late_events, text: fmtInt(q.rollup_late_events), unit: "events" },
        { id: "lag", label: "Ingest lag", value: lag, text: lag === null ? "not reported" : fmtDuration(lag) },
        { id: "as_of", label: "Data as of", value: s.at, text: fmtClock(s.at) },
        { id: "derived_failures", label: "Derived state", value: q.derived_failures.length, text: q.derived_failures.length === 0 ? "ok" : `failing: ${q.derived_failures.join(", ")}` },
      ]);
      const reasons = Object.entries(q.rejected_by_reason).sort((a, b) => b[1] - a[1]);
      renderTable(p.table!, COLUMNS, reasons, (r) => r[0], "Rejections by reason since start", "No rejected events.");
      p.root.dataset.problems = String(q.rejected_last_minute + q.late_last_minute + q.derived_failures.length);
      setPanelState(p, "ready");
    },
  };
}
