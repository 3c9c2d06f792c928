// The dashboard page's entry (bundled by Bun from index.html): finds out whether a key is needed,
// opens the live channel, and wires the filters, tabs, panels and SQL console. The flow is one
// way: snapshot (live-socket.ts) -> board (render gates) -> panels; user choices go back only as a
// view message on the same socket. Nothing polls.

import { ApiClient, AuthError } from "./api-client.ts";
import { Board } from "./board.ts";
import { initFilters } from "./filters.ts";
import { fmtClock, fmtDuration } from "./format.ts";
import { keyDialog } from "./key-dialog.ts";
import { LiveSocket, type ConnState } from "./live-socket.ts";
import { alertsPanel } from "./panels/alerts.ts";
import { campaignsPanel } from "./panels/campaigns.ts";
import { conversionsPanel } from "./panels/conversions.ts";
import { countriesPanel } from "./panels/countries.ts";
import { devicesPanel } from "./panels/devices.ts";
import { funnelPanel } from "./panels/funnel.ts";
import { kpisPanel } from "./panels/kpis.ts";
import { qualityPanel } from "./panels/quality.ts";
import { socialPanel } from "./panels/social.ts";
import { throughputPanel } from "./panels/throughput.ts";
import { topItemsPanel } from "./panels/top-items.ts";
import { trafficPanel } from "./panels/traffic.ts";
import { answersView, viewFromUrl, type View } from "./snapshot.ts";
import { sqlConsole } from "./sql-console.ts";
import { initTabs } from "./tabs.ts";

const $ = <T extends HTMLElement = HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (el === null) throw new Error(`index.html has no ${sel}`);
  return el;
};

const api = new ApiClient(localStorage);
const askKey = keyDialog($<HTMLDialogElement>("#key-dialog"), api);
const conn = $("#conn"), connText = $(".conn-text"), asOf = $<HTMLTimeElement>("#as-of"), keyButton = $<HTMLButtonElement>("#key-button");

const board = new Board($("#view-live"), [
  kpisPanel($(".kpis")), trafficPanel(), conversionsPanel(), throughputPanel(), campaignsPanel(), funnelPanel(),
  countriesPanel(), devicesPanel(), topItemsPanel(), alertsPanel(), qualityPanel(), socialPanel(),
], { now: () => performance.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as number) });

let view: View = viewFromUrl(location.search);

async function probe(): Promise<{ kind: "key-needed"; message: string } | { kind: "retry" }> {
  try {
    await api.fetch("/v1/tables");
    return { kind: "retry" };
  } catch (e) {
    return e instanceof AuthError ? { kind: "key-needed", message: e.message } : { kind: "retry" };
  }
}

const socket = new LiveSocket({
  url: (v) => api.wsUrl("/v1/dashboard/ws", { minutes: String(v.minutes), ...(v.campaign === null ? {} : { campaign: v.campaign }) }),
  onSnapshot(s) {
    filters.addCampaigns(s.campaigns.map((c) => c.campaign));
    // A push for the view before the last change can still arrive: it is not what was asked for.
    if (!answersView(s, view)) return;
    asOf.textContent = fmtClock(s.at);
    asOf.dateTime = new Date(s.at).toISOString();
    board.show(s);
  },
  onState: showConn,
  onServerError: (message) => { connText.textContent = `live · view refused: ${message}`; },
  probe,
});

const filters = initFilters($<HTMLSelectElement>("#range"), $<HTMLSelectElement>("#campaign"), view, (v) => {
  view = v;
  board.resetGates();
  socket.setView(v);
});

function showConn(s: ConnState): void {
  conn.dataset.state = s.kind;
  connText.textContent = s.kind === "live" ? "live" : s.kind === "connecting" ? "connecting…"
    : s.kind === "reconnecting" ? `reconnecting in ${fmtDuration(s.inMs)} (attempt ${s.attempt})` : "API key needed";
  if (s.kind === "key-needed") void needKey(s.message);
}

async function needKey(message: string): Promise<void> {
  keyButton.hidden = false;
  if (await askKey(message)) {
    socket.stop();
    socket.start(view);
    void consoleUi.loadTables();
  }
}

const consoleUi = sqlConsole(api, {
  text: $("#sql-text"), run: $("#sql-run"), kind: $("#sql-chart-kind"), csv: $("#sql-csv"), parquet: $("#sql-parquet"),
  status: $("#sql-status"), error: $("#sql-error"), result: $(".console-output .result"), chart: $("#sql-chart"), tables: $("#sql-tables"),
}, (message) => void needKey(message));

const showTab = initTabs([$<HTMLButtonElement>("#tab-live"), $<HTMLButtonElement>("#tab-sql")], (id) => {
  if (id === "view-sql") void consoleUi.loadTables();
});
$(".skip-link").addEventListener("click", (e) => {
  e.preventDefault();
  showTab("view-sql");
  $("#sql-text").focus();
});
keyButton.addEventListener("click", () => void needKey(""));
if (api.key !== null) keyButton.hidden = false;

const first = await probe();
if (first.kind === "key-needed") showConn(first);
else socket.start(view);
