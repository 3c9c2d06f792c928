// Cost of funnels and journey patterns on the ingest path, on one core: realistic events (bench/data.ts)
// as 1000-event NDJSON bodies go through ingestBody (parse, validate, build the batch), are appended to
// a Table, and the new rows are fed to a consumer as the row feed does. Runs over the same bodies:
//
//   no consumer     ingest alone: the baseline throughput
//   scan floor      a consumer that only reads the columns the engine reads, of the same rows
//   5 funnels       5 funnels of 3 to 5 steps
//   + 2 journeys    the same plus cart abandonment and a bounce pattern (by session, absent: any event)
//
// Printed: CPU ns/event inside consume() (the engine's own cost, next to the scan floor's) and for the
// whole loop, ingest throughput relative to no consumer, as ingest / (ingest + consume) with ingest
// the best loop-minus-consume time of all runs (target >= 0.7x with 5 funnels), state
// memory, and a hash of the funnel reports and emissions so a broken engine cannot look fast. Not
// included: the WAL, HTTP, and the second core a parse worker would use. Times are the main thread's
// CPU time (process.threadCpuUsage), best of interleaved runs: the machine these run on is shared,
// and wall time there measures the neighbours.
//
//   bun bench/funnels.bench.ts [events=500000] [seed=42]      BENCH_REPS (default 3) interleaved runs

import { parseFunnelDefinition, parseJourneyDefinition, type FunnelDef, type JourneyDef } from "../engine/aggregate/sequence-definition.ts";
import { SequenceEngine } from "../engine/aggregate/sequence-engine.ts";
import type { FeedBatch, RowConsumer } from "../engine/aggregate/row-feed.ts";
import { decodeBatch } from "../engine/core/batch-codec.ts";
import { ingestBody } from "../server/ingest/ingest-batch.ts";
import { EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { Table } from "../engine/store/table.ts";
import { eventStream } from "./data.ts";

const EVENTS = Number(process.argv[2] ?? 500_000);
const SEED = Number(process.argv[3] ?? 42);
const BATCH = 1000;
const REPS = Number(process.env.BENCH_REPS ?? 3);
const MIN = 60_000;
const LATE = 10 * MIN;

const step = (name: string, where: Record<string, string | string[]>, extra: Record<string, unknown> = {}) => ({ name, where, ...extra });
const FUNNELS: FunnelDef[] = [
  parseFunnelDefinition({
    name: "shop", window_ms: 60 * MIN, step_window_ms: 30 * MIN, allowed_lateness_ms: LATE,
    steps: [step("view", { type: "view_item" }), step("cart", { type: "add_to_cart" }), step("checkout", { type: "checkout_started" }), step("buy", { type: "purchase" })],
  }),
  parseFunnelDefinition({
    name: "app_shop", window_ms: 120 * MIN, allowed_lateness_ms: LATE,
    steps: [step("screen", { type: "screen_view", platform: ["ios", "android"] }), step("view", { type: "view_item" }), step("cart", { type: "add_to_cart" }), step("buy", { type: "purchase" })],
  }),
  parseFunnelDefinition({
    name: "ads", window_ms: 360 * MIN, allowed_lateness_ms: LATE,
    steps: [step("impression", { type: "impression" }), step("click", { type: "ad_click" }), step("view", { type: "view_item" }), step("cart", { type: "add_to_cart" }), step("buy", { type: "purchase" })],
  }),
  parseFunnelDefinition({
    name: "email", window_ms: 24 * 60 * MIN, allowed_lateness_ms: LATE,
    steps: [step("open", { type: "email_open", channel: "email" }), step("click", { type: "email_click" }), step("buy", { type: "purchase" })],
  }),
  parseFunnelDefinition({
    name: "search", window_ms: 30 * MIN, step_window_ms: 10 * MIN, allowed_lateness_ms: LATE,
    steps: [step("search", { type: "search" }), step("view", { type: "view_item" }), step("cart", { type: "add_to_cart" })],
  }),
];
const JOURNEYS: JourneyDef[] = [
  parseJourneyDefinition({
    name: "cart_abandonment", window_ms: 60 * MIN, allowed_lateness_ms: LATE,
    steps: [step("view", { type: "view_item" }), step("cart", { type: "add_to_cart" })],
    then: { absent: { type: ["checkout_started", "purchase"] }, within_ms: 30 * MIN },
    emit: { type: "cart_abandonment", copy: ["item_id", "category"] },
  }),
  parseJourneyDefinition({
    name: "bounce", by: "session_id", allowed_lateness_ms: LATE, steps: [step("landing", { type: "page_view" })],
    then: { absent: {}, within_ms: 30 * MIN }, emit: { type: "bounce" },
  }),
];

console.log(`funnels bench: ${EVENTS} events, seed ${SEED}, batches of ${BATCH}`);
const bodies: Uint8Array[] = [];
let pending: string[] = [];
const utf8 = new TextEncoder();
const flush = () => (bodies.push(utf8.encode(`${pending.join("\n")}\n`)), (pending = []));
for (const e of eventStream(SEED, EVENTS)) {
  pending.push(JSON.stringify(e));
  if (pending.length === BATCH) flush();
}
if (pending.length) flush();
// The server stamps receive time per request; a fixed one keeps runs identical.
const RECEIVED_AT = Date.UTC(2025, 2, 2);

/**
 * Sums the codes (and times) of the columns it is given: what reading the rows costs at least. It
 * decodes no event_id (the engine decodes one per journey candidate only).
 */
class ScanFloor implements RowConsumer {
  sum = 0;
  constructor(private readonly cols: readonly string[]) {}
  consume(b: FeedBatch): void {
    let s = 0;
    for (const c of this.cols) {
      const v = b.column(c);
      if (v?.codes) for (let r = b.begin; r < b.end; r++) s += v.codes[r]!;
      else if (v?.f64) for (let r = b.begin; r < b.end; r++) s += v.f64[r]! & 0xff;
    }
    this.sum = (this.sum + s) % 1e9;
  }
}

/** CPU time of this thread, ms. */
const threadCpu = (process as unknown as { threadCpuUsage: () => { user: number; system: number } }).threadCpuUsage;
const cpuMs = () => {
  const u = threadCpu();
  return (u.user + u.system) / 1000;
};

interface Result { label: string; loopNs: number; consumeNs: number; bytes: number; users: number; hash: string; note: string }

function run(label: string, consumer: RowConsumer | null, columns: readonly string[], describe: () => { bytes: number; users: number; hash: string; note: string }): Result {
  const table = new Table(EVENTS_SCHEMA);
  let consumeMs = 0;
  Bun.gc(true);
  const t0 = cpuMs();
  for (const body of bodies) {
    const out = ingestBody({ table: EVENTS_SCHEMA, format: "ndjson", gzip: false, body, receivedAt: RECEIVED_AT, source: "http", allowEnvelope: false });
    const from = table.rowCount;
    table.appendBatch(decodeBatch(out.batch), null);
    if (consumer === null) continue;
    const c0 = cpuMs();
    const index = new Map(columns.map((c, i) => [c, i]));
    for (const b of table.scan({ columns, fromRow: from })) {
      consumer.consume({
        table: "events", begin: Math.max(0, from - b.firstRow), end: b.rowCount, firstRow: b.firstRow,
        column: (name) => { const j = index.get(name); return j === undefined ? null : b.vectors[j]!; },
      });
    }
    consumeMs += cpuMs() - c0;
  }
  const loopMs = cpuMs() - t0;
  const n = table.rowCount;
  return { label, loopNs: (loopMs * 1e6) / n, consumeNs: (consumeMs * 1e6) / n, ...describe() };
}

function hashOf(x: unknown): string {
  return new Bun.CryptoHasher("sha256").update(JSON.stringify(x)).digest("hex").slice(0, 16);
}

function engineRun(label: string, defs: (FunnelDef | JourneyDef)[]): Result {
  const ids: unknown[] = [];
  const engine = new SequenceEngine(defs, { onEmit: (es) => { for (const e of es) ids.push(e.event_id); } });
  return run(label, engine, engine.columns(), () => {
    const m = engine.metrics();
    const lines = m.definitions.map((d) => `    ${d.name.padEnd(17)} users ${String(d.stateUsers).padStart(7)}  events ${String(d.stateEvents).padStart(8)}  ` +
      `${(d.stateBytes / 2 ** 20).toFixed(1).padStart(6)} MiB  expired ${d.expiredUsers}  evicted ${d.evictedUsers}  dropped ${d.droppedEvents}  late ${d.lateEvents}`);
    const reports = engine.funnelReports();
    const conv = reports.map((r) => `    ${r.name.padEnd(17)} ${r.steps.map((s) => `${s.name} ${s.entrants}` + (s.timeToConvertMs ? ` (p50 ${(s.timeToConvertMs.p50 / 1000).toFixed(0)} s)` : "")).join(" -> ")}`);
    return { bytes: m.stateBytes, users: m.stateUsers, hash: hashOf([reports, ids]), note: [...lines, ...conv, `    emitted ${ids.length} derived events`].join("\n") };
  });
}

const probe = new SequenceEngine([...FUNNELS, ...JOURNEYS]);
const columns = probe.columns();
const configs: [string, () => Result][] = [
  ["no consumer", () => run("no consumer", null, columns, () => ({ bytes: 0, users: 0, hash: "", note: "" }))],
  ["scan floor", () => {
    const floor = new ScanFloor(columns);
    return run("scan floor", floor, columns, () => ({ bytes: 0, users: 0, hash: String(floor.sum), note: "" }));
  }],
  ["5 funnels", () => engineRun("5 funnels", FUNNELS)],
  ["5 funnels + 2 journeys", () => engineRun("5 funnels + 2 journeys", [...FUNNELS, ...JOURNEYS])],
];
// Interleaved repetitions, best of each: the machine is shared and garbage collection lands anywhere.
const best = new Map<string, Result>();
let ingestNs = Infinity;
for (let rep = 0; rep < REPS; rep++) {
  for (const [label, f] of configs) {
    const r = f();
    const b = best.get(label);
    if (b && b.hash !== r.hash) throw new Error(`${label}: result differs between repetitions`);
    best.set(label, b === undefined ? r : { ...r, loopNs: Math.min(b.loopNs, r.loopNs), consumeNs: Math.min(b.consumeNs, r.consumeNs) });
    // Every run does the same ingest work; outside consume() it is the baseline, best of all runs.
    ingestNs = Math.min(ingestNs, r.loopNs - r.consumeNs);
  }
}
const results = configs.map(([label]) => best.get(label)!);
console.log(`\ncolumns fed: ${columns.join(", ")}; best of ${REPS} interleaved runs, main-thread CPU time`);
console.log(`ingest without consumers (parse, validate, build, append): ${ingestNs.toFixed(0)} ns/event, the best over all runs`);
console.log("\nrun                         consume ns/event   whole loop ns/event   ingest throughput vs none   state");
for (const r of results) {
  const ratio = ingestNs / (ingestNs + r.consumeNs);
  console.log(`${r.label.padEnd(28)}${r.consumeNs.toFixed(0).padStart(16)}${r.loopNs.toFixed(0).padStart(22)}${ratio.toFixed(2).padStart(27)}x` +
    `   ${(r.bytes / 2 ** 20).toFixed(1)} MiB, ${r.users} subjects`);
  if (r.note) console.log(r.note);
}
console.log(`\n(throughput vs none = ingest / (ingest + consume): the whole-loop times of single runs differ by more than`);
console.log(` the consumers cost on a shared machine. Target: >= 0.7x with 5 funnels.)`);
console.log(`result hashes: ${results.map((r) => r.hash).join(" ")}`);
