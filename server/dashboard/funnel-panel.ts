// The dashboard's funnel panel: the first funnel's report as step counts and conversion rates.

import type { Sequences } from "../sequences.ts";

interface StepReport { name: string; entrants: number; conversionFromPrevious: number | null; conversionFromFirst: number | null; timeToConvertMs: { p50: number; p90: number; p99: number } | null }

export function funnelPanel(s: Sequences): unknown {
  const first = s.list().find((f) => f.report !== null);
  if (!first) return null;
  const r = first.report as { name: string; steps: readonly StepReport[] };
  return {
    name: r.name, unit: "entrants (users who reached the step); conversion as a fraction",
    steps: r.steps.map((st) => ({ name: st.name, users: st.entrants, conversion_from_previous: st.conversionFromPrevious, conversion_from_first: st.conversionFromFirst })),
    time_to_convert_ms: r.steps.at(-1)?.timeToConvertMs ?? null,
  };
}
