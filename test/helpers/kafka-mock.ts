// A Kafka cluster for tests: librdkafka's mock cluster, kept alive by a kcat consumer child process.
// The mock speaks the real Kafka protocol over TCP (metadata, produce, fetch, list offsets, the
// classic consumer-group protocol, offset commit/fetch); topics are auto-created on first use with
// 4 partitions (CreateTopics is not supported). Each broker listens on a port the OS picks (bound to
// port 0 inside librdkafka), so parallel clusters never collide; kcat prints the addresses in a
// notice on stderr, which we parse.
//
// Disposable: `await using kafka = await startKafkaMock()` stops the process (SIGTERM, then SIGKILL).
// The child also runs under `timeout`, so a test process that dies without disposing cannot leave a
// cluster behind for longer than `lifetimeS`.
//
// Where the mock is not Kafka (server/kafka/README.md has the list): the first group join waits 3 s
// and every rebalance sessionTimeout - 1 s; each partition keeps only ~5 MB (older record sets are
// deleted, so produce in phases); a fetch returns one record set per partition; OffsetCommit is
// refused during a rebalance.
//
// Also here: createTestProducer (keyed messages, reports each one's partition and offset) and
// createTestAdmin (committed offsets, high watermarks), both on kafkajs.

import type { Subprocess } from "bun";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";

export interface KafkaMock extends AsyncDisposable {
  /** "127.0.0.1:P1,127.0.0.1:P2,..." as librdkafka printed it. */
  readonly bootstrap: string;
  /** The same addresses as a list: what kafka clients take. */
  readonly brokers: readonly string[];
  /** Everything kcat wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

export interface KafkaMockOptions {
  /** Brokers in the mock cluster. Default 3. */
  brokers?: number;
  /** How long to wait for the bootstrap line. Default 10 s. */
  startTimeoutMs?: number;
  /** Upper bound on the child's life, whatever happens to this process. Default 600 s. */
  lifetimeS?: number;
}

const BOOTSTRAP_RE = /replaced with (\S+)|bootstrap\.servers=(\S+)/;

export async function startKafkaMock(opts: KafkaMockOptions = {}): Promise<KafkaMock> {
  const brokerCount = opts.brokers ?? 3;
  const proc: Subprocess<"ignore", "ignore", "pipe"> = Bun.spawn(
    ["timeout", String(opts.lifetimeS ?? 600), "kcat", "-b", "127.0.0.1:1", "-X", `test.mock.num.brokers=${brokerCount}`,
      "-C", "-t", "__caracal_mock_keepalive", "-q"],
    { stdin: "ignore", stdout: "ignore", stderr: "pipe" },
  );
  let err = "";
  let found: ((bootstrap: string) => void) | undefined;
  const bootstrapP = new Promise<string>((resolve) => { found = resolve; });
  // Drain stderr for the child's whole life: a full pipe would block the mock's threads.
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      if (err.length < 1 << 20) err += decoder.decode(chunk, { stream: true });
      const m = BOOTSTRAP_RE.exec(err);
      if (m && found) { found(m[1] ?? m[2]!); found = undefined; }
    }
  })();
  const startTimeoutMs = opts.startTimeoutMs ?? 10_000;
  let timer: Timer | undefined;
  const outcome = await Promise.race([
    bootstrapP,
    proc.exited.then((code) => new Error(`kcat mock cluster exited with ${code} before printing its address: ${err}`)),
    new Promise<Error>((r) => { timer = setTimeout(() => r(new Error(`kcat mock cluster printed no address in ${startTimeoutMs} ms: ${err}`)), startTimeoutMs); }),
  ]);
  clearTimeout(timer);
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    // SIGTERM reaches `timeout`, which passes it on to kcat; SIGKILL only if that does not work.
    proc.kill("SIGTERM");
    let t: Timer | undefined;
    const killed = await Promise.race([proc.exited.then(() => true), new Promise<boolean>((r) => { t = setTimeout(() => r(false), 3000); })]);
    clearTimeout(t);
    if (!killed) { proc.kill("SIGKILL"); await proc.exited; }
    await drained.catch(() => {});
  };
  if (outcome instanceof Error) { await stop(); throw outcome; }
  const bootstrap = outcome;
  return {
    bootstrap,
    brokers: bootstrap.split(","),
    stderr: () => err,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

// ---- producing ----------------------------------------------------------------------------------


export interface OutgoingMessage {
  /** Partitioned by Kafka's default partitioner (murmur2 of the key), as real producers do. */
  key: string | null;
  /** null: a tombstone. */
  value: string | Uint8Array | null;
  /** Forces a partition instead of the key's. */
  partition?: number;
}

/** Where one produced message landed. */
export interface ProducedMessage {
  index: number;
  partition: number;
  offset: bigint;
}

export interface TestProducer extends AsyncDisposable {
  /** Sends in order (requests of up to `batchBytes` or 1000 messages), acks=all; returns each message's partition and offset, in input order. */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<ProducedMessage[]>;
  close(): Promise<void>;
}

/**
 * A kafkajs producer (the client the Kafka source uses) that reports where each message went. The
 * partitioner is wrapped to record its choice per message, and the broker's base offset per
 * partition gives each message its offset: tests compare what a consumer delivers with this.
 */
export async function createTestProducer(brokers: readonly string[], opts: { batchBytes?: number } = {}): Promise<TestProducer> {
  const batchBytes = opts.batchBytes ?? 1 << 20;
  let chosen: number[] = [];
  const kafka = new Kafka({ clientId: "caracal-test-producer", brokers: [...brokers], logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: true,
    createPartitioner: () => {
      const inner = Partitioners.DefaultPartitioner();
      return (args) => { const p = inner(args); chosen.push(p); return p; };
    },
  });
  await producer.connect();
  const sendChunk = async (topic: string, messages: readonly OutgoingMessage[], first: number, out: ProducedMessage[]) => {
    chosen = [];
    const result = await producer.send({
      topic, acks: -1,
      messages: messages.map((m) => ({
        key: m.key, partition: m.partition,
        value: m.value === null || typeof m.value === "string" ? m.value : Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
      })),
    });
    const base = new Map(result.map((r) => [r.partition, BigInt(r.baseOffset ?? "0")]));
    const rank = new Map<number, bigint>();
    for (let i = 0; i < messages.length; i++) {
      // kafkajs calls the partitioner once per message, in order (the default one returns an explicit partition as is).
      const partition = chosen[i]!;
      const r = rank.get(partition) ?? 0n;
      rank.set(partition, r + 1n);
      out.push({ index: first + i, partition, offset: base.get(partition)! + r });
    }
  };
  const self: TestProducer = {
    async send(topic, messages) {
      const out: ProducedMessage[] = [];
      let start = 0, bytes = 0;
      for (let i = 0; i < messages.length; i++) {
        const v = messages[i]!.value;
        bytes += v === null ? 0 : typeof v === "string" ? v.length : v.byteLength;
        // kafkajs groups a send's messages by copying arrays (quadratic): keep sends to 1000 messages.
        if (bytes >= batchBytes || i - start + 1 >= 1000 || i === messages.length - 1) {
          await sendChunk(topic, messages.slice(start, i + 1), start, out);
          start = i + 1; bytes = 0;
        }
      }
      return out;
    },
    close: () => producer.disconnect(),
    [Symbol.asyncDispose]: () => producer.disconnect(),
  };
  return self;
}

// ---- inspecting ---------------------------------------------------------------------------------

export interface TestAdmin extends AsyncDisposable {
  /** The group's committed offset (next offset to consume) per partition; null where none. */
  committed(groupId: string, topic: string): Promise<Map<number, bigint | null>>;
  /** The high watermark (next offset to be written) per partition. */
  highWatermarks(topic: string): Promise<Map<number, bigint>>;
}

export async function createTestAdmin(brokers: readonly string[]): Promise<TestAdmin> {
  const admin = new Kafka({ clientId: "caracal-test-admin", brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return {
    async committed(groupId, topic) {
      const res = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((res[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset) < 0n ? null : BigInt(p.offset)]));
    },
    async highWatermarks(topic) {
      return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    },
    [Symbol.asyncDispose]: () => admin.disconnect(),
  };
}
