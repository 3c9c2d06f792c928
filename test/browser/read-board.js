// Runs inside the dashboard page (passed as source to page.waitForFunction): when the board shows
// one consistent snapshot for the wanted view (every panel's data-seq equals the board's, none still
// loading), returns what every panel shows, read from data-* attributes (exact values, not the
// localized text); otherwise null, so waitForFunction polls again.
// Plain JavaScript on purpose: the repository's type-check has no DOM types.
(want) => {
  const board = document.getElementById("view-live");
  const seq = board.dataset.seq;
  const parts = [...document.querySelectorAll("[data-panel], .kpis")];
  if (!seq || parts.some((p) => p.dataset.seq !== seq || p.dataset.state === "loading")) return null;
  if (want && (Number(board.dataset.minutes) !== want.minutes || (board.dataset.campaign || null) !== want.campaign)) return null;
  const num = (v) => (v === undefined || v === null || v === "null" ? null : Number(v));
  const figures = (root) => Object.fromEntries([...root.querySelectorAll("[data-figure]")].map((f) => [f.dataset.figure, num(f.dataset.value)]));
  const panel = (name) => document.querySelector(`[data-panel="${name}"]`);
  const table = (root) => [...root.querySelectorAll("tbody tr")].map((tr) => Object.fromEntries([...tr.querySelectorAll("td")].map((td) => [td.dataset.col, td.classList.contains("num") ? num(td.dataset.value) : td.dataset.value])));
  const points = (name) => JSON.parse(panel(name).dataset.points);
  return {
    range: { from: num(board.dataset.from), to: num(board.dataset.to), minutes: num(board.dataset.minutes), campaign: board.dataset.campaign || null },
    states: Object.fromEntries(parts.map((p) => [p.dataset.panel || "kpis", p.dataset.state])),
    kpis: figures(document.querySelector(".kpis")),
    traffic: { figures: figures(panel("traffic")), points: points("traffic") },
    conversions: { figures: figures(panel("conversions")), points: points("conversions") },
    throughput: { figures: figures(panel("throughput")), points: points("throughput") },
    campaigns: table(panel("campaigns")),
    countries: table(panel("countries")),
    devices: table(panel("devices")),
    topItems: table(panel("top-items")),
    alerts: [...panel("alerts").querySelectorAll("tbody tr")].map((tr) => {
      const rule = tr.querySelector('[data-col="rule"]'), state = tr.querySelector('[data-col="state"]');
      return { rule: rule.dataset.value, severity: rule.dataset.severity, metric: rule.dataset.metric, state: state.dataset.value };
    }),
    quality: { figures: figures(panel("quality")), reasons: table(panel("quality")) },
    funnel: { steps: table(panel("funnel")), figures: figures(panel("funnel")), text: panel("funnel").textContent },
    social: {
      brands: table(panel("social").querySelector('[data-part="brands"]') || document.createElement("div")),
      trending: table(panel("social").querySelector('[data-part="trending"]') || document.createElement("div")),
      text: panel("social").textContent,
    },
  };
}
