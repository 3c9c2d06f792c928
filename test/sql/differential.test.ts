// Differential test of the two SQL engines through the real server: every corpus query (corpus.ts)
// and SQL_RANDOM_QUERIES random ones (random-query.ts, seeded by $SEED, printed) run with engine
// "native" and with engine "duckdb" over the same ingested events (dataset.ts), and the answers must
// agree under compare.ts's rules. A query the native engine declines (400 bad_argument) runs with
// "auto", which must give DuckDB's answer; declines are counted and listed, never failed.
//
// A disagreement is a bug in the native engine or the endpoint. A corpus query marked `knownIssue`
// is reported and does not fail the test while its bug is being fixed.

import { expect, test } from "bun:test";
import { startCaracalProcess } from "../helpers/caracal-process.ts";
import { testSeed, Rng } from "../sim/rng.ts";
import { compareResults } from "./compare.ts";
import { CORPUS, referenceSql, type CorpusQuery } from "./corpus.ts";
import { corpusEvents } from "./dataset.ts";
import { randomQuery, valuePool } from "./random-query.ts";
import { ingestEvents, postSql, waitForRows, type SqlResponse } from "./sql-client.ts";

const RANDOM_QUERIES = Number(process.env.SQL_RANDOM_QUERIES ?? 200);
/** Queries in flight at once: the server answers several while DuckDB works through its queue. */
const CONCURRENCY = 4;

interface Outcome {
  readonly name: string;
  /** "native": compared native with DuckDB; "declined": auto compared with DuckDB. */
  readonly ran: "native" | "declined";
  readonly declineReason?: string;
  /** A failure: the diff, or an unexpected error. */
  readonly problem?: string;
}

async function runOne(url: string, q: Pick<CorpusQuery, "name" | "sql" | "params" | "ordered" | "approx">): Promise<Outcome> {
  const params = q.params;
  const native = await postSql(url, q.sql, { engine: "native", params });
  const declined = native.error?.code === "bad_argument" && native.status === 400;
  const reference = await postSql(url, declined ? q.sql : referenceSql(q), { engine: "duckdb", params });
  if (reference.error) return { name: q.name, ran: declined ? "declined" : "native", problem: `duckdb failed: ${describe(reference)}` };
  if (reference.ok.stats.engine !== "duckdb") return { name: q.name, ran: "native", problem: `engine "duckdb" answered with stats.engine ${reference.ok.stats.engine}` };
  if (declined) {
    const auto = await postSql(url, q.sql, { engine: "auto", params });
    if (auto.error) return { name: q.name, ran: "declined", problem: `auto failed: ${describe(auto)}` };
    const diff = compareResults(reference.ok, auto.ok, { ordered: q.ordered, approx: q.approx, labels: ["duckdb", "auto"] });
    return { name: q.name, ran: "declined", declineReason: native.error!.message, problem: diff ?? undefined };
  }
  if (native.error) return { name: q.name, ran: "native", problem: `native failed: ${describe(native)}` };
  if (native.ok.stats.engine !== "native") return { name: q.name, ran: "native", problem: `engine "native" answered with stats.engine ${native.ok.stats.engine}` };
  const diff = compareResults(reference.ok, native.ok, { ordered: q.ordered, approx: q.approx, labels: ["duckdb", "native"] });
  return { name: q.name, ran: "native", problem: diff ?? undefined };
}

function describe(r: SqlResponse): string {
  return r.error ? `${r.status} ${r.error.code}: ${r.error.message}` : `${r.status}`;
}

/** Runs `f` over `items` with at most CONCURRENCY in flight; results in input order. */
async function pool<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  }));
  return out;
}

test(`SQL differential: ${CORPUS.length} corpus queries and ${RANDOM_QUERIES} random queries, native vs DuckDB`, async () => {
  const started = performance.now();
  await using srv = await startCaracalProcess();
  const events = corpusEvents();
  const ingested = await ingestEvents(srv.url, events);
  expect(ingested).toEqual({ accepted: events.length, rejected: 0, duplicates: 0 });
  await waitForRows(srv.url, events.length);

  // The corpus.
  const outcomes = await pool(CORPUS, (q) => runOne(srv.url, q));
  const byName = new Map(CORPUS.map((q) => [q.name, q]));
  const failures: string[] = [], known: string[] = [], fixed: string[] = [];
  for (const o of outcomes) {
    const issue = byName.get(o.name)!.knownIssue;
    if (o.problem && issue) known.push(`${o.name} (${issue})`);
    else if (o.problem) failures.push(`corpus query ${o.name} [${o.ran}]:\n  ${byName.get(o.name)!.sql}\n${o.problem}`);
    else if (issue) fixed.push(o.name);
  }
  const nativeCount = outcomes.filter((o) => o.ran === "native").length;
  const declinedTargeted = outcomes.filter((o) => o.ran === "declined" && !byName.get(o.name)!.duckdbOnly);
  const nativeOnlyDuck = outcomes.filter((o) => o.ran === "native" && byName.get(o.name)!.duckdbOnly);
  console.log(`SQL corpus: ${CORPUS.length} queries, ${nativeCount} ran natively (${pct(nativeCount, CORPUS.length)}), ` +
    `${CORPUS.length - nativeCount} declined and ran in DuckDB (${CORPUS.filter((q) => q.duckdbOnly).length} marked duckdbOnly); ` +
    `${failures.length} differences, ${known.length} known issues`);
  if (declinedTargeted.length > 0) {
    console.log(`  declined though meant for the native engine (${declinedTargeted.length}):\n` +
      declinedTargeted.map((o) => `    ${o.name}: ${o.declineReason}`).join("\n"));
  }
  if (nativeOnlyDuck.length > 0) console.log(`  marked duckdbOnly but ran natively: ${nativeOnlyDuck.map((o) => o.name).join(", ")}`);
  if (known.length > 0) console.log(`  known issues (not failed):\n${known.map((k) => `    ${k}`).join("\n")}`);
  if (fixed.length > 0) console.log(`  knownIssue marks that no longer reproduce (remove them): ${fixed.join(", ")}`);

  // Random queries.
  const seed = testSeed();
  const rng = new Rng(seed);
  const values = valuePool(events, rng.fork());
  const randoms = Array.from({ length: RANDOM_QUERIES }, (_, i) => ({ name: `random #${i}`, ...randomQuery(rng, values) }));
  const randomOutcomes = await pool(randoms, (q) => runOne(srv.url, q));
  const randomNative = randomOutcomes.filter((o) => o.ran === "native").length;
  randomOutcomes.forEach((o, i) => {
    if (o.problem) failures.push(`${o.name} (SEED=${seed}) [${o.ran}]:\n  ${randoms[i]!.sql}\n${o.problem}`);
  });
  const randomDeclines = new Map<string, number>();
  for (const o of randomOutcomes) if (o.declineReason) randomDeclines.set(o.declineReason, (randomDeclines.get(o.declineReason) ?? 0) + 1);
  console.log(`SQL random queries: SEED=${seed}, ${RANDOM_QUERIES} queries, ${randomNative} ran natively (${pct(randomNative, RANDOM_QUERIES)}), ` +
    `${randomOutcomes.filter((o) => o.problem).length} differences` +
    (randomDeclines.size > 0 ? `; declines: ${[...randomDeclines].map(([r, n]) => `${n}x ${r}`).join("; ")}` : ""));
  console.log(`SQL differential took ${((performance.now() - started) / 1000).toFixed(1)} s`);

  expect(failures.join("\n\n")).toEqual("");
}, 120_000);

function pct(n: number, of: number): string {
  return `${of === 0 ? 0 : Math.round((100 * n) / of)}%`;
}
