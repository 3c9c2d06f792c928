// Social listening: each brand's share of voice as bars, a table of mentions, share of voice,
// average sentiment (from -1 to 1) and negative mentions, and the trending terms with their counts.
// The snapshot carries it only when social listening is configured; without it the panel says so.

import { hbarOption, mountChart, type Chart } from "../charts.ts";
import { h, renderTable, type Column } from "../dom.ts";
import { fmtInt, fmtPct, fmtRate } from "../format.ts";
import { describeChart, panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import type { Snapshot, SocialBrand } from "../snapshot.ts";

type Term = { term: string; count: number };

const BRANDS: Column<SocialBrand>[] = [
  { key: "brand", label: "Brand", value: (r) => r.brand },
  { key: "mentions", label: "Mentions", numeric: true, value: (r) => r.mentions, text: (r) => fmtInt(r.mentions) },
  { key: "share_of_voice", label: "Share of voice (%)", numeric: true, value: (r) => r.share_of_voice, text: (r) => fmtPct(r.share_of_voice) },
  { key: "sentiment_avg", label: "Sentiment (−1…1)", numeric: true, value: (r) => r.sentiment_avg, text: (r) => fmtRate(r.sentiment_avg) },
  { key: "negative", label: "Negative (mentions)", numeric: true, value: (r) => r.negative, text: (r) => fmtInt(r.negative) },
];
const TERMS: Column<Term>[] = [
  { key: "term", label: "Trending term", value: (r) => r.term },
  { key: "count", label: "Mentions", numeric: true, value: (r) => r.count, text: (r) => fmtInt(r.count) },
];

export function socialPanel(): Panel {
  const p = panelParts("social");
  let chart: Chart | null = null;
  return {
    name: "social",
    root: p.root,
    slice: (s) => s.social ?? null,
    render(s: Snapshot) {
      const so = s.social;
      if (!so) {
        p.table!.replaceChildren(h("p", { class: "not-configured", "data-testid": "social-not-configured" }, "Social listening not configured: the server sends no social data for this dashboard."));
        setPanelState(p, "not-configured");
        return;
      }
      setPanelState(p, so.brands.length === 0 && so.trending.length === 0 ? "empty" : "ready");
      const top = so.brands.slice(0, 10).reverse();
      chart ??= mountChart(p.chart!);
      chart.setOption(hbarOption(top.map((b) => b.brand), top.map((b) => (b.share_of_voice === null ? null : b.share_of_voice * 100)), "share of voice (%)", (v) => fmtPct(v === null ? null : v / 100)));
      const brands = h("div", { "data-part": "brands" }), terms = h("div", { "data-part": "trending" });
      renderTable(brands, BRANDS, so.brands, (r) => r.brand, `Brands${so.unit ? ` (${so.unit})` : ""}`, "No brand mentions.");
      renderTable(terms, TERMS, so.trending, (r) => r.term, "Trending terms", "No trending terms.");
      p.table!.replaceChildren(brands, terms);
      const lead = so.brands[0];
      describeChart(p, lead ? `Share of voice by brand; ${lead.brand} leads with ${fmtPct(lead.share_of_voice)}.` : "No brand mentions.");
    },
  };
}
