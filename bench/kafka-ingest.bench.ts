// End to end from Kafka into the WAL and the store: the real server with a kafka:// source (default
// config: every derived view on) consumes 1000-event NDJSON messages from librdkafka's mock cluster
// (via kcat), against HTTP ingest of the very same bodies into a fresh server in the same run
// (8 POSTs in flight, bodies prepared beforehand). The messages are produced before the server
// starts; the rate runs from the first row visible in SQL to the last, so the consumer group's join
// (a few seconds against the mock) is not counted. Rows are counted by polling SQL every 10 ms (the
// default journey's cart_abandonment events, which the server adds itself, left out).
//
//   bun bench/kafka-ingest.bench.ts [--messages 48]   (the mock keeps ~5 MB a partition: at most ~48)

import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { startCaracalProcess, tempDataDir, type CaracalProcess } from "../test/helpers/caracal-process.ts";
import { createTestProducer, startKafkaMock } from "../test/helpers/kafka-mock.ts";
import { EVENTS_PER_MESSAGE, ndjsonMessages } from "./kafka-data.ts";

const { values } = parseArgs({ options: { messages: { type: "string", default: "48" } } });
const MESSAGES = Number(values.messages), EVENTS = MESSAGES * EVENTS_PER_MESSAGE;
if (!Bun.which("kcat")) { console.log("kafka-ingest bench needs kcat (apt-get install kcat)"); process.exit(1); }

const payload = ndjsonMessages(Number(process.env.SEED ?? 42), EVENTS);
const count = async (srv: CaracalProcess): Promise<number> => {
  const r = await fetch(`${srv.url}/v1/sql`, { method: "POST", headers: { "content-type": "text/plain" }, body: "SELECT count(*) FROM events WHERE type <> 'cart_abandonment'" });
  return Number(((await r.json()) as { rows: [[number]] }).rows[0][0]);
};

/** Polls the row count until `EVENTS`; the rate from the first row seen to the last. */
async function watch(srv: CaracalProcess, target: number, timeoutMs: number): Promise<{ rate: number; spanMs: number }> {
  const deadline = performance.now() + timeoutMs;
  let first: { t: number; n: number } | null = null;
  for (;;) {
    const n = await count(srv), t = performance.now();
    if (n > 0 && first === null) first = { t, n };
    if (n >= target) return { rate: (n - first!.n) / ((t - first!.t) / 1000), spanMs: t - first!.t };
    if (t > deadline) throw new Error(`only ${n} of ${target} events after ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}

await using mock = await startKafkaMock();
const dir = tempDataDir("caracal-kafka-ingest-");
try {
  // HTTP first: it also says how many of the events are valid (the generator plants some bad ones).
  await using httpSrv = await startCaracalProcess({ dataDir: `${dir}/http` });
  let next = 0, accepted = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = next++; i < payload.values.length; i = next++) {
      const r = await fetch(`${httpSrv.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: payload.values[i]! });
      if (r.status !== 200) throw new Error(`HTTP ingest answered ${r.status}: ${await r.text()}`);
      accepted += ((await r.json()) as { accepted: number }).accepted;
    }
  }));
  const httpRate = accepted / ((performance.now() - t0) / 1000);
  const stored = await count(httpSrv);
  if (stored !== accepted) throw new Error(`HTTP ingest accepted ${accepted} events but stores ${stored}`);
  await httpSrv.terminate();

  {
    await using producer = await createTestProducer(mock.brokers);
    await producer.send("bench", payload.messages);
  }
  await using kafkaSrv = await startCaracalProcess({ dataDir: `${dir}/kafka`, args: ["--source", `kafka://${mock.bootstrap}/bench?group=bench`] });
  const k = await watch(kafkaSrv, accepted, 120_000);
  await kafkaSrv.terminate();

  console.log(`kafka-ingest: ${MESSAGES} messages x ${EVENTS_PER_MESSAGE} events (${(payload.bytes / 1e6).toFixed(1)} MB, hash ${payload.hash}; ${accepted} valid), every derived view on`);
  console.log(`kafka -> WAL -> store: ${Math.round(k.rate).toLocaleString("en")} events/s (${k.spanMs.toFixed(0)} ms from first row to last)`);
  console.log(`HTTP ingest, same bodies, same machine: ${Math.round(httpRate).toLocaleString("en")} events/s; kafka / HTTP ${(k.rate / httpRate).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
