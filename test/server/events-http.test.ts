// The real server over HTTP: content types, encodings, limits, partial acceptance, de-duplication,
// dead letters, restart.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pack } from "msgpackr";
import { event, getStats, ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";

let srv: CaracalProcess;
const configDir = tempDataDir("caracal-conf-");
const configPath = join(configDir, "caracal.json");

beforeAll(async () => {
  writeFileSync(configPath, JSON.stringify({
    limits: { body_bytes_max: 64 * 1024 },
    tables: { sensors: { columns: { device_id: "string", temperature: "float" } } },
  }));
  srv = await startCaracalProcess({ args: ["--config", configPath] });
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

async function rows(table: string, columns: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${srv.url}/v1/tables/${table}/rows?columns=${columns}`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return text.split("\n").filter((l) => l).map((l) => JSON.parse(l));
}

describe("POST /v1/events", () => {
  test("NDJSON, JSON array, JSON object and MessagePack are all accepted", async () => {
    const a = await postEvents(srv.url, ndjson([event(1), event(2)]));
    const b = await postEvents(srv.url, JSON.stringify([event(3), event(4)]), { "content-type": "application/json" });
    const c = await postEvents(srv.url, JSON.stringify(event(5)), { "content-type": "application/json" });
    const d = await postEvents(srv.url, pack([event(6), event(7)]), { "content-type": "application/msgpack" });
    expect([a, b, c, d].map((r) => [r.status, r.body.accepted, r.body.rejected, r.body.duplicates]))
      .toEqual([[200, 2, 0, 0], [200, 2, 0, 0], [200, 1, 0, 0], [200, 2, 0, 0]]);
    const ids = (await rows("events", "event_id")).map((r) => r.event_id).filter((id) => /^e-[1-7]$/.test(id as string));
    expect(ids.sort()).toEqual(["e-1", "e-2", "e-3", "e-4", "e-5", "e-6", "e-7"]);
  });

  test("gzip bodies are decompressed", async () => {
    const r = await postEvents(srv.url, gzipSync(ndjson([event(10), event(11), event(12)])),
      { "content-type": "application/x-ndjson", "content-encoding": "gzip" });
    expect([r.status, r.body.accepted]).toEqual([200, 3]);
  });

  test("a retried batch is counted once", async () => {
    const body = ndjson([event(20), event(21), event(21)]);
    const first = await postEvents(srv.url, body);
    const retry = await postEvents(srv.url, body);
    expect([first.body, retry.body].map((b) => [b.accepted, b.duplicates, b.duplicate_indexes]))
      .toEqual([[2, 1, [2]], [0, 3, [0, 1, 2]]]);
    const ids = (await rows("events", "event_id")).map((r) => r.event_id).filter((id) => id === "e-20" || id === "e-21");
    expect(ids.sort()).toEqual(["e-20", "e-21"]);
  });

  test("partial acceptance reports each rejected event, and dead letters keep it", async () => {
    const body = [JSON.stringify(event(30)), "{not json", JSON.stringify({ event_id: "x", ts: 1_760_000_000_000 }), JSON.stringify(event(31, { price: "abc" }))].join("\n");
    const r = await postEvents(srv.url, body);
    expect(r.status).toBe(200);
    expect({ accepted: r.body.accepted, rejected: r.body.rejected, errors: r.body.errors.map((e: any) => [e.index, e.code, e.field ?? null]) })
      .toEqual({ accepted: 1, rejected: 3, errors: [[1, "invalid_json", null], [2, "missing_field", "type"], [3, "invalid_number", "price"]] });
    const dead = (await rows("_dead_letters", "code,raw,position")).filter((d) => (d.raw as string)?.includes("not json") || (d.raw as string)?.includes('"x"'));
    expect(dead.map((d) => [d.code, d.position]).sort()).toEqual([["invalid_json", 1], ["missing_field", 2]]);
  });

  test("a body with no usable event is a 400 with every error", async () => {
    const r = await postEvents(srv.url, "{\"type\": {\"a\": 1}}\n[1]\n");
    expect([r.status, r.body.error.code, r.body.rejected, r.body.errors.map((e: any) => e.code)])
      .toEqual([400, "no_valid_events", 2, ["invalid_type", "not_an_object"]]);
  });

  test("malformed JSON documents, unknown content types and encodings are refused whole", async () => {
    const bad = await postEvents(srv.url, "[{\"type\":", { "content-type": "application/json" });
    const type = await postEvents(srv.url, "x", { "content-type": "text/csv" });
    const enc = await postEvents(srv.url, "x", { "content-type": "application/x-ndjson", "content-encoding": "br" });
    const empty = await postEvents(srv.url, "", { "content-type": "application/x-ndjson" });
    expect([bad, type, enc, empty].map((r) => [r.status, r.body.error.code]))
      .toEqual([[400, "malformed_body"], [415, "unsupported_media_type"], [415, "unsupported_media_type"], [400, "malformed_body"]]);
    expect(type.body.error.message).toContain("application/x-ndjson");
  });

  test("bodies over the configured limit get 413 before parsing", async () => {
    const big = ndjson(Array.from({ length: 2000 }, (_, i) => event(100_000 + i)));
    const r = await postEvents(srv.url, big);
    expect([r.status, r.body.error.code]).toEqual([413, "body_too_large"]);
    expect(r.body.error.message).toContain(String(64 * 1024));
  });

  test("?table= routes to a declared stream; an unknown table is a 404", async () => {
    const ok = await postEvents(srv.url, ndjson([{ event_id: "s1", device_id: "d1", temperature: 21.5, humidity: 40 }]), undefined, "?table=sensors");
    const unknown = await postEvents(srv.url, ndjson([event(1)]), undefined, "?table=nope");
    expect([ok.status, ok.body.accepted, unknown.status, unknown.body.error.code]).toEqual([200, 1, 404, "unknown_table"]);
    expect(await rows("sensors", "device_id,temperature,props")).toEqual([{ device_id: "d1", temperature: 21.5, props: { humidity: 40 } }]);
  });

  test("the rows export honours limit and refuses bad arguments", async () => {
    const two = await fetch(`${srv.url}/v1/tables/events/rows?columns=event_id&limit=2`);
    const lines = (await two.text()).split("\n").filter((l) => l);
    const bad = await Promise.all(["limit=-1", "limit=1.5", "columns=nope"].map(async (q) => {
      const r = await fetch(`${srv.url}/v1/tables/events/rows?${q}`);
      return [r.status, ((await r.json()) as any).error.code];
    }));
    const missing = await fetch(`${srv.url}/v1/tables/nope/rows`);
    expect([two.headers.get("content-type"), lines.length, Object.keys(JSON.parse(lines[0]!)), bad, missing.status])
      .toEqual(["application/x-ndjson", 2, ["event_id"], [[400, "bad_argument"], [400, "bad_argument"], [400, "bad_argument"]], 404]);
  });

  test("stats count rows, outcomes and WAL activity; healthz is ok", async () => {
    const s = await getStats(srv.url);
    const h = await fetch(`${srv.url}/healthz`);
    expect({
      health: [h.status, ((await h.json()) as any).status],
      rowsMatch: s.tables.events.rows === s.tables.events.accepted,
      hasDuplicates: s.tables.events.duplicates >= 4,
      walWritten: s.wal.bytes > 0 && s.wal.fsyncs > 0,
      memory: s.tables.events.memory_bytes > 0,
    }).toEqual({ health: [200, "ok"], rowsMatch: true, hasDuplicates: true, walWritten: true, memory: true });
  });

  test("unknown routes are a JSON 404; a wrong method is a 405 naming the right one", async () => {
    const r = await fetch(`${srv.url}/v1/nothing`);
    const m = await fetch(`${srv.url}/v1/events`);
    const p = await fetch(`${srv.url}/v1/tables/events/rows`, { method: "DELETE" });
    expect([r.status, ((await r.json()) as any).error.code, m.status, m.headers.get("allow"), ((await m.json()) as any).error.code, p.status])
      .toEqual([404, "not_found", 405, "POST", "method_not_allowed", 405]);
  });
});

describe("restart", () => {
  test("SIGTERM exits 0 and a restart recovers every row", async () => {
    const dataDir = tempDataDir();
    const a = await startCaracalProcess({ dataDir });
    const r = await postEvents(a.url, ndjson(Array.from({ length: 500 }, (_, i) => event(i))) + '{"type": "click", "ts": "soon"}\n');
    expect([r.body.accepted, r.body.rejected]).toEqual([500, 1]);
    const read = async (url: string, table: string, columns: string) =>
      (await (await fetch(`${url}/v1/tables/${table}/rows?columns=${columns}`)).text()).split("\n").filter((l) => l).map((l) => JSON.parse(l));
    const before = [await read(a.url, "events", "event_id,type,user_id"), await read(a.url, "_dead_letters", "code,raw,table_name")];
    expect(await a.terminate()).toBe(0);
    await using b = await startCaracalProcess({ dataDir });
    const s = await getStats(b.url);
    const after = [await read(b.url, "events", "event_id,type,user_id"), await read(b.url, "_dead_letters", "code,raw,table_name")];
    const retry = await postEvents(b.url, ndjson([event(0), event(499)]));
    // Every value, dictionary-encoded ones included, reads back as it did before the restart.
    expect([s.tables.events.rows, s.recovery.rows, retry.body.duplicates, after]).toEqual([500, 500, 2, before]);
    expect(before[1]).toEqual([{ code: "invalid_timestamp", raw: '{"type": "click", "ts": "soon"}', table_name: "events" }]);
  });

  test("SIGTERM under load answers every batch in flight, exits 0, and loses nothing acknowledged", async () => {
    const dataDir = tempDataDir();
    const a = await startCaracalProcess({ dataDir });
    const acked: string[] = [];
    const outcomes: string[] = [];
    const unanswered: string[][] = [];
    let firstAnswer!: () => void;
    const answered = new Promise<void>((r) => { firstAnswer = r; });
    const posts = Array.from({ length: 40 }, async (_, b) => {
      const events = Array.from({ length: 300 }, (_, i) => event(b * 1000 + i));
      try {
        const r = await postEvents(a.url, ndjson(events));
        firstAnswer();
        outcomes.push(r.status === 200 ? "ok" : r.body.error.code);
        if (r.status === 200) acked.push(...events.map((e) => e.event_id as string));
        else unanswered.push(events.map((e) => e.event_id as string));
      } catch {
        outcomes.push("connection closed");
        unanswered.push(events.map((e) => e.event_id as string));
      }
    });
    await answered;
    const exit = a.terminate();
    await Promise.all(posts);
    expect(await exit).toBe(0);
    const tally = outcomes.reduce<Record<string, number>>((t, o) => ({ ...t, [o]: (t[o] ?? 0) + 1 }), {});
    console.log(`SIGTERM under load: ${JSON.stringify(tally)}`);
    await using b = await startCaracalProcess({ dataDir });
    const ids = new Set((await (await fetch(`${b.url}/v1/tables/events/rows?columns=event_id`)).text()).split("\n").filter((l) => l).map((l) => JSON.parse(l).event_id));
    const unexpected = outcomes.filter((o) => o !== "ok" && o !== "shutting_down" && o !== "connection closed");
    // A batch that reached the server is answered: none is durable without its client having been told.
    const durableUnanswered = unanswered.filter((batch) => batch.every((id) => ids.has(id))).length;
    expect({ lost: acked.filter((id) => !ids.has(id)), unexpected, someAcked: acked.length > 0, durableUnanswered })
      .toEqual({ lost: [], unexpected: [], someAcked: true, durableUnanswered: 0 });
  });
});
