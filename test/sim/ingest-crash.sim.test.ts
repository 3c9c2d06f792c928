// Crash simulation of the whole ingest path: IngestPipeline (de-duplication, WAL append, ordered
// apply to the store) over the simulated disk, with recovery (server/recover.ts) into a fresh store
// after every crash. Producers are retrying clients: a batch without an answer is sent again, with
// the same event_ids, some time later. Power loss or process death strikes after a random number of
// disk operations.
//
// Checked after every recovery (against what the store actually holds, scanned back):
// - every event whose batch was acknowledged is stored exactly once;
// - no event_id is stored twice, and nothing is stored that was never sent;
// and at the end, after delivering every unanswered batch, every event sent is stored exactly once.
// Rerun a failing seed with SEED=<seed>; INGEST_SIM_ROUNDS sets the number of crashes.

import { expect, test } from "bun:test";
import { DEAD_LETTER_SCHEMA, EVENTS_SCHEMA } from "../../engine/core/event-schema.ts";
import { Catalog } from "../../engine/store/catalog.ts";
import { WalWriter } from "../../storage/wal/wal-writer.ts";
import { DedupWindow } from "../../server/ingest/dedup-window.ts";
import { ingestBody } from "../../server/ingest/ingest-batch.ts";
import { IngestPipeline, type Parser } from "../../server/ingest-pipeline.ts";
import { recover } from "../../server/recover.ts";
import { ticks } from "../unit/storage/wal/wal-helpers.ts";
import { Rng, testSeed } from "./rng.ts";
import { SimFileSystem } from "./sim-file-system.ts";

const seed = testSeed();
const ROUNDS = Number(process.env.INGEST_SIM_ROUNDS ?? 60);
const WAL = "/data/wal";
console.log(`ingest-crash seed=${seed} rounds=${ROUNDS} (rerun with SEED=${seed})`);

const inlineParser: Parser = {
  parse: async (req) => ingestBody({ ...req, table: EVENTS_SCHEMA }),
};

/** Dictionary-encoded values derived from the id: a wrong global code shows up as a wrong value. */
const userOf = (id: string) => `user-${Number(id.slice(3)) % 97}`;
const campaignOf = (id: string) => `campaign-${Number(id.slice(3)) % 13}`;

/** The stored event_ids; throws when a row's dictionary values are not the ones its id implies. */
function storedIds(catalog: Catalog): string[] {
  const ids: string[] = [];
  for (const b of catalog.get("events")!.scan({ columns: ["event_id", "user_id", "campaign"] })) {
    const [id, user, campaign] = b.vectors;
    for (let i = 0; i < b.rowCount; i++) {
      const e = id!.strings!(i);
      const got = [user!.dict!.get(user!.codes![i]!), campaign!.dict!.get(campaign!.codes![i]!)];
      if (got[0] !== userOf(e) || got[1] !== campaignOf(e)) throw new Error(`row ${e} holds ${got.join(", ")}, expected ${userOf(e)}, ${campaignOf(e)}`);
      ids.push(e);
    }
  }
  return ids;
}

function body(ids: string[], rng: Rng): Uint8Array {
  const lines = ids.map((id) => JSON.stringify({ event_id: id, type: "click", user_id: userOf(id), campaign: campaignOf(id) }));
  if (rng.bool(0.2)) lines.splice(rng.int(0, lines.length), 0, "{broken");  // a dead letter rides along
  return new TextEncoder().encode(lines.join("\n"));
}

test(`ingest pipeline survives ${ROUNDS} simulated crashes with every acknowledged event stored once`, async () => {
  const rng = new Rng(seed);
  let fs = new SimFileSystem(rng);
  const acked = new Set<string>();
  const sent = new Set<string>();
  let unanswered: string[][] = [];
  let nextId = 0;
  const totals = { acked: 0, crashes: 0, recoveredRows: 0, retried: 0 };

  const check = (catalog: Catalog, when: string) => {
    const ids = storedIds(catalog);
    const seen = new Set<string>();
    const doubled = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
    const missing = [...acked].filter((id) => !seen.has(id));
    const unknown = ids.filter((id) => !sent.has(id));
    expect({ when, doubled, missing, unknown }).toEqual({ when, doubled: [], missing: [], unknown: [] });
    return ids.length;
  };

  const start = async () => {
    const catalog = new Catalog();
    catalog.create(EVENTS_SCHEMA, { segmentRows: 64 });
    catalog.create(DEAD_LETTER_SCHEMA);
    const dedup = new DedupWindow({ windowMs: 1e12, maxIds: 1e6 });
    await fs.mkdirp(WAL);
    const report = await recover(fs, WAL, "/data/quarantine", false, catalog, dedup);
    const wal = await WalWriter.open(fs, WAL, { policy: { kind: "batch" }, nextLsn: report.nextLsn, segmentBytes: 4096 });
    return { catalog, pipeline: new IngestPipeline(inlineParser, wal, catalog, dedup, 1 << 30), wal };
  };

  for (let round = 0; round < ROUNDS; round++) {
    const { catalog, pipeline } = await start();
    totals.recoveredRows += check(catalog, `after recovery ${round}`);
    const live = { alive: true };
    const pending = new Set<string[]>();
    const requests = rng.int(1, 12);
    const retries = unanswered;
    unanswered = [];
    for (let r = 0; r < requests; r++) {
      const retry = retries.length > 0 && rng.bool(0.5) ? retries.pop()! : null;
      const ids = retry ?? Array.from({ length: rng.int(1, 40) }, () => `id-${nextId++}`);
      if (retry) totals.retried++;
      for (const id of ids) sent.add(id);
      pending.add(ids);
      pipeline.ingest({ table: "events", format: "ndjson", gzip: false, body: body(ids, rng), source: "http", allowEnvelope: false })
        .then(() => { if (live.alive) { pending.delete(ids); for (const id of ids) acked.add(id); totals.acked++; } },
              () => { if (live.alive) { pending.delete(ids); unanswered.push(ids); } });
      if (rng.bool(0.3)) await ticks(rng.int(0, 3));
    }
    unanswered.push(...retries);
    await ticks(rng.int(0, 40));
    // Whatever is still pending when the power goes is unanswered: the client retries it later.
    live.alive = false;
    unanswered.push(...pending);
    totals.crashes++;
    fs = fs.crash(rng, rng.bool(0.7) ? "power" : "process");
    await ticks(1);
  }

  const { catalog, pipeline, wal } = await start();
  check(catalog, "before final delivery");
  for (const ids of unanswered) {
    await pipeline.ingest({ table: "events", format: "ndjson", gzip: false, body: body(ids, rng), source: "http", allowEnvelope: false });
    for (const id of ids) acked.add(id);
  }
  const finalRows = check(catalog, "final");
  await wal.close();
  console.log(`ingest-crash: ${totals.crashes} crashes, ${totals.acked} batches acknowledged, ${totals.retried} retried, ${finalRows} events stored once each`);
  expect(finalRows).toBe(sent.size);
});
