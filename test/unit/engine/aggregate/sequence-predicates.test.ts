import { describe, expect, test } from "bun:test";
import { decodeBatch } from "../../../../engine/core/batch-codec.ts";
import { ConditionSet, StepMatcher } from "../../../../engine/aggregate/sequence-predicates.ts";
import { eventsTable, feedBatches, plainEventsBatch, type PlainEvent } from "../../../helpers/event-feed.ts";
import type { Table } from "../../../../engine/store/table.ts";

/** Appends events and returns, per new row, its mask words as bit strings ("" when nothing matched). */
function matchRows(table: Table, conditions: ConditionSet, matcher: StepMatcher, events: PlainEvent[]): string[] {
  const from = table.rowCount;
  table.appendBatch(decodeBatch(plainEventsBatch(events)), null);
  const out: string[] = [];
  for (const b of feedBatches(table, from, ["type", "channel", "country"])) {
    conditions.evaluate(b);
    matcher.match(b.begin, b.end);
    const byRow = new Map<number, string>();
    for (let i = 0; i < matcher.matched; i++) {
      const words = Array.from(matcher.masks.subarray(i * matcher.words, (i + 1) * matcher.words), (w) => (w >>> 0).toString(2));
      byRow.set(matcher.rows[i]!, words.join("|"));
    }
    for (let r = b.begin; r < b.end; r++) out.push(byRow.get(r) ?? "");
  }
  return out;
}

describe("step predicates on dictionary codes", () => {
  test("values that enter the dictionary later are matched from then on; nulls never match; empty where matches all", () => {
    const conditions = new ConditionSet();
    const matcher = new StepMatcher(conditions, [{ type: ["purchase"] }, { type: ["view", "purchase"], channel: ["email"] }, {}]);
    const table = eventsTable();
    const t = Date.UTC(2025, 0, 1);
    const first = matchRows(table, conditions, matcher, [
      { type: "view", channel: "email", ts: t }, { type: "view", ts: t }, { type: "click", channel: "email", ts: t },
    ]);
    const second = matchRows(table, conditions, matcher, [
      { type: "purchase", channel: "email", ts: t }, { type: "purchase", ts: t }, { type: "view", channel: "sms", ts: t },
    ]);
    expect({ first, second }).toEqual({ first: ["110", "100", "100"], second: ["111", "101", "100"] });
  });

  test("more than 32 predicates spread over several mask words", () => {
    const conditions = new ConditionSet();
    const preds = Array.from({ length: 40 }, (_, k) => ({ type: [k % 2 === 0 ? "even" : "odd"] }));
    const matcher = new StepMatcher(conditions, preds);
    const rows = matchRows(eventsTable(), conditions, matcher, [{ type: "even", ts: 0 }, { type: "odd", ts: 0 }, { type: "none", ts: 0 }]);
    // Bit k of a word set when step (word * 32 + k) wants this parity; written most significant first.
    const word = (bits: number, parity: number) => Array.from({ length: bits }, (_, k) => (k % 2 === parity ? "1" : "0")).reverse().join("").replace(/^0+/, "");
    const even = (bits: number) => word(bits, 0), odd = (bits: number) => word(bits, 1);
    expect({ words: matcher.words, rows }).toEqual({ words: 2, rows: [`${even(32)}|${even(8)}`, `${odd(32)}|${odd(8)}`, ""] });
  });

  test("a batch from another table's dictionary (other codes for the same values) rebuilds the tables", () => {
    const conditions = new ConditionSet();
    const matcher = new StepMatcher(conditions, [{ country: ["FR"] }]);
    const a = eventsTable(), b = eventsTable();
    const inA = matchRows(a, conditions, matcher, [{ type: "x", country: "FR", ts: 0 }, { type: "x", country: "DE", ts: 0 }]);
    const inB = matchRows(b, conditions, matcher, [{ type: "x", country: "DE", ts: 0 }, { type: "x", country: "FR", ts: 0 }]);
    expect({ inA, inB }).toEqual({ inA: ["1", ""], inB: ["", "1"] });
  });
});
