import { expect, test } from "bun:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { featureSpace } from "../../../../engine/serving/bid-features.ts";
import { hashString } from "../../../../engine/serving/feature-hash.ts";
import { inHoldout } from "../../../../engine/serving/model-metrics.ts";
import { buildTrainingSets, trainingQuery, type TrainingRow } from "../../../../engine/serving/training-set.ts";

const SPACE = featureSpace(1 << 8);
const T0 = Date.UTC(2026, 10, 1), H = 3_600_000, DAY = 24 * H;

type Ev = [id: string | null, ts: number, type: string, user: string | null, props: Record<string, unknown>];

function events(): Ev[] {
  const fs = SPACE.fingerprint;
  const bid = (id: string, ts: number, user: string, extra: Record<string, unknown> = {}): Ev => [id, ts, "bid", user, { fs, f: `0:0.5,${40 + id.length}`, imp_id: "1", ...extra }];
  const win = (id: string, ts: number): Ev => [null, ts, "win", null, { bid_id: id }];
  const click = (id: string, ts: number): Ev => [null, ts, "click", null, { bid_id: id }];
  const buy = (user: string, ts: number): Ev => [null, ts, "purchase", user, {}];
  return [
    bid("b1", T0 + H, "u1"), win("b1", T0 + H + 100), click("b1", T0 + 2 * H), buy("u1", T0 + 3 * H),
    bid("b2", T0 + H, "u2"), win("b2", T0 + H + 100), click("b2", T0 + 2 * H), buy("u2", T0 + 2 * H + 8 * DAY), // after the 7-day window
    bid("b3", T0 + H, "u3"), win("b3", T0 + H + 100), buy("u3", T0 + 3 * H), // converted, but never clicked
    bid("b4", T0 + H, "u4"), click("b4", T0 + 2 * H), // never won: not an impression
    bid("b5", T0 + H, "u5", { test: 1 }), win("b5", T0 + H + 100), click("b5", T0 + 2 * H), // test auction
    ["b6", T0 + H, "bid", "u6", { imp_id: "1" }], win("b6", T0 + H + 100), // no features logged
    bid("b7", T0 - H, "u7"), win("b7", T0 - H + 100), // before the range
    bid("b8", T0 + 10 * DAY - 1, "u8"), win("b8", T0 + 10 * DAY + 500), click("b8", T0 + 10 * DAY + H), buy("u8", T0 + 11 * DAY), // late notices count
    bid("b9", T0 + H, "u9"), win("b9", T0 + H + 100), click("b9", T0 + 2 * H), buy("someone-else", T0 + 3 * H),
    bid("b10", T0 + H, "u10"), win("b10", T0 + H + 100), buy("u10", T0 + H + 200), click("b10", T0 + 2 * H), // bought before the click
    bid("b11", T0 + H, "u11"), win("b11", T0 + H + 100), win("b11", T0 + H + 101), click("b11", T0 + 2 * H), click("b11", T0 + 3 * H), buy("u11", T0 + 4 * H), buy("u11", T0 + 5 * H),
    bid("b12", T0 + H, "u12", { fs: "v0-b256-00000000" }), win("b12", T0 + H + 100),
    bid("b13", T0 + 10 * DAY, "u13"), win("b13", T0 + 10 * DAY + 1), // at the end of the range: excluded
  ];
}

async function query(): Promise<TrainingRow[]> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    await conn.run("CREATE TABLE events (event_id VARCHAR, ts TIMESTAMP, type VARCHAR, user_id VARCHAR, props JSON)");
    let n = 0;
    const lit = (v: string | null) => (v === null ? "NULL" : `'${v.replaceAll("'", "''")}'`);
    const values = events().map(([id, ts, type, user, props]) => `(${lit(id ?? `e${n++}`)}, epoch_ms(${ts}), ${lit(type)}, ${lit(user)}, ${lit(JSON.stringify(props))})`);
    await conn.run(`INSERT INTO events VALUES ${values.join(", ")}`);
    const sql = trainingQuery({ table: "events", fromMs: T0, toMs: T0 + 10 * DAY, conversionTypes: ["purchase"], conversionWindowMs: 7 * DAY });
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJS() as unknown as TrainingRow[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

test("the training query: won, non-test bids with features, labelled by click and by conversion after the click", async () => {
  const rows = await query();
  const fs = SPACE.fingerprint, f = (id: string) => `0:0.5,${40 + id.length}`;
  const row = (id: string, clicked: boolean, converted: boolean, space = fs) => ({ bid_id: id, fs: space, f: f(id), clicked, converted });
  expect(rows).toEqual([
    row("b1", true, true), row("b10", true, false), row("b11", true, true), row("b12", false, false, "v0-b256-00000000"),
    row("b2", true, false), row("b3", false, false), row("b8", true, true), row("b9", true, false),
  ]);
  expect(() => trainingQuery({ table: "events; DROP", fromMs: 0, toMs: 1, conversionTypes: [], conversionWindowMs: 1 })).toThrow("not a plain identifier");
});

test("CTR rows are all won bids, CVR rows the clicked ones; other spaces are skipped; the split follows inHoldout", async () => {
  const rows = await query();
  const sets = buildTrainingSets(rows, SPACE, { holdoutFraction: 0.5, splitSeed: 11, negativeRate: 1 });
  const kept = rows.filter((r) => r.fs === SPACE.fingerprint);
  const clicked = kept.filter((r) => r.clicked);
  expect({
    ctr: [sets.ctr.data.rows, Array.from(sets.ctr.data.labels), Array.from(sets.ctr.holdout), sets.ctr.positives],
    cvr: [sets.cvr.data.rows, Array.from(sets.cvr.data.labels), sets.cvr.positives],
    skipped: [sets.otherSpace, sets.undecodable],
    firstRow: [Array.from(sets.ctr.data.cols.slice(0, 2)), Array.from(sets.ctr.data.vals.slice(0, 2))],
  }).toEqual({
    ctr: [kept.length, kept.map((r) => (r.clicked ? 1 : 0)), kept.map((r) => (inHoldout(r.bid_id, 0.5, 11) ? 1 : 0)), clicked.length],
    cvr: [clicked.length, clicked.map((r) => (r.converted ? 1 : 0)), clicked.filter((r) => r.converted).length],
    skipped: [1, 0],
    firstRow: [[0, 42], [0.5, 1]],
  });
});

test("negative down-sampling keeps a stable subset of negatives, weighted by 1 / rate", () => {
  const rows: TrainingRow[] = Array.from({ length: 4000 }, (_, i) => ({ bid_id: `n${i}`, fs: SPACE.fingerprint, f: "3", clicked: i % 100 === 0, converted: false }));
  const sets = buildTrainingSets(rows, SPACE, { holdoutFraction: 0.2, splitSeed: 5, negativeRate: 0.25 });
  const expectedNegatives = rows.filter((r) => !r.clicked && hashString(r.bid_id, 6) < 0.25 * 4294967296).length;
  const w = Array.from(sets.ctr.data.weights);
  expect({ positives: sets.ctr.positives, negatives: sets.ctr.data.rows - sets.ctr.positives, weights: [...new Set(w)].sort() })
    .toEqual({ positives: 40, negatives: expectedNegatives, weights: [1, 4] });
  expect(Math.abs(expectedNegatives / 3960 - 0.25) < 0.03).toBe(true);
});
