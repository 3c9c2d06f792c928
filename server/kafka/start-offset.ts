// Where a newly assigned partition starts: the one decision of the exactly-once protocol that is
// pure data, so it is tested as data (test/unit/server/kafka/start-offset.test.ts).
//
// Inputs, all "next offset to consume": `logged` from Caracal's own log (the offset after the last
// one logged with its events), `committed` from the consumer group, and the partition's low and
// high watermarks now. The rule is max(logged, committed), falling back to the low watermark:
//
// - logged >= committed is the normal case for a partition this process owned before: commits
//   happen only after the log is durable, so the log is never behind its own commits, and it is
//   ahead of them exactly when the process died between its WAL fsync and its commit. The log wins:
//   nothing it holds is consumed again.
// - committed > logged happens when the partition was owned by another process in between (its log
//   is not ours): everything below the group's offset was logged durably by that process, so taking
//   our older log offset would consume it twice. The group wins.
// - Neither: a partition never consumed by the group: from the earliest retained offset.
//
// An offset below the low watermark (retention deleted what we had not consumed: those events are
// lost) or above the high watermark (the topic was recreated, or the broker lost data) cannot be
// fetched; the partition starts from the low watermark instead and the caller reports it.

export type StartOrigin = "log" | "committed" | "earliest";

export interface StartDecision {
  readonly offset: bigint;
  readonly origin: StartOrigin;
  /** The chosen offset was outside [low, high]; `offset` is `low` instead. */
  readonly outOfRange: boolean;
  /** What the rule chose before the range check. */
  readonly wanted: bigint;
}

export function chooseStart(logged: bigint | null, committed: bigint | null, low: bigint, high: bigint): StartDecision {
  let wanted: bigint, origin: StartOrigin;
  if (logged !== null && (committed === null || logged >= committed)) { wanted = logged; origin = "log"; }
  else if (committed !== null) { wanted = committed; origin = "committed"; }
  else { wanted = low; origin = "earliest"; }
  const outOfRange = wanted < low || wanted > high;
  return { offset: outOfRange ? low : wanted, origin, outOfRange, wanted };
}
