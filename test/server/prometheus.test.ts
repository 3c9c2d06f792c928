// GET /metrics against the real server: the exposition parses with a Prometheus text-format parser
// and its figures follow what was ingested, rejected, queried and fsynced.
import { afterAll, beforeAll, expect, test } from "bun:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { event, ndjson, postEvents, startCaracalProcess, type CaracalProcess } from "../helpers/caracal-process.ts";

let srv: CaracalProcess;
beforeAll(async () => { srv = await startCaracalProcess(); });
afterAll(async () => { await srv[Symbol.asyncDispose](); });

type Family = { name: string; type: string; metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }[] };

async function scrape(): Promise<{ m: Map<string, Family>; text: string }> {
  const res = await fetch(`${srv.url}/metrics`);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const text = await res.text();
  const families = parsePrometheusTextFormat(text) as Family[];
  return { m: new Map(families.map((f) => [f.name, f])), text };
}

/** A sample's value read from the text (the parser drops the labels of labelled histograms). */
const sample = (text: string, line: string) => Number(new RegExp(`^${line.replace(/[{}()+.*?^$|[\]\\]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);

const value = (f: Family | undefined, labels: Record<string, string>) =>
  Number(f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);

test("/metrics parses and counts ingest outcomes, data quality, queries and fsyncs", async () => {
  const now = Date.now();
  const events = [event(1, { ts: now }), event(2, { ts: now, user_id: null }), event(3, { ts: now - 3_600_000 }), { type: 5 }, { event_id: "x" }];
  const r = await postEvents(srv.url, ndjson(events));
  expect([r.body.accepted, r.body.rejected]).toEqual([3, 2]);
  await postEvents(srv.url, ndjson([event(1, { ts: now })])); // a duplicate
  await fetch(`${srv.url}/v1/sql?q=${encodeURIComponent("SELECT count(*) FROM events")}`);
  for (let i = 0; i < 3; i++) await (await fetch(`${srv.url}/v1/recommend?user=u1&k=3`)).arrayBuffer();
  const { m, text } = await scrape();
  expect({
    accepted: value(m.get("caracal_ingest_events_total"), { table: "events", outcome: "accepted" }),
    rejected: value(m.get("caracal_ingest_events_total"), { table: "events", outcome: "rejected" }),
    duplicate: value(m.get("caracal_ingest_events_total"), { table: "events", outcome: "duplicate" }),
    dqMissingField: value(m.get("caracal_dq_rejected_total"), { table: "events", reason: "missing_field" }) + value(m.get("caracal_dq_rejected_total"), { table: "events", reason: "invalid_type" }),
    late: value(m.get("caracal_dq_late_events_total"), { table: "events" }),
    userNullRatio: value(m.get("caracal_dq_null_ratio"), { table: "events", column: "user_id" }),
    rows: value(m.get("caracal_store_rows"), { table: "events", where: "all" }),
    types: [m.get("caracal_ingest_batch_seconds")?.type, m.get("caracal_wal_fsync_seconds")?.type, m.get("caracal_query_seconds")?.type],
    queriesNative: sample(text, `caracal_query_seconds_count{engine="native"}`),
    batches: sample(text, `caracal_ingest_batch_seconds_count{table="events"}`),
    fsyncs: sample(text, "caracal_wal_fsync_seconds_count") > 0,
    lookups: [m.get("caracal_lookup_seconds")?.type, sample(text, `caracal_lookup_seconds_count{endpoint="recommend"}`),
      sample(text, `caracal_lookup_seconds_bucket{le="+Inf",endpoint="recommend"}`), sample(text, `caracal_lookup_seconds_bucket{le="10",endpoint="recommend"}`)],
  }).toEqual({
    accepted: 3, rejected: 2, duplicate: 1, dqMissingField: 2, late: 1, userNullRatio: 1 / 3, rows: 3,
    types: ["HISTOGRAM", "HISTOGRAM", "HISTOGRAM"], queriesNative: 1, batches: 2, fsyncs: true, lookups: ["HISTOGRAM", 3, 3, 3],
  });
});
