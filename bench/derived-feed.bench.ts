// What feeding rollups, audiences and the 5 funnels of bench/five-funnels.json costs per event in
// process, with warm caches and with the caches flushed between stretches of feeding, as the
// serving thread's other work (HTTP, applying batches, compaction) flushes them live. The stream is
// the HTTP ingest bench's: 64 distinct 1000-event bodies in turn, one receive time per body, 160k
// events/s of event time. The figures behind server/caracal.ts's longer stretches under backlog.
//
// Printed per stretch length (rows fed between two flushes of a 16 MiB buffer; "none" = no flush):
// ns/event of consume() for each component and their sum (best of 3 runs, timed around consume
// only), and the sum relative to the warm run (the floor).
//
//   bun bench/derived-feed.bench.ts [events=1000000] [stretches=none,256,512,2048]

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DerivedComponent } from "../engine/aggregate/derived-state.ts";
import type { FeedBatch } from "../engine/aggregate/row-feed.ts";
import { decodeBatch } from "../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { Table, type Vector } from "../engine/store/table.ts";
import { loadConfig } from "../server/config.ts";
import { buildDerived } from "../server/derived-parts.ts";
import { tempDataDir } from "../test/helpers/caracal-process.ts";
import { eventStream } from "./data.ts";
import { eventsBatch } from "./events-batch.ts";
import { rmSync, writeFileSync } from "node:fs";

const N = Number(process.argv[2] ?? 1_000_000);
const STRETCHES = (process.argv[3] ?? "none,256,512,2048").split(",").map((s) => (s === "none" ? 0 : Number(s)));
const SLICE = 256; // rows per consume() call, as DerivedState feeds them

const dir = tempDataDir("caracal-derived-feed-");
const configFile = join(dir, "config.json");
writeFileSync(configFile, JSON.stringify({
  derived: { rollups: true, audiences: true, funnels: true, profiles: false, recommendations: false, social: false },
  funnels: JSON.parse(readFileSync(join(import.meta.dir, "five-funnels.json"), "utf8")),
}));
const config = loadConfig({ config: configFile }, {});
rmSync(dir, { recursive: true, force: true });

const world = eventStream(7, Number.MAX_SAFE_INTEGER);
const bodies = Array.from({ length: 64 }, () => Array.from({ length: 1000 }, () => { const { event_id: _, ...e } = world.next().value!; return e; }));
const table = new Table(EVENTS_SCHEMA);
let t = Date.UTC(2026, 11, 4, 12);
for (let b = 0; b < N / 1000; b++) {
  t += 6.25; // 1000 events per 6.25 ms: 160k events/s
  table.appendBatch(decodeBatch(eventsBatch(bodies[b % 64]!.map((e) => ({ ...e, ts: Math.round(t) })))), null);
}
table.seal();

const flush = new Float64Array(2 << 20); // 16 MiB
let sink = 0;

/** ns/event of c.consume over the table, flushing the caches every `stretch` rows (0: never). */
function feed(c: DerivedComponent, stretch: number): number {
  const columns = c.columns.filter((x) => table.columnIndex(x) >= 0);
  const index = new Map(columns.map((x, i) => [x, i]));
  let vectors: readonly Vector[] = [];
  const batch: { -readonly [K in keyof FeedBatch]: FeedBatch[K] } = {
    table: "events", begin: 0, end: 0, firstRow: 0, column: (x) => { const j = index.get(x); return j === undefined ? null : vectors[j]!; },
  };
  let spent = 0;
  for (const b of table.scan({ columns, fromRow: 0 })) {
    vectors = b.vectors;
    batch.firstRow = b.firstRow;
    for (let pos = 0; pos < b.rowCount; pos += SLICE) {
      if (stretch > 0 && (b.firstRow + pos) % stretch === 0) for (let k = 0; k < flush.length; k += 8) sink += flush[k]!;
      batch.begin = pos;
      batch.end = Math.min(b.rowCount, pos + SLICE);
      const t0 = performance.now();
      c.consume(batch);
      spent += performance.now() - t0;
    }
  }
  return (spent * 1e6) / table.rowCount;
}

console.log(`derived-feed bench: ${table.rowCount} events (64 bodies in turn, 160k events/s of event time), rollups + audiences + 5 funnels, ${SLICE} rows per consume()`);
let warm = 0;
for (const stretch of STRETCHES) {
  const best = new Map<string, number>();
  for (let rep = 0; rep < 3; rep++) {
    const d = buildDerived(config);
    for (const [name, c] of [["rollups", d.rollups], ["audiences", d.audiences], ["funnels", d.sequences]] as const) {
      best.set(name, Math.min(best.get(name) ?? Infinity, feed(c, stretch)));
    }
  }
  const total = [...best.values()].reduce((a, b) => a + b, 0);
  if (stretch === 0) warm = total;
  console.log(`flush ${stretch === 0 ? "never" : `every ${stretch} rows`}: ${[...best].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")} ns/event; ` +
    `total ${total.toFixed(0)} ns/event${warm > 0 ? `, ${(total / warm).toFixed(2)}x the warm run` : ""}`);
}
if (sink === 0.5) console.log(sink);
