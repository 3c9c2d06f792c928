// KafkaIngest replaces a consumer the client gave up on (kafkajs "crash" without restart) with a new
// group member after a doubling backoff, and never restarts a successor on its predecessor's late
// events. Driven with a stand-in source and a hand-released backoff clock: no broker, no sleeps.

import { describe, expect, test } from "bun:test";
import { KafkaIngest } from "../../../../server/kafka/kafka-ingest.ts";
import type { KafkaSource, KafkaSourceEvent, KafkaSourceOptions } from "../../../../server/kafka/kafka-source.ts";

interface FakeSource extends KafkaSource {
  readonly options: KafkaSourceOptions;
  starts: number;
  stops: number;
}

function harness(startOutcomes: ("ok" | "fail")[] = []) {
  const sources: FakeSource[] = [];
  const sleeps: { ms: number; release: () => void }[] = [];
  const ingest = new KafkaIngest({
    urls: ["kafka://127.0.0.1:9092/clicks?group=g1"],
    pipeline: () => { throw new Error("no batch is delivered in these tests"); },
    logged: () => null,
    createSource: (options) => {
      const s: FakeSource = {
        options, starts: 0, stops: 0,
        async start() { s.starts++; if ((startOutcomes.shift() ?? "ok") === "fail") throw new Error("broker unreachable"); },
        pause() {}, resume() {}, lag: () => [], refreshLag: async () => {}, assigned: () => [],
        async stop() { s.stops++; },
      };
      sources.push(s);
      return s;
    },
    sleep: (ms) => new Promise<void>((release) => sleeps.push({ ms, release })),
  });
  const crash = (s: FakeSource, restarting = false) => s.options.onEvent!({ kind: "client_error", error: "SyncGroup failed", restarting, crashed: true } as KafkaSourceEvent);
  return { ingest, sources, sleeps, crash };
}

/** Lets every settled promise run its continuations (the restart path awaits a few in a row). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe("KafkaIngest consumer restart", () => {
  test("a crashed consumer is stopped, and after the backoff a new member joins", async () => {
    const { ingest, sources, sleeps, crash } = harness();
    await ingest.start();
    expect(sources.map((s) => s.starts)).toEqual([1]);
    crash(sources[0]!);
    await settle();
    expect({ stops: sources[0]!.stops, sleeps: sleeps.map((s) => s.ms), created: sources.length }).toEqual({ stops: 1, sleeps: [1000], created: 1 });
    sleeps[0]!.release();
    await settle();
    expect({ created: sources.length, started: sources[1]!.starts, restarts: ingest.counters.restarts }).toEqual({ created: 2, started: 1, restarts: 1 });
  });

  test("a late crash event of the replaced member does not restart its successor", async () => {
    const { ingest, sources, sleeps, crash } = harness();
    await ingest.start();
    crash(sources[0]!);
    await settle();
    sleeps[0]!.release();
    await settle();
    crash(sources[0]!); // the old member's client reports again
    await settle();
    expect({ created: sources.length, sleeps: sleeps.length, successorStops: sources[1]!.stops }).toEqual({ created: 2, sleeps: 1, successorStops: 0 });
  });

  test("a crash the client will restart itself is left to it", async () => {
    const { ingest, sources, sleeps, crash } = harness();
    await ingest.start();
    crash(sources[0]!, true);
    await settle();
    expect({ created: sources.length, sleeps: sleeps.length, stops: sources[0]!.stops }).toEqual({ created: 1, sleeps: 0, stops: 0 });
  });

  test("failed starts back off doubling, and a successful start resets the backoff", async () => {
    const { ingest, sources, sleeps, crash } = harness(["fail", "fail", "ok"]);
    await ingest.start();
    await settle();
    sleeps[0]!.release();
    await settle();
    sleeps[1]!.release();
    await settle();
    expect({ sleeps: sleeps.map((s) => s.ms), created: sources.length, started: sources.map((s) => s.starts) }).toEqual({ sleeps: [1000, 2000], created: 3, started: [1, 1, 1] });
    crash(sources[2]!);
    await settle();
    expect(sleeps.map((s) => s.ms)).toEqual([1000, 2000, 1000]);
  });

  test("stopping during the backoff starts no new member", async () => {
    const { ingest, sources, sleeps, crash } = harness();
    await ingest.start();
    crash(sources[0]!);
    await settle();
    await ingest.stop();
    sleeps[0]!.release();
    await settle();
    expect({ created: sources.length, restarts: ingest.counters.restarts }).toEqual({ created: 1, restarts: 0 });
  });
});
