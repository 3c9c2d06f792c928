// lower()/upper() as DuckDB maps case: for every code point our case map accepts (functions/
// case-map.ts), the result must be DuckDB's; the rest must decline. Guards against a Bun or DuckDB
// upgrade that moves either side to another Unicode version.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { Decline } from "../../../../engine/query/decline.ts";
import { lowerDuck, upperDuck } from "../../../../engine/query/functions/case-map.ts";
import { DuckReference } from "../../../helpers/duck-reference.ts";

let duck: DuckReference;
beforeAll(async () => { duck = await DuckReference.open(EVENTS_SCHEMA, []); });
afterAll(() => duck.close());

function ours(f: (s: string) => string, s: string): string | null {
  try {
    return f(s);
  } catch (e) {
    if (e instanceof Decline) return null;
    throw e;
  }
}

test("every accepted code point maps as in DuckDB", async () => {
  const rows = await duck.run("SELECT cp, lower(chr(cp::INTEGER)), upper(chr(cp::INTEGER)) FROM range(1, 131072) r(cp) WHERE cp < 55296 OR cp > 57343");
  const wrong: string[] = [];
  let accepted = 0;
  for (const [cp, lo, up] of rows as [bigint, string, string][]) {
    const s = String.fromCodePoint(Number(cp)) + "x";
    const l = ours(lowerDuck, s), u = ours(upperDuck, s);
    if (l !== null) { accepted++; if (l !== lo + "x") wrong.push(`lower U+${cp.toString(16)}`); }
    if (u !== null && u !== up + "X") wrong.push(`upper U+${cp.toString(16)}`);
  }
  expect(wrong).toEqual([]);
  expect(accepted).toBeGreaterThan(50_000);
});
