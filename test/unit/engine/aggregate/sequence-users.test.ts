import { expect, test } from "bun:test";
import { SequenceUsers } from "../../../../engine/aggregate/sequence-users.ts";
import { StringDictionary } from "../../../../engine/column/string-dictionary.ts";
import { emptyVector } from "../../../../engine/column/vector.ts";
import { ColumnType } from "../../../../engine/core/types.ts";

/** A subject's slot, admitted through a one-row batch as the engine does. */
function subject(users: SequenceUsers, key: string): number {
  const dict = new StringDictionary();
  const v = emptyVector(ColumnType.STRING, dict);
  v.codes = Uint32Array.of(dict.codeOfBytes(new TextEncoder().encode(key), 0, key.length));
  users.bind({ table: "events", begin: 0, end: 1, firstRow: 0, column: (c) => (c === "user_id" ? v : null) });
  return users.slotAt(0, 1_000);
}

test("history arrays stop at maxEntries instead of the next power of two, keep their entries as they grow, and never go past it", () => {
  const stride = 3;
  const users = new SequenceUsers({ by: ["user_id"], maxUsers: 8, stride, maxEntries: 257, extraPerSlot: 0, extraInit: 0, onFree: () => {} });
  const slot = subject(users, "u1");
  const lengths: number[] = [];
  let h = users.reserve(slot, 200);
  for (let i = 0; i < 200 * stride; i++) h[i] = i;
  users.count[slot] = 200;
  lengths.push(h.length / stride);
  h = users.reserve(slot, 257); // at the cap + 1: cut to maxEntries, not 512
  lengths.push(h.length / stride);
  const kept = Array.from(h.subarray(0, 200 * stride)).every((x, i) => x === i);
  let over = "";
  try { users.reserve(slot, 258); } catch (e) { over = (e as Error).message; }
  expect({ lengths, kept, over }).toEqual({ lengths: [256, 257], kept: true, over: "assertion failed: a history of 258 entries, over 257" });
});
