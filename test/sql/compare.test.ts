// The comparison rules of compare.ts, one case each: what must count as equal and what must not.
import { expect, test } from "bun:test";
import { compareResults, type SqlAnswer } from "./compare.ts";

const cols = (...spec: string[]) => spec.map((s) => ({ name: s.split(" ")[0]!, type: s.split(" ")[1]! }));
const answer = (columns: SqlAnswer["columns"], rows: unknown[][]): SqlAnswer => ({ columns, rows });
const same = (a: SqlAnswer, b: SqlAnswer, ordered: boolean, approx?: boolean) => compareResults(a, b, { ordered, approx }) === null;

test("compare: which answers count as equal", () => {
  const kd = cols("k VARCHAR", "d DOUBLE");
  const kn = cols("k VARCHAR", "n BIGINT");
  const t = cols("t TIMESTAMP");
  expect({
    identical: same(answer(kn, [["a", 1], ["b", 2]]), answer(kn, [["a", 1], ["b", 2]]), true),
    reorderedUnordered: same(answer(kn, [["a", 1], ["b", 2]]), answer(kn, [["b", 2], ["a", 1]]), false),
    reorderedOrdered: same(answer(kn, [["a", 1], ["b", 2]]), answer(kn, [["b", 2], ["a", 1]]), true),
    multisetCounts: same(answer(kn, [["a", 1], ["a", 1]]), answer(kn, [["a", 1], ["b", 1]]), false),
    extraRow: same(answer(kn, [["a", 1]]), answer(kn, [["a", 1], ["a", 1]]), false),
    columnName: same(answer(kn, []), answer(cols("k VARCHAR", "m BIGINT"), []), false),
    columnType: same(answer(kn, []), answer(cols("k VARCHAR", "n HUGEINT"), []), false),
    doubleLastBits: same(answer(kd, [["a", 0.1 + 0.2]]), answer(kd, [["a", 0.3]]), true),
    doubleRelative: same(answer(kd, [["a", 1e15]]), answer(kd, [["a", 1e15 + 0.5]]), true),
    doubleTooFar: same(answer(kd, [["a", 100]]), answer(kd, [["a", 100.0001]]), true),
    doubleNearZero: same(answer(kd, [["a", 0]]), answer(kd, [["a", 1e-12]]), true),
    doubleNegativeZero: same(answer(kd, [["a", -0]]), answer(kd, [["a", 0]]), true),
    doubleNullVsZero: same(answer(kd, [["a", null]]), answer(kd, [["a", 0]]), true),
    doublesUnorderedWithinTolerance: same(answer(kd, [["a", 1], ["a", 2 + 1e-12]]), answer(kd, [["a", 2], ["a", 1]]), false),
    bigintExact: same(answer(kn, [["a", 100]]), answer(kn, [["a", 101]]), true),
    bigintAsString: same(answer(kn, [["a", "9007199254740993"]]), answer(kn, [["a", "9007199254740992"]]), true),
    approxWithin2: same(answer(kn, [["a", 1000]]), answer(kn, [["a", 1019]]), true, true),
    approxBeyond2: same(answer(kn, [["a", 1000]]), answer(kn, [["a", 1030]]), true, true),
    approxKeysExact: same(answer(kn, [["a", 1000]]), answer(kn, [["b", 1000]]), true, true),
    timestamps: same(answer(t, [["2025-03-01T00:00:00.000Z"]]), answer(t, [["2025-03-01T00:00:00.001Z"]]), true),
    emptyVsNullString: same(answer(kn, [["", 1]]), answer(kn, [[null, 1]]), false),
    nestedLists: same(answer(cols("l VARCHAR[]"), [[["a", "b"]]]), answer(cols("l VARCHAR[]"), [[["a", "b"]]]), true),
  }).toEqual({
    identical: true, reorderedUnordered: true, reorderedOrdered: false, multisetCounts: false, extraRow: false,
    columnName: false, columnType: false, doubleLastBits: true, doubleRelative: true, doubleTooFar: false,
    doubleNearZero: true, doubleNegativeZero: true, doubleNullVsZero: false, doublesUnorderedWithinTolerance: true,
    bigintExact: false, bigintAsString: false, approxWithin2: true, approxBeyond2: false, approxKeysExact: false,
    timestamps: false, emptyVsNullString: false, nestedLists: true,
  });
});

test("compare: a diff names the rows and the sides", () => {
  const kn = cols("k VARCHAR", "n BIGINT");
  const diff = compareResults(answer(kn, [["a", 1], ["b", 2]]), answer(kn, [["a", 1], ["c", 2]]), { ordered: false, labels: ["duckdb", "native"] });
  expect(diff).toEqual([
    "rows differ (as multisets; duckdb has 2 rows, native 2): 1 only in duckdb, 1 only in native, 0 with different values",
    "  only in duckdb:",
    "    [\"b\",2]",
    "  only in native:",
    "    [\"c\",2]",
  ].join("\n"));
});
