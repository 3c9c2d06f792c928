// Live alerts: every alert rule with its severity, metric, state (inactive, pending, firing), since
// when, and the last value evaluated; firing rules first. The table region is aria-live, so a
// screen reader hears a rule start firing.

import { h, renderTable, type Column } from "../dom.ts";
import { fmtClock, fmtRate } from "../format.ts";
import { panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import type { AlertRow, Snapshot } from "../snapshot.ts";

const RANK: Record<string, number> = { firing: 0, pending: 1 };

// Severity and metric ride in the rule's cell (badge, then the metric in small type): a narrow
// panel then still shows state, since and value without scrolling.
const COLUMNS: Column<AlertRow>[] = [
  {
    key: "rule", label: "Rule · metric", value: (r) => r.rule, data: (r) => ({ severity: r.severity, metric: r.metric }),
    text: (r) => h("span", {}, h("span", { class: `sev sev-${r.severity}`, title: "severity" }, r.severity), ` ${r.rule}`, h("span", { class: "sub" }, ` · ${r.metric}`)),
  },
  { key: "state", label: "State", value: (r) => r.state, text: (r) => h("span", { class: `state-${r.state}` }, r.state) },
  { key: "since", label: "Since", value: (r) => r.since, text: (r) => (r.since === null ? "—" : fmtClock(r.since)) },
  { key: "value", label: "Value", numeric: true, value: (r) => r.value, text: (r) => fmtRate(r.value) },
];

export function alertsPanel(): Panel {
  const p = panelParts("alerts");
  return {
    name: "alerts",
    root: p.root,
    slice: (s) => s.alerts,
    render(s: Snapshot) {
      const rows = [...s.alerts].sort((a, b) => (RANK[a.state] ?? 2) - (RANK[b.state] ?? 2) || a.rule.localeCompare(b.rule));
      renderTable(p.table!, COLUMNS, rows, (r) => r.rule, "Alert rules and states", "No alert rules defined (POST /v1/alerts).");
      p.root.dataset.firing = String(rows.filter((r) => r.state === "firing").length);
      setPanelState(p, rows.length === 0 ? "empty" : "ready");
    },
  };
}
