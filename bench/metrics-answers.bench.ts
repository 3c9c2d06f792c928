// GET /v1/metrics's route in process (server/routes/metrics.ts), the last hour by campaign per
// minute (UV, ~6,000 cells, 118 KB): asked again with nothing changed (the answer cache's hit), asked
// after one new event each time (a miss: only the points whose cells changed are read again, and the
// series whose values did not change keep their bytes), and the same with the cache off (the whole
// query, every series encoded). Per request, the time to the Response (the query, the body's parts,
// the Blob); the HTTP send is not included.
//
// Data (seeded, bench/data.ts): 200,000 events over the last hour, 20,000 users, its 100 campaigns.
//
//   bun bench/metrics-answers.bench.ts [asks=1500]

import { DEFAULT_ROLLUP_CONFIG } from "../engine/aggregate/rollup-config.ts";
import { Rollups } from "../engine/aggregate/rollups.ts";
import { AnswerCache } from "../server/routes/answer-cache.ts";
import { getMetrics } from "../server/routes/metrics.ts";
import { appendAndFeed, eventsTable, type PlainEvent } from "../test/helpers/event-feed.ts";
import { eventStream } from "./data.ts";

const ASKS = Number(process.argv[2] ?? 1500), WARM = 200;
const r = new Rollups(DEFAULT_ROLLUP_CONFIG), t = eventsTable();
const events = eventStream(11, Number.MAX_SAFE_INTEGER), now = Date.now();
let seeded = 0;
for (let b = 0; b < 200; b++) {
  const batch: PlainEvent[] = [];
  for (let i = 0; i < 1000; i++) {
    const { event_id: _, ...e } = events.next().value!;
    seeded++;
    batch.push({ ...(e as PlainEvent), user_id: `u${(seeded * 7919) % 20000}`, ts: now - ((seeded * 37) % 3_600_000) });
  }
  appendAndFeed(t, batch, [r]);
}
const campaigns = [...new Set(Array.from({ length: 5000 }, () => events.next().value!.campaign).filter((c): c is string => !!c))];
const url = "http://127.0.0.1/v1/metrics?metric=uv&by=campaign&step=1m";

function run(label: string, cacheBytes: number, change: boolean): void {
  const ctx = { rollups: r, metricsAnswers: new AnswerCache(cacheBytes) };
  const ms = new Float64Array(ASKS);
  for (let i = 0; i < ASKS; i++) {
    if (change) appendAndFeed(t, [{ type: "page_view", ts: Date.now(), user_id: `n${i}`, campaign: campaigns[i % campaigns.length]! }], [r]);
    const req = new Request(url);
    const t0 = performance.now();
    getMetrics(req, ctx);
    ms[i] = performance.now() - t0;
  }
  const s = [...ms.subarray(WARM)].sort((a, b) => a - b), n = s.length, st = ctx.metricsAnswers.stats();
  const us = (x: number) => `${(x * 1000).toFixed(0)} us`;
  console.log(`${label.padEnd(46)} p50 ${us(s[n >> 1]!).padStart(7)}  p99 ${us(s[Math.floor(n * 0.99)]!).padStart(7)}   hits ${st.hits}, misses ${st.misses} (${st.updated} updated), series kept ${st.seriesKept}`);
}

console.log(`metrics-answers bench: ${seeded} events over the last hour, ${campaigns.length} campaigns, ${ASKS} asks each (first ${WARM} not counted)`);
run("unchanged rollups (answer reused)", 16 << 20, false);
run("one new event between asks (updated)", 16 << 20, true);
run("one new event between asks, cache off", 0, true);
