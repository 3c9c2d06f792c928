// The store's memory budget as back-pressure: with compaction too slow to keep up (here: not running),
// ingest is refused with 503 overloaded and Retry-After once the store holds 1.25 times its budget;
// everything acknowledged before is there, and the server keeps answering queries.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ndjson, postEvents, startCaracalProcess, tempDataDir } from "../../helpers/caracal-process.ts";

test("past its memory budget the store refuses ingest with 503 + Retry-After, losing nothing", async () => {
  const conf = join(tempDataDir("caracal-conf-"), "mem.json");
  writeFileSync(conf, JSON.stringify({ storage: { hot_memory_bytes_max: 2 * 1024 * 1024, compaction_interval_ms: 3_600_000 } }));
  await using srv = await startCaracalProcess({ args: ["--config", conf] });
  let acked = 0, status = 200, retryAfter: string | null = null;
  for (let i = 0; status === 200 && i < 400; i++) {
    const r = await postEvents(srv.url, ndjson(Array.from({ length: 500 }, (_, k) => ({ type: "page_view", user_id: `u${i * 500 + k}`, url: `/p/${"y".repeat(100)}/${i * 500 + k}`, ts: Date.now() }))));
    status = r.status;
    if (status === 200) acked += r.body.accepted;
    else retryAfter = r.headers.get("retry-after");
    if (status === 200) await Bun.sleep(0);
  }
  const r = await fetch(`${srv.url}/v1/sql?q=${encodeURIComponent("SELECT count(*) FROM events")}`);
  const count = ((await r.json()) as any).rows[0][0];
  expect({ status, retryAfter, count }).toEqual({ status: 503, retryAfter: "1", count: acked });
}, 60_000);
