// Recovery time: a WAL holding N realistic events (written through the same parse and record code as
// live ingest, fsync off to build it quickly), then the real server started on it. Reports the time
// from spawn to "listening" (the process serves only after replay), the replay time the server
// measured itself, replay rate, and the store's bytes per event after recovery.
//
//   bun bench/recovery.bench.ts [--events 10000000] [--seed 1]

import { rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEAD_LETTER_SCHEMA, EVENTS_SCHEMA } from "../engine/core/event-schema.ts";
import { Catalog } from "../engine/store/catalog.ts";
import { realFileSystem } from "../storage/fs/file-system.ts";
import { encodeIngestRecord, RECORD_KIND_INGEST } from "../storage/ingest-record.ts";
import { WalWriter } from "../storage/wal/wal-writer.ts";
import { ingestBody } from "../server/ingest/ingest-batch.ts";
import { decodeRecord } from "../server/apply-ingest.ts";
import { startCaracalProcess, tempDataDir } from "../test/helpers/caracal-process.ts";
import { eventStream } from "./data.ts";

const { values } = parseArgs({ options: { events: { type: "string", default: "10000000" }, seed: { type: "string", default: "1" } } });
const TOTAL = Number(values.events);
const BATCH = 1000;
const dataDir = tempDataDir("caracal-recovery-");
const enc = new TextEncoder();

try {
  const t0 = performance.now();
  await realFileSystem.mkdirp(join(dataDir, "wal"));
  const wal = await WalWriter.open(realFileSystem, join(dataDir, "wal"), { policy: { kind: "off" }, nextLsn: 0 });
  let lines: string[] = [];
  let receivedAt = Date.parse("2025-03-01T00:00:00Z");
  let pending: Promise<void>[] = [];
  // Dictionary codes are assigned as live ingest assigns them (in log order); only the maps are kept.
  const codes = new Catalog();
  codes.create(EVENTS_SCHEMA, { segmentRows: 1024 });
  codes.create(DEAD_LETTER_SCHEMA);
  for (const e of eventStream(Number(values.seed), TOTAL)) {
    lines.push(JSON.stringify(e));
    if (lines.length < BATCH) continue;
    receivedAt = Math.max(receivedAt, e.ts);
    const out = ingestBody({ table: EVENTS_SCHEMA, format: "ndjson", gzip: false, body: enc.encode(lines.join("\n")), receivedAt, source: "http", allowEnvelope: false });
    const idHashes = new Uint32Array(out.idHashes.buffer, out.idHashes.byteOffset, out.accepted * 2);
    const decoded = decodeRecord(out);
    const maps = codes.get("events")!.mapDictionaries(decoded.batch);
    const deadLetterMaps = decoded.deadLetters ? codes.get("_dead_letters")!.mapDictionaries(decoded.deadLetters) : [];
    pending.push(wal.append(RECORD_KIND_INGEST, encodeIngestRecord({ receivedAt, rowCount: out.accepted, idHashes, drops: null, batch: out.batch, deadLetters: out.deadLetters, maps, deadLetterMaps })).durable);
    if (pending.length >= 64) { await Promise.all(pending); pending = []; }
    lines = [];
  }
  await Promise.all(pending);
  await wal.close();
  const walBytes = wal.stats().bytes;
  console.log(`recovery: wrote ${TOTAL.toLocaleString("en")} events, ${(walBytes / 2 ** 20).toFixed(0)} MiB of WAL in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const s0 = performance.now();
  await using srv = await startCaracalProcess({ dataDir });
  const toListening = performance.now() - s0;
  const stats = (await (await fetch(`${srv.url}/v1/stats`)).json()) as any;
  const ev = stats.tables.events;
  console.log(
    `recovery: ${ev.rows.toLocaleString("en")} events replayed in ${stats.recovery.elapsed_ms} ms ` +
    `(${Math.round(ev.rows / (stats.recovery.elapsed_ms / 1000)).toLocaleString("en")} events/s, ` +
    `${((walBytes / 2 ** 20) / (stats.recovery.elapsed_ms / 1000)).toFixed(0)} MiB/s); spawn to listening ${(toListening / 1000).toFixed(2)} s (target < 10 s)`,
  );
  console.log(
    `memory after recovery: ${(ev.memory_bytes / ev.rows).toFixed(1)} bytes/event in the store (target <= 40), ` +
    `process RSS ${(stats.memory.rss_bytes / 2 ** 20).toFixed(0)} MiB (${(stats.memory.rss_bytes / ev.rows).toFixed(1)} bytes/event incl. runtime and dedup window ${(stats.ingest.dedup_bytes / 2 ** 20).toFixed(0)} MiB)`,
  );
  if (ev.rows !== TOTAL) throw new Error(`recovered ${ev.rows} of ${TOTAL}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
