// Consumption through the Kafka source (server/kafka/kafka-source.ts) from librdkafka's mock cluster
// (3 brokers, via kcat): 1000-event NDJSON messages (seeded realistic events, bench/kafka-data.ts)
// over 4 partitions, a handler that is "durable" at once (no WAL), so the figure is the source's
// ceiling: fetch, decode, deliver, commit per batch. The floor printed next to it is JSON.parse of
// the same bytes on one core (decode, split lines, parse), the least work an ingest of them can do.
//
//   bun bench/kafka-consume.bench.ts [--events N]   (default 100000; SEED; BENCH_SECONDS for the floor)
//
// The mock keeps ~5 MB per partition, so the events go in phases of 48 messages, each consumed
// before the next is produced (the source paused meanwhile); a phase's time runs from resume() to
// its last delivery. The mock answers a fetch with one record set (~3 messages here) per partition,
// where a broker fills maxBytesPerPartition: the wall-clock figure is the mock's as much as ours.
// The CPU figure (this process's CPU per event while consuming) is the source's own cost.

import { createKafkaSource } from "../server/kafka/kafka-source.ts";
import { createTestProducer, startKafkaMock } from "../test/helpers/kafka-mock.ts";
import { EVENTS_PER_MESSAGE, PHASE_MESSAGES, jsonParseFloor, ndjsonMessages } from "./kafka-data.ts";

const arg = (name: string, d: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
const EVENTS = arg("--events", 100_000);
const SEED = Number(process.env.SEED ?? 42);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const TOPIC = "events";

const payload = ndjsonMessages(SEED, EVENTS);
const MESSAGES = payload.messages.length;
console.log(`seed ${SEED}: ${MESSAGES} messages x ${EVENTS_PER_MESSAGE} events, ${(payload.bytes / MESSAGES / 1e3).toFixed(0)} KB each, hash ${payload.hash}`);

await using mock = await startKafkaMock();
await using producer = await createTestProducer(mock.brokers);
let delivered = 0, batches = 0;
const source = createKafkaSource({
  brokers: mock.brokers, topic: TOPIC, groupId: "bench", maxWaitMs: 10, lagIntervalMs: 0,
  handler: async (b) => { delivered += b.messages.length; batches++; },
});
// The topic exists once something is produced to it; the source then joins (the mock's 3 s delay).
await producer.send(TOPIC, payload.messages.slice(0, 1));
const j0 = performance.now();
await source.start(() => null);
const joinMs = performance.now() - j0;
while (delivered < 1) await Bun.sleep(1);
delivered = 0; batches = 0;

let wallMs = 0, cpuUs = 0;
const phaseRates: number[] = [];
for (let i = 0; i < MESSAGES; i += PHASE_MESSAGES) {
  const phase = payload.messages.slice(i, i + PHASE_MESSAGES);
  source.pause();
  // One partition's messages together: 1 MB requests, record sets of ~3 messages.
  await producer.send(TOPIC, [...phase].sort((a, b) => a.partition! - b.partition!));
  const t0 = performance.now(), c0 = process.cpuUsage();
  source.resume();
  while (delivered < i + phase.length) await Bun.sleep(1);
  const ms = performance.now() - t0, c = process.cpuUsage(c0);
  wallMs += ms; cpuUs += c.user + c.system;
  phaseRates.push((phase.length * EVENTS_PER_MESSAGE) / (ms / 1000));
}
await source.refreshLag();
const lag = source.lag().reduce((s, l) => s + l.lag, 0n);
await source.stop();

const events = MESSAGES * EVENTS_PER_MESSAGE;
const eps = events / (wallMs / 1000);
const cpuEps = events / (cpuUs / 1e6);
phaseRates.sort((a, b) => a - b);
const floor = jsonParseFloor(payload.values, SECONDS);
const M = (x: number) => `${(x / 1e6).toFixed(2)}M`;
console.log(`join ${joinMs.toFixed(0)} ms; consumed ${MESSAGES} messages in ${batches} batches (${(MESSAGES / batches).toFixed(1)} messages/batch, a commit each), lag after: ${lag}`);
console.log(`source: ${(MESSAGES / (wallMs / 1000)).toFixed(0)} messages/s, ${M(eps)} events/s (median phase ${M(phaseRates[phaseRates.length >> 1]!)}, best ${M(phaseRates.at(-1)!)}); ${M(cpuEps)} events per CPU-second`);
console.log(`floor: JSON.parse of the same bytes, one core: ${M(floor)} events/s; source/floor ${(eps / floor).toFixed(2)}x wall-clock, ${(cpuEps / floor).toFixed(2)}x per CPU-second`);
