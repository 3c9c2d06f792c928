// The time range and campaign filters. The view starts from the page URL (snapshot.ts viewFromUrl),
// so a wall screen can be bookmarked on a view, and is written back to it on every change. The
// campaign list grows from the campaigns the snapshots name (a filtered snapshot names only its
// own campaign, so names seen earlier are kept); "(none)", the bucket of events without a
// campaign, is not a filter value.

import type { View } from "./snapshot.ts";

export interface Filters {
  view(): View;
  /** Adds campaigns not yet listed (keeps the selection). */
  addCampaigns(names: readonly string[]): void;
}

function writeUrl(v: View): void {
  const q = new URLSearchParams(location.search);
  q.set("minutes", String(v.minutes));
  if (v.campaign === null) q.delete("campaign"); else q.set("campaign", v.campaign);
  history.replaceState(null, "", `${location.pathname}?${q}${location.hash}`);
}

export function initFilters(range: HTMLSelectElement, campaign: HTMLSelectElement, initial: View, onChange: (v: View) => void): Filters {
  const known = new Set<string>();
  range.value = String(initial.minutes);
  const view = (): View => ({ minutes: Number(range.value), campaign: campaign.value === "" ? null : campaign.value });
  const addCampaigns = (names: readonly string[]) => {
    const fresh = names.filter((n) => n !== "(none)" && !known.has(n));
    if (fresh.length === 0) return;
    for (const n of fresh) known.add(n);
    const selected = campaign.value;
    const options = [...known].sort((a, b) => a.localeCompare(b)).map((n) => new Option(n, n));
    campaign.replaceChildren(new Option("All campaigns", ""), ...options);
    campaign.value = selected;
  };
  if (initial.campaign !== null) { addCampaigns([initial.campaign]); campaign.value = initial.campaign; }
  const changed = () => { const v = view(); writeUrl(v); onChange(v); };
  range.addEventListener("change", changed);
  campaign.addEventListener("change", changed);
  return { view, addCampaigns };
}
