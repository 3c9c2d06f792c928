// The derived state one process keeps (engine/aggregate/*), built from its Config: each part is a
// component of one DerivedState, fed every stored row once and checkpointed together.

import { DataQuality } from "../engine/aggregate/data-quality.ts";
import { DerivedState } from "../engine/aggregate/derived-state.ts";
import type { DerivedTableSource } from "../engine/aggregate/derived-table.ts";
import { rollupTables } from "../engine/aggregate/rollup-export.ts";
import { Rollups } from "../engine/aggregate/rollups.ts";
import { Recommender } from "../engine/aggregate/recommender.ts";
import { ProfileStore } from "../engine/aggregate/profile-store.ts";
import { SocialListening } from "../engine/aggregate/social-listening.ts";
import { socialConfigFrom } from "../engine/aggregate/social-config.ts";
import { ValueIds } from "../engine/aggregate/value-ids.ts";
import { ALERTS_SCHEMA } from "../engine/core/event-schema.ts";
import { isStringType } from "../engine/core/types.ts";
import { DEFAULT_SEQUENCES, Sequences } from "./sequences.ts";
import { AudienceState } from "./audience-state.ts";
import type { Config } from "./config.ts";

export interface DerivedParts {
  readonly state: DerivedState;
  readonly quality: DataQuality;
  readonly rollups: Rollups;
  /** Dense user ids shared by the per-user parts (user_id, else anonymous_id). */
  readonly users: ValueIds;
  readonly recommender: Recommender;
  readonly profiles: ProfileStore;
  readonly social: SocialListening;
  readonly sequences: Sequences;
  readonly audiences: AudienceState;
  /** Derived state exposed as SQL tables (rollup_*). */
  readonly tables: readonly DerivedTableSource[];
}

export function buildDerived(config: Config): DerivedParts {
  const quality = new DataQuality([...config.tables, ALERTS_SCHEMA]);
  const rollups = new Rollups(config.rollups);
  const users = new ValueIds();
  const recommender = new Recommender(users);
  const profiles = new ProfileStore(users);
  const social = new SocialListening(socialConfigFrom(config.social ?? {}));
  const stringColumns = config.tables[0]!.columns.filter((c) => isStringType(c.type) && !c.unique).map((c) => c.name);
  const sequences = new Sequences(config.funnels ?? DEFAULT_SEQUENCES, stringColumns);
  const audiences = new AudienceState();
  return {
    state: new DerivedState([
      quality, ...(config.derived.rollups ? [rollups] : []), ...(config.derived.profiles ? [profiles] : []),
      ...(config.derived.recommendations ? [recommender] : []), ...(config.derived.social ? [social] : []), ...(config.derived.funnels ? [sequences] : []),
      ...(config.derived.audiences ? [audiences] : []),
    ]), audiences, quality, rollups, users, recommender, profiles, social, sequences,
    tables: rollupTables(rollups),
  };
}

/** Gauges of derived state for /metrics and /v1/stats. */
export function derivedGauges(d: DerivedParts): Record<string, number> {
  let cells = 0;
  for (const s of d.rollups.sets) cells += s.fine.count + s.coarse.count;
  return {
    rows_fed: d.state.rowsFed, components_failed: d.state.failures.size,
    rollup_cells: cells, rollup_bytes: d.rollups.bytes, rollup_late_events: d.rollups.counters.late,
    reco_bytes: d.recommender.bytes, users: d.users.size, profile_users: d.profiles.userCount, profile_bytes: d.profiles.bytes,
    profile_bytes_per_user: d.profiles.bytesPerUser, profile_evictions: d.profiles.counters.evictions,
    audience_users: d.audiences.current.stats().users, audience_bitmap_bytes: d.audiences.current.stats().bitmapBytes,
    sequence_state_users: d.sequences.metrics().stateUsers, sequence_state_bytes: d.sequences.metrics().stateBytes,
  };
}
