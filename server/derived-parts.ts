// The derived state one process keeps (engine/aggregate/*), built from its Config: each part is a
// component of one DerivedState, fed every stored row once and checkpointed together.

import { DataQuality } from "../engine/aggregate/data-quality.ts";
import { DerivedState } from "../engine/aggregate/derived-state.ts";
import type { Config } from "./config.ts";

export interface DerivedParts {
  readonly state: DerivedState;
  readonly quality: DataQuality;
}

export function buildDerived(config: Config): DerivedParts {
  const quality = new DataQuality(config.tables);
  return { state: new DerivedState([quality]), quality };
}

/** Gauges of derived state for /metrics and /v1/stats. */
export function derivedGauges(d: DerivedParts): Record<string, number> {
  return { rows_fed: d.state.rowsFed, components_failed: d.state.failures.size };
}
