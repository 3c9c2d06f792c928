// The SQL console: runs the textarea's SQL (button, or Ctrl/Cmd+Enter) with POST /v1/sql, shows the
// rows as a table (the first ROWS_SHOWN) and as a chart (sql-result.ts decides which), and downloads
// the same query as CSV or Parquet (a POST with the format, saved from a blob, since the key must
// travel in a header). Errors show their code and message with the failing position marked in the
// SQL and the caret moved there. The tables list (GET /v1/tables) inserts a starter query.

import { ApiError, type ApiClient } from "./api-client.ts";
import { baseOption, categoryAxis, grid, legend, mountChart, timeAxis, valueAxis, type Chart } from "./charts.ts";
import { h } from "./dom.ts";
import { fmtInt } from "./format.ts";
import { cellText, chartSpec, errorSpan, isNumericType, type ChartKind, type SqlResultJson } from "./sql-result.ts";

export const ROWS_SHOWN = 1000;

interface ConsoleEls {
  text: HTMLTextAreaElement; run: HTMLButtonElement; kind: HTMLSelectElement; csv: HTMLButtonElement; parquet: HTMLButtonElement;
  status: HTMLElement; error: HTMLElement; result: HTMLElement; chart: HTMLElement; tables: HTMLElement;
}

export function sqlConsole(api: ApiClient, e: ConsoleEls, onAuth: (message: string) => void): { loadTables(): Promise<void> } {
  let chart: Chart | null = null;
  let last: SqlResultJson | null = null;

  const showError = (err: unknown, sql: string) => {
    const a = err instanceof ApiError ? err : null;
    const head = h("strong", {}, a ? a.code : "error");
    const parts: (Node | string)[] = [head, h("span", { class: "sql-error-message" }, `: ${a ? a.message : (err as Error).message}`)];
    if (a?.position !== null && a?.position !== undefined) {
      const s = errorSpan(sql, a.position);
      parts.push(h("div", {}, `at line ${s.line}, column ${s.column}`),
        h("pre", { "data-testid": "sql-error-sql" }, s.before, h("mark", { "data-position": a.position }, s.marked), s.after));
      e.text.focus();
      e.text.setSelectionRange(s.before.length, s.before.length + s.marked.trim().length);
    }
    e.error.replaceChildren(...parts);
    e.error.hidden = false;
  };

  const drawChart = (r: SqlResultJson) => {
    const spec = chartSpec(r, e.kind.value as ChartKind);
    e.chart.hidden = spec === null;
    if (spec === null) return;
    chart ??= mountChart(e.chart);
    const rows = r.rows.slice(0, spec.rows);
    const xName = r.columns[spec.x]!.name;
    const series = spec.ys.map((i) => ({
      name: r.columns[i]!.name, type: spec.type, showSymbol: rows.length <= 60, connectNulls: true,
      data: spec.time ? rows.map((row) => [Date.parse(String(row[spec.x])), row[i]]) : rows.map((row) => row[i]),
    }));
    chart.setOption({
      ...baseOption(), grid: grid(), legend: legend(), tooltip: { trigger: "axis" },
      xAxis: spec.time ? timeAxis() : categoryAxis(rows.map((row) => cellText(row[spec.x])), { name: xName }),
      yAxis: valueAxis(spec.ys.length === 1 ? r.columns[spec.ys[0]!]!.name : "value", { minInterval: 0 }), series,
    }, { notMerge: true });
    e.chart.setAttribute("aria-label", `${spec.type} chart of ${spec.ys.map((i) => r.columns[i]!.name).join(", ")} by ${xName}, ${rows.length} rows`);
  };

  const drawTable = (r: SqlResultJson) => {
    const shown = r.rows.slice(0, ROWS_SHOWN);
    const numeric = r.columns.map((c) => isNumericType(c.type));
    const head = h("tr", {}, ...r.columns.map((c, i) => h("th", { scope: "col", class: numeric[i] ? "num" : undefined }, c.name, h("span", { class: "unit-inline" }, ` ${c.type}`))));
    const body = shown.map((row) => h("tr", {}, ...row.map((v, i) => h("td", { class: numeric[i] ? "num" : undefined }, cellText(v)))));
    e.result.replaceChildren(h("table", { "data-rows": r.rows.length }, h("caption", { class: "sr-only" }, "Query result"), h("thead", {}, head), h("tbody", {}, ...body)));
  };

  const run = async () => {
    const sql = e.text.value;
    if (sql.trim() === "") return;
    e.error.hidden = true;
    e.status.textContent = "Running…";
    e.run.disabled = true;
    const t0 = performance.now();
    try {
      const r = await api.json<SqlResultJson>("/v1/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql, format: "json" }) });
      last = r;
      drawTable(r);
      drawChart(r);
      const st = r.stats;
      e.status.textContent = `${fmtInt(r.rows.length)} rows${r.rows.length > ROWS_SHOWN ? ` (first ${fmtInt(ROWS_SHOWN)} shown)` : ""} · ${st ? `${st.engine} engine, ${st.elapsed_ms} ms on the server, ${fmtInt(st.rows_scanned)} rows scanned` : `${Math.round(performance.now() - t0)} ms`}`;
    } catch (err) {
      e.status.textContent = "Failed.";
      if (err instanceof ApiError && err.status === 401) onAuth(err.message);
      showError(err, sql);
    } finally {
      e.run.disabled = false;
    }
  };

  const download = async (format: "csv" | "parquet") => {
    const sql = e.text.value;
    e.status.textContent = `Preparing ${format.toUpperCase()}…`;
    try {
      const res = await api.fetch("/v1/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql, format }) });
      const url = URL.createObjectURL(await res.blob());
      const a = h("a", { href: url, download: `caracal-result.${format}` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      e.status.textContent = `Downloaded caracal-result.${format} (${res.headers.get("x-caracal-rows") ?? "?"} rows).`;
    } catch (err) {
      e.status.textContent = "Download failed.";
      showError(err, sql);
    }
  };

  e.run.addEventListener("click", () => void run());
  e.text.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); void run(); }
  });
  e.kind.addEventListener("change", () => { if (last) drawChart(last); });
  e.csv.addEventListener("click", () => void download("csv"));
  e.parquet.addEventListener("click", () => void download("parquet"));

  const loadTables = async () => {
    try {
      const r = await api.json<{ tables: { name: string; kind: string; rows?: number; columns: { name: string; type: string }[] }[] }>("/v1/tables");
      e.tables.replaceChildren(...r.tables.map((t) => {
        const b = h("button", { type: "button", "data-table": t.name, title: `Insert SELECT * FROM ${t.name}` },
          h("strong", {}, t.name), ` · ${t.kind}${t.rows !== undefined ? ` · ${fmtInt(t.rows)} rows` : ""}`,
          h("span", { class: "cols" }, t.columns.map((c) => c.name).join(", ")));
        b.addEventListener("click", () => {
          e.text.value = `SELECT *\nFROM ${/^[a-z_][a-z0-9_]*$/.test(t.name) ? t.name : `"${t.name.replaceAll('"', '""')}"`}\nLIMIT 100`;
          e.text.focus();
        });
        return h("li", {}, b);
      }));
    } catch (err) {
      e.tables.replaceChildren(h("li", { class: "empty" }, `Tables unavailable: ${(err as Error).message}`));
    }
  };
  return { loadTables };
}
