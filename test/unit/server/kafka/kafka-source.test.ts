// The Kafka source against librdkafka's mock cluster (a real Kafka protocol peer, via kcat). Each
// test starts its own cluster; the group protocol makes the first join take ~3 s and each rebalance
// ~3 s (the mock waits sessionTimeout - 1 s for members), so the file takes about half a minute.
// A test "instance" is a source plus a Map standing for its WAL: partition -> next offset, set when
// the handler's batch becomes durable (a later macrotask, as an fsync would).

import { describe, expect, test } from "bun:test";
import { createKafkaSource, type KafkaBatch, type KafkaSourceEvent, type KafkaSourceOptions } from "../../../../server/kafka/kafka-source.ts";
import { createTestAdmin, createTestProducer, startKafkaMock, type OutgoingMessage, type ProducedMessage } from "../../../helpers/kafka-mock.ts";

const TEST_OPTIONS = { sessionTimeoutMs: 4000, rebalanceTimeoutMs: 10_000, heartbeatIntervalMs: 300, maxWaitMs: 20, lagIntervalMs: 0 } as const;
const decoder = new TextDecoder();

interface Delivered { partition: number; offset: bigint; value: string }

/** Resolves waits when a condition becomes true; poked on every delivery and event. No polling, no sleeps. */
function watcher() {
  const waiters = new Set<{ ok: () => boolean; done: () => void }>();
  return {
    poke() { for (const w of waiters) if (w.ok()) { waiters.delete(w); w.done(); } },
    until(ok: () => boolean, what: () => string, ms = 15_000): Promise<void> {
      if (ok()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => { waiters.delete(w); reject(new Error(`timed out after ${ms} ms waiting for ${what()}`)); }, ms);
        const w = { ok, done: () => { clearTimeout(t); resolve(); } };
        waiters.add(w);
      });
    },
  };
}
type Watch = ReturnType<typeof watcher>;

/** A Caracal process as far as the source sees it: a source, its WAL's offsets, what it delivered. */
function instance(watch: Watch, base: Pick<KafkaSourceOptions, "brokers" | "topic" | "groupId">, hooks: { before?: (b: KafkaBatch) => Promise<void>; failAfterLog?: (b: KafkaBatch) => boolean } = {}) {
  const log = new Map<number, bigint>();
  const delivered: Delivered[] = [];
  const events: KafkaSourceEvent[] = [];
  /** The log as it was at each assignment: what its start offsets were chosen from. */
  const logAtAssigned: Map<number, bigint>[] = [];
  const source = createKafkaSource({
    ...base, ...TEST_OPTIONS,
    handler: async (b) => {
      await hooks.before?.(b);
      await new Promise<void>((r) => setImmediate(r));
      for (const m of b.messages) delivered.push({ partition: b.partition, offset: m.offset, value: decoder.decode(m.value) });
      log.set(b.partition, b.nextOffset);
      watch.poke();
      if (hooks.failAfterLog?.(b)) throw new Error("the process died after its WAL fsync, before the commit");
    },
    onEvent: (e) => {
      if (e.kind === "assigned") logAtAssigned.push(new Map(log));
      if (e.kind !== "client_log") events.push(e);
      watch.poke();
    },
  });
  return { source, log, delivered, events, logAtAssigned, start: () => source.start((_topic, p) => log.get(p) ?? null) };
}

/** What a partition should deliver, from what the producer reports: offset order per partition. */
function byPartition(rows: readonly Delivered[]): Map<number, Delivered[]> {
  const out = new Map<number, Delivered[]>();
  for (const r of rows) { const l = out.get(r.partition) ?? []; l.push(r); out.set(r.partition, l); }
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
}
function expected(messages: readonly OutgoingMessage[], produced: readonly ProducedMessage[]): Delivered[] {
  const rows = produced.map((p) => {
    const v = messages[p.index]!.value;
    return { partition: p.partition, offset: p.offset, value: v === null ? "" : typeof v === "string" ? v : decoder.decode(v) };
  });
  return rows.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1));
}
const keyed = (n: number, from = 0): OutgoingMessage[] => Array.from({ length: n }, (_, i) => ({ key: `user-${(from + i) % 40}`, value: `{"i":${from + i}}` }));
const onPartition = (partition: number, n: number, tag: string): OutgoingMessage[] => Array.from({ length: n }, (_, i) => ({ key: null, partition, value: `{"${tag}":${i}}` }));

describe("kafka source", () => {
  test("delivers every message once, in order per partition; commits each batch before delivering the next", async () => {
    await using kafka = await startKafkaMock();
    await using producer = await createTestProducer(kafka.brokers);
    await using admin = await createTestAdmin(kafka.brokers);
    const messages = keyed(400);
    messages[5] = { key: "user-5", value: null };           // a tombstone: delivered as empty bytes
    messages[7] = { key: "user-7", value: "not json {" };    // a bad message is the handler's business
    const produced = await producer.send("t1", messages);
    const watch = watcher();
    // Before each delivery, the group's offset for the partition must equal what the log says:
    // the previous batch was committed before this one was handed out.
    const checks: { partition: number; committed: bigint | null; logged: bigint | null }[] = [];
    const inst = instance(watch, { brokers: kafka.brokers, topic: "t1", groupId: "g1" }, {
      before: async (b) => { checks.push({ partition: b.partition, committed: (await admin.committed("g1", "t1")).get(b.partition) ?? null, logged: inst.log.get(b.partition) ?? null }); },
    });
    await inst.start();
    await watch.until(() => inst.delivered.length >= 400, () => `${inst.delivered.length} of 400 delivered`);
    await inst.source.stop();
    expect(byPartition(inst.delivered)).toEqual(byPartition(expected(messages, produced)));
    expect(checks.filter((c) => c.committed !== c.logged)).toEqual([]);
    const highs = await admin.highWatermarks("t1");
    expect(await admin.committed("g1", "t1")).toEqual(highs);
    expect(new Map([...inst.log].sort((a, b) => a[0] - b[0]))).toEqual(highs);
  }, 30_000);

  test("restarts from its log: past the batch logged but not committed, and not from an older log offset", async () => {
    await using kafka = await startKafkaMock();
    await using producer = await createTestProducer(kafka.brokers);
    await using admin = await createTestAdmin(kafka.brokers);
    const base = { brokers: kafka.brokers, topic: "t2", groupId: "g2" };
    const watch = watcher();
    const phase1 = keyed(100);
    const p1 = await producer.send("t2", phase1);
    expect(new Set(p1.map((p) => p.partition))).toEqual(new Set([0, 1, 2, 3]));
    // Phase 2: one message on partition 2, whose batch the first run logs and then dies on.
    const phase2 = onPartition(2, 1, "crash");
    const phase1End2 = p1.filter((p) => p.partition === 2).reduce((m, p) => (p.offset >= m ? p.offset + 1n : m), 0n);
    const first = instance(watch, base, { failAfterLog: (b) => b.partition === 2 && b.messages.some((m) => m.offset >= phase1End2) });
    await first.start();
    await watch.until(() => first.delivered.length >= 100, () => `${first.delivered.length} of 100 delivered`);
    const p2 = await producer.send("t2", phase2);
    await watch.until(() => first.events.some((e) => e.kind === "handler_failed"), () => "the failure after logging");
    await first.source.stop();
    const committed = await admin.committed("g2", "t2");
    const highs = await admin.highWatermarks("t2");
    // The crash window: partition 2's log is one message ahead of the group.
    expect({ log: first.log.get(2), committed: committed.get(2) }).toEqual({ log: highs.get(2), committed: highs.get(2)! - 1n });

    // The restarted process has the same log; pretend partition 1 was owned elsewhere for a while
    // (its log offset is 3 behind the group): the group's offset must win there.
    const phase3 = keyed(40, 1000);
    const p3 = await producer.send("t2", phase3);
    const second = instance(watch, base);
    for (const [p, o] of first.log) second.log.set(p, o);
    second.log.set(1, committed.get(1)! - 3n);
    await second.start();
    await watch.until(() => second.delivered.length >= 40, () => `${second.delivered.length} of 40 delivered after the restart`);
    await second.source.stop();
    expect(byPartition(second.delivered)).toEqual(byPartition(expected(phase3, p3)));
    // The restart also brought the group's offset of partition 2 up to the log (monitoring sees no false lag).
    expect(await admin.committed("g2", "t2")).toEqual(await admin.highWatermarks("t2"));
    expect(second.events.find((e) => e.kind === "assigned")).toEqual({
      kind: "assigned", topic: "t2", partitions: [
        { partition: 0, offset: first.log.get(0)!, origin: "log" },
        { partition: 1, offset: committed.get(1)!, origin: "committed" },
        { partition: 2, offset: first.log.get(2)!, origin: "log" },
        { partition: 3, offset: first.log.get(3)!, origin: "log" },
      ],
    });
    expect(byPartition([...first.delivered, ...second.delivered])).toEqual(byPartition(expected([...phase1, ...phase2, ...phase3], [
      ...p1, ...p2.map((p) => ({ ...p, index: p.index + 100 })), ...p3.map((p) => ({ ...p, index: p.index + 101 })),
    ])));
  }, 30_000);

  test("pause stops delivery and lag rises; resume drains and lag returns to 0", async () => {
    await using kafka = await startKafkaMock();
    await using producer = await createTestProducer(kafka.brokers);
    const watch = watcher();
    const inst = instance(watch, { brokers: kafka.brokers, topic: "t3", groupId: "g3" });
    const all: Delivered[] = [];
    const send = async (m: OutgoingMessage[]) => { all.push(...expected(m, await producer.send("t3", m))); };
    await send([0, 1, 2, 3].flatMap((p) => onPartition(p, 5, "a")));
    await inst.start();
    await watch.until(() => inst.delivered.length >= 20, () => `${inst.delivered.length} of 20 delivered`);
    const lagOf = async () => { await inst.source.refreshLag(); return inst.source.lag().map((l) => [l.partition, l.lag]); };
    expect(await lagOf()).toEqual([[0, 0n], [1, 0n], [2, 0n], [3, 0n]]);

    // Partition 0 paused: partition 1's new messages arrive, partition 0's do not.
    inst.source.pause([0]);
    await send([...onPartition(0, 10, "b"), ...onPartition(1, 10, "b")]);
    await watch.until(() => inst.delivered.filter((d) => d.partition === 1).length >= 15, () => "partition 1's new messages");
    expect(inst.delivered.filter((d) => d.partition === 0).length).toEqual(5);
    expect(await lagOf()).toEqual([[0, 10n], [1, 0n], [2, 0n], [3, 0n]]);

    // The whole source paused: lag rises everywhere new data arrives.
    inst.source.pause();
    const before = inst.delivered.length;
    await send([...onPartition(2, 5, "c"), ...onPartition(3, 7, "c")]);
    expect(await lagOf()).toEqual([[0, 10n], [1, 0n], [2, 5n], [3, 7n]]);
    expect(inst.delivered.length).toEqual(before);

    inst.source.resume();
    await watch.until(() => inst.delivered.length >= 52, () => `${inst.delivered.length} of 52 delivered after resume`);
    expect(await lagOf()).toEqual([[0, 0n], [1, 0n], [2, 0n], [3, 0n]]);
    await inst.source.stop();
    expect(byPartition(inst.delivered)).toEqual(byPartition(all));
  }, 30_000);

  test("two sources in one group split the partitions; a stop hands over without loss or repetition", async () => {
    await using kafka = await startKafkaMock();
    await using producer = await createTestProducer(kafka.brokers);
    const base = { brokers: kafka.brokers, topic: "t4", groupId: "g4" };
    const watch = watcher();
    const all: Delivered[] = [];
    const send = async (m: OutgoingMessage[]) => { all.push(...expected(m, await producer.send("t4", m))); };
    const total = () => a.delivered.length + b.delivered.length;
    // A batch of A held in its handler, opened by the test: a WAL fsync that takes its time.
    let hold: { entered: () => void; release: Promise<void> } | undefined;
    const holdNext = () => {
      let entered!: () => void, release!: () => void;
      const enteredP = new Promise<void>((r) => { entered = r; });
      hold = { entered, release: new Promise<void>((r) => { release = r; }) };
      return { entered: enteredP, release };
    };
    const a = instance(watch, base, { before: async () => { if (hold) { const h = hold; hold = undefined; h.entered(); await h.release; } } });
    const b = instance(watch, base);
    const owns = (i: typeof a) => i.source.assigned().map((x) => x.partition);
    const order: string[] = [];

    await send(keyed(80));
    await a.start();
    await watch.until(() => total() >= 80, () => `${total()} of 80 delivered by A alone`);

    // B joins while A has a batch in its handler: the rebalance waits for that batch to be durable
    // and for A's commit, and B starts its partitions where A's log ends. (Kafka accepts that commit,
    // the group being in PreparingRebalance; librdkafka's mock refuses it. Then the batch is A's
    // `commit_failed` report, and if its partition goes to B, B consumes exactly it again.)
    const held1 = holdNext();
    await send([0, 1, 2, 3].flatMap((p) => onPartition(p, 3, "held1")));
    await held1.entered;
    const bStarted = b.start().then(() => order.push("B assigned"));
    await watch.until(() => a.events.some((e) => e.kind === "rebalance_pending"), () => "A to see the rebalance");
    order.push("release 1");
    held1.release();
    await bStarted;
    const bParts = owns(b);
    expect([...owns(a), ...bParts].sort()).toEqual([0, 1, 2, 3]);
    expect(bParts.length).toBeGreaterThan(0);
    const refused = a.events.filter((e) => e.kind === "commit_failed");
    const refusedFrom = new Map(refused.map((e) => [e.partition, e.firstOffset]));
    const split = b.events.find((e) => e.kind === "assigned");
    expect(split).toEqual({ kind: "assigned", topic: "t4", partitions: bParts.map((p) => ({ partition: p, offset: refusedFrom.get(p) ?? a.log.get(p)!, origin: "committed" })) });
    await send(keyed(80, 200));
    await watch.until(() => total() >= all.length, () => `${total()} of ${all.length} delivered by A and B`);

    // A stops with a batch in its handler: B must not get A's partitions until that batch is
    // durable and committed, then must go on exactly after it.
    const aParts = owns(a);
    const held2 = holdNext();
    await send(aParts.flatMap((p) => onPartition(p, 3, "held2")));
    await held2.entered;
    const stopping = a.source.stop();
    const bTakesOver = watch.until(() => owns(b).length === 4, () => `B owns ${owns(b)}`, 20_000).then(() => order.push("B owns all"));
    order.push("release 2");
    held2.release();
    await stopping;
    order.push("A stopped");
    await bTakesOver;
    await send(keyed(80, 300));
    await watch.until(() => total() >= all.length, () => `${total()} of ${all.length} delivered`);
    await b.source.stop();

    expect(order).toEqual(["release 1", "B assigned", "release 2", "A stopped", "B owns all"]);
    const problems = [...a.events, ...b.events].filter((e) => e.kind === "commit_failed" || e.kind === "handler_failed" || e.kind === "start_out_of_range");
    expect(problems.filter((e) => !refused.includes(e as never))).toEqual([]);
    expect(refused.map((e) => e.kind === "commit_failed" && e.reason)).toEqual(refused.map(() => "rebalancing"));
    // Everything delivered; repeated exactly where a refused commit's partition moved to B.
    const key = (d: { partition: number; offset: bigint }) => `${d.partition}@${d.offset}`;
    const seen = new Map<string, number>();
    for (const d of [...a.delivered, ...b.delivered]) seen.set(key(d), (seen.get(key(d)) ?? 0) + 1);
    const repeated = [...seen].filter(([, n]) => n > 1).map(([k]) => k).sort();
    const reported = refused.flatMap((e) => e.kind === "commit_failed" && bParts.includes(e.partition) ? all.filter((d) => d.partition === e.partition && d.offset >= e.firstOffset && d.offset < e.nextOffset).map(key) : []).sort();
    expect(repeated).toEqual(reported);
    expect([...seen.keys()].sort()).toEqual(all.map(key).sort());
    // Each instance saw each of its partitions in offset order.
    for (const i of [a, b]) for (const rows of byPartition(i.delivered).values()) expect(rows.map((r) => r.offset)).toEqual(rows.map((r) => r.offset).sort((x, y) => (x < y ? -1 : 1)));
    // B took A's partitions from the group's offsets, which are where A's log ended, and kept its own from its log.
    const takeover = b.events.filter((e) => e.kind === "assigned").at(-1);
    const bLog = b.logAtAssigned.at(-1)!;
    expect(takeover).toEqual({ kind: "assigned", topic: "t4", partitions: [0, 1, 2, 3].map((p) => ({ partition: p, offset: (aParts.includes(p) ? a.log : bLog).get(p)!, origin: aParts.includes(p) ? "committed" : "log" })) });
  }, 45_000);
});
