// Compaction's row extraction on the serving thread (storage/parquet/part-rows.ts): rows of the
// default schema pulled out of sealed segments into transferable typed arrays, then posted (here a
// structuredClone with the same transfer list), against a floor measured in the same run: a scan of
// the same columns that only touches each batch (the decoding every reader pays). Then the way the
// server runs it (extractRowsAsync, yielding to the event loop every ~0.5 ms): the longest turn it
// holds the loop, seen by a setImmediate probe, first run (cold) and best of the next four.
//
//   bun bench/compaction-extract.bench.ts [rows=262144] [seed=7]

import { EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { Table } from "../engine/store/table.ts";
import { extractRows, extractRowsAsync, transferList } from "../storage/parquet/part-rows.ts";
import { eventStream } from "./data.ts";
import { appendEvents } from "./events-batch.ts";

const N = Number(process.argv[2] ?? 262_144), SEED = Number(process.argv[3] ?? 7);
const table = new Table(EVENTS_SCHEMA);
appendEvents(table, eventStream(SEED, N), 8192);
table.seal();
const columns = EVENTS_SCHEMA.columns.map((c) => c.name);
const best = { extract: Infinity, post: Infinity, floor: Infinity };
for (let rep = 0; rep < 5; rep++) {
  let t = performance.now(), touched = 0;
  for (const b of table.scan({ columns, fromRow: 0 })) touched += b.rowCount;
  best.floor = Math.min(best.floor, (performance.now() - t) * 1e6 / touched);
  t = performance.now();
  const rows = extractRows(table, 0, N);
  best.extract = Math.min(best.extract, (performance.now() - t) * 1e6 / N);
  t = performance.now();
  structuredClone(rows, { transfer: transferList(rows) });
  best.post = Math.min(best.post, (performance.now() - t) * 1e6 / N);
}
console.log(`compaction extraction, ${N} rows of ${columns.length} columns (best of 5): extract ${best.extract.toFixed(0)} ns/row, ` +
  `post ${best.post.toFixed(0)} ns/row; floor (scan decoding the same columns) ${best.floor.toFixed(0)} ns/row; extract / floor ${(best.extract / best.floor).toFixed(2)}x`);

const turns: number[] = [];
for (let rep = 0; rep < 5; rep++) {
  let done = false, longest = 0, last = performance.now();
  const probe = (async () => {
    while (!done) {
      await new Promise<void>((r) => setImmediate(r));
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }
  })();
  await extractRowsAsync(table, 0, N);
  done = true;
  await probe;
  turns.push(longest);
}
console.log(`as the server runs it (extractRowsAsync): longest turn ${turns[0]!.toFixed(1)} ms cold, ${Math.min(...turns.slice(1)).toFixed(1)}-${Math.max(...turns.slice(1)).toFixed(1)} ms warm`);
