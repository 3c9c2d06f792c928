// What a derived-state checkpoint costs the serving thread: every component's encode() runs as one
// task between requests (DerivedState.snapshotGradually yields only between components), then the
// sections are joined into one file body (storage/derived-checkpoint.ts). The longest of those tasks
// is what a lookup can wait behind once per checkpoint (every 5 minutes, and before the WAL is
// truncated). The file is written as the sections are, its CRC taken 32 MiB at a time between turns
// (storage/derived-checkpoint.ts; joining 43 MB of sections and taking the CRC at once was one
// 21 ms task). Default configuration, every derived part on, events over the last hour from the
// generated world (bench/data.ts).
//
// Prints per component: bytes, encode ms and its longest task (best of 3; components that encode in
// steps, DerivedComponent.encodeGradually, may yield after each), one CRC slice, and the longest task.
//
//   bun bench/checkpoint.bench.ts [events=200000] [users=20000]

import { EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { Catalog } from "../engine/store/catalog.ts";
import { loadConfig } from "../server/config.ts";
import { buildDerived } from "../server/derived-parts.ts";
import type { DerivedSection } from "../engine/aggregate/derived-state.ts";
import { eventStream } from "./data.ts";
import { appendEvents } from "./events-batch.ts";

const N = Number(process.argv[2] ?? 200_000), USERS = Number(process.argv[3] ?? 20_000);
const config = loadConfig({}, {});
const d = buildDerived(config);
const catalog = new Catalog();
const table = catalog.create(EVENTS_SCHEMA);
for (const t of config.tables) if (t.name !== EVENTS_SCHEMA.name && !catalog.get(t.name)) catalog.create(t);
const world = eventStream(11, Number.MAX_SAFE_INTEGER);
const now = Date.now();
let made = 0;
appendEvents(table, (function* () {
  for (; made < N; made++) {
    const { event_id: _, ...e } = world.next().value!;
    yield { ...e, user_id: `u${(made * 7919) % USERS}`, ts: now - 3_600_000 + Math.floor((made / N) * 3_600_000) };
  }
})(), 1000);
const t0 = performance.now();
d.state.feed(catalog);
console.log(`checkpoint bench: ${N} events, ${USERS} users, every derived part on; fed in ${(performance.now() - t0).toFixed(0)} ms`);

const ms = new Map<string, number>(), sizes = new Map<string, number>(), steps = new Map<string, number>();
let snapshot = new Map<string, DerivedSection>();
for (let rep = 0; rep < 3; rep++) {
  snapshot = new Map();
  for (const c of d.state.components) {
    const s = performance.now();
    let bytes: Uint8Array, longest = 0;
    if (c.encodeGradually) {
      // Steps timed one by one: DerivedState.snapshotGradually may yield to requests after any of them.
      const g = c.encodeGradually();
      for (let t = performance.now(); ; t = performance.now()) {
        const r = g.next();
        longest = Math.max(longest, performance.now() - t);
        if (r.done) { bytes = r.value; break; }
      }
    } else bytes = c.encode();
    const e = performance.now() - s;
    ms.set(c.name, Math.min(ms.get(c.name) ?? Infinity, e));
    steps.set(c.name, Math.min(steps.get(c.name) ?? Infinity, c.encodeGradually ? longest : e));
    sizes.set(c.name, bytes.byteLength);
    snapshot.set(c.name, { covered: {}, bytes });
  }
}
let slice = Infinity, total = 0;
for (const sec of snapshot.values()) total += sec.bytes.byteLength;
const chunk = new Uint8Array(32 << 20).fill(7);
for (let rep = 0; rep < 5; rep++) {
  const s = performance.now();
  Bun.hash.crc32(chunk, 1);
  slice = Math.min(slice, performance.now() - s);
}
const mib = (n: number) => (n / 1048576).toFixed(2);
console.log("  component           MiB  encode ms  longest task ms");
for (const [name, t] of [...ms].sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(14)} ${mib(sizes.get(name)!).padStart(8)} ${t.toFixed(1).padStart(10)} ${steps.get(name)!.toFixed(1).padStart(16)}${steps.get(name) !== t ? " (in steps)" : ""}`);
console.log(`  CRC, 32 MiB slice of ${mib(total)} MiB: ${slice.toFixed(1)} ms`);
const longest = Math.max(slice, ...steps.values());
console.log(`longest single task on the serving thread: ${longest.toFixed(1)} ms; all encoding ${[...ms.values()].reduce((a, b) => a + b, 0).toFixed(1)} ms`);
