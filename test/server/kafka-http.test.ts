// Caracal consuming Kafka (librdkafka's mock cluster over the real protocol, test/helpers/kafka-mock.ts):
// events produced over 4 partitions are stored exactly once (count and id set) across kill -9 of
// the server at random moments; malformed messages become dead letters naming topic, partition and
// offset; the lag gauge is on /metrics; two instances in one group split the partitions, together
// hold every event once, and a lake query over both instances' Parquet equals the total.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTestProducer, startKafkaMock, type KafkaMock } from "../helpers/kafka-mock.ts";
import { startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";
import { Rng } from "../sim/rng.ts";

const MAIN = join(import.meta.dir, "../../server/main.ts");
const seed = Number(process.env.SEED ?? 8080);
console.log(`kafka-http seed=${seed}`);
let mock: KafkaMock;

beforeAll(async () => { mock = await startKafkaMock(); });
afterAll(async () => { await mock?.stop(); });

const source = (topic: string, group: string) => `kafka://${mock.bootstrap}/${topic}?group=${group}`;
const sql = async (url: string, q: string) => {
  const r = await fetch(`${url}/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql: q }) });
  const body = (await r.json()) as any;
  if (r.status !== 200) throw new Error(JSON.stringify(body));
  return body.rows as any[][];
};
const events = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({
  key: `u${(from + i) % 997}`, value: JSON.stringify({ event_id: `k-${from + i}`, type: "page_view", user_id: `u${(from + i) % 997}`, ts: Date.now() }),
}));

async function until(what: string, f: () => Promise<boolean>, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await Bun.sleep(100)) if (await f()) return;
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

test("events are stored exactly once across kill -9 cycles; bad messages are dead letters with their offsets", async () => {
  const rng = new Rng(seed);
  const topic = "exactly-once", dataDir = tempDataDir();
  await using producer = await createTestProducer(mock.brokers);
  const TOTAL = 20_000, CYCLES = 5;
  // Bad messages at known places: not JSON, and JSON without a type.
  const bad = await producer.send(topic, [{ key: "x", value: "{not json" }, { key: "y", value: JSON.stringify({ event_id: "no-type" }) }]);
  let produced = 0;
  const produce = async (n: number) => { await producer.send(topic, events(produced, n)); produced += n; };
  await produce(4000);
  let srv: CaracalProcess = await startCaracalProcess({ dataDir, args: ["--source", source(topic, "g1")] });
  for (let c = 0; c < CYCLES; c++) {
    await produce(Math.floor((TOTAL - 4000) / CYCLES));
    // Let it consume a random while, then crash it mid-stream.
    await Bun.sleep(rng.int(200, 1500));
    await srv.kill9();
    srv = await startCaracalProcess({ dataDir, args: ["--source", source(topic, "g1")] });
  }
  await until("every event consumed", async () => Number((await sql(srv.url, "SELECT count(*) FROM events"))[0]![0]) >= produced, 90_000);
  await Bun.sleep(500);
  const [[n, distinct]] = await sql(srv.url, "SELECT count(*), count(DISTINCT event_id) FROM events") as [[number, number]];
  const dead = await sql(srv.url, "SELECT source, code FROM _dead_letters ORDER BY source");
  const metrics = await (await fetch(`${srv.url}/metrics`)).text();
  const lagLines = metrics.split("\n").filter((l) => l.startsWith("caracal_kafka_consumer_lag{"));
  expect({ n, distinct, dead, lagged: lagLines.length > 0 && lagLines.every((l) => l.endsWith(" 0")) }).toEqual({
    n: produced, distinct: produced,
    dead: [[`kafka:${topic}/${bad[0]!.partition}@${bad[0]!.offset}`, "invalid_json"], [`kafka:${topic}/${bad[1]!.partition}@${bad[1]!.offset}`, "missing_field"]].sort(),
    lagged: true,
  });
  await srv[Symbol.asyncDispose]();
}, 120_000);

test("two instances in one group split the partitions, hold every event once, and a lake query sees the total", async () => {
  const topic = "scale-out", lake = tempDataDir("caracal-lake-");
  await using producer = await createTestProducer(mock.brokers);
  const conf = (name: string) => {
    const path = join(tempDataDir("caracal-conf-"), `${name}.json`);
    writeFileSync(path, JSON.stringify({ storage: { parquet_dir: join(lake, name), segment_rows: 256, compaction_min_rows: 256, compaction_interval_ms: 200 } }));
    return path;
  };
  const a = await startCaracalProcess({ args: ["--source", source(topic, "g2"), "--config", conf("a")] });
  const b = await startCaracalProcess({ args: ["--source", source(topic, "g2"), "--config", conf("b")] });
  // The topic exists before the group assigns it; both members hold partitions before events flow.
  await producer.send(topic, [0, 1, 2, 3].map((partition) => ({ key: null, partition, value: JSON.stringify({ event_id: `warm-${partition}`, type: "warmup", ts: Date.now() }) })));
  const assigned = async (s: CaracalProcess) => (await (await fetch(`${s.url}/metrics`)).text()).split("\n").filter((l) => l.startsWith("caracal_kafka_consumer_lag{")).length;
  await until("both instances assigned partitions", async () => { const [x, y] = [await assigned(a), await assigned(b)]; return x > 0 && y > 0 && x + y === 4; }, 60_000);
  await producer.send(topic, events(0, 8000));
  const count = async (s: CaracalProcess) => Number((await sql(s.url, "SELECT count(*) FROM events"))[0]![0]);
  await until("both instances together hold every event", async () => (await count(a)) + (await count(b)) >= 8004, 60_000);
  const users = async (s: CaracalProcess) => new Set((await sql(s.url, "SELECT DISTINCT user_id FROM events WHERE user_id IS NOT NULL")).map((r) => r[0]));
  const ua = await users(a), ub = await users(b);
  // Keyed by user: each user's events are on one instance only.
  const shared = [...ua].filter((u) => ub.has(u));
  const [na, nb] = [await count(a), await count(b)];
  // Both compacted what they hold (but a partial last segment): give them a moment, then ask the lake.
  await Bun.sleep(1500);
  await a.terminate();
  await b.terminate();
  const p = Bun.spawnSync([process.execPath, MAIN, "lake-query", "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM events WHERE type = 'page_view'", "--lake", lake], { stdout: "pipe", stderr: "pipe" });
  const out = p.stdout.toString().trim().split("\n");
  expect({ total: na + nb, split: na > 0 && nb > 0, shared, exit: p.exitCode, lake: out.at(-1) }).toEqual({ total: 8004, split: true, shared: [], exit: 0, lake: "8000,8000" });
  await a[Symbol.asyncDispose]();
  await b[Symbol.asyncDispose]();
}, 120_000);
