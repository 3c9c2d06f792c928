import { afterAll, describe, expect, test } from "bun:test";
import { EngineError } from "../../../../engine/core/errors.ts";
import { EVENTS_SCHEMA, streamSchema } from "../../../../engine/core/event-schema.ts";
import { ParseWorkerPool, type ParseJob } from "../../../../server/ingest/worker-pool.ts";
import { rowsOf, utf8, without } from "./batch-rows.ts";

const RECEIVED_AT = Date.UTC(2024, 2, 1, 12);
const job = (body: string, over: Partial<ParseJob> = {}): ParseJob => ({
  table: "events", format: "ndjson", gzip: false, body: utf8(body), receivedAt: RECEIVED_AT, source: "http", allowEnvelope: false, ...over,
});
const settle = (p: Promise<unknown>) => p.then(() => "resolved", (e: unknown) => (e instanceof EngineError ? { code: e.code, message: e.message } : String(e)));

describe("ParseWorkerPool", () => {
  const pool = new ParseWorkerPool({ workers: 2, tables: [EVENTS_SCHEMA] });
  afterAll(() => pool.close());

  test("parses through real workers; the body is transferred and the output comes back whole", async () => {
    const j = job('{"type":"a","event_id":"x"}\nnope\n{"type":"b","event_id":"y"}');
    const outs = await Promise.all([pool.parse(j), pool.parse(job('{"type":"c","event_id":"z"}'))]);
    expect({
      detached: j.body.byteLength,
      first: { rows: without(rowsOf(outs[0]!.batch), "ts", "received_at"), hashes: [...outs[0]!.idHashes], positions: [...outs[0]!.rowPositions], rejected: outs[0]!.rejected.map((r) => r.code), dead: rowsOf(outs[0]!.deadLetters!).length },
      second: without(rowsOf(outs[1]!.batch), "ts", "received_at"),
    }).toEqual({
      detached: 0,
      first: { rows: [{ event_id: "x", type: "a" }, { event_id: "y", type: "b" }], hashes: [Bun.hash("x") as bigint, Bun.hash("y") as bigint], positions: [0, 2], rejected: ["invalid_json"], dead: 1 },
      second: [{ event_id: "z", type: "c" }],
    });
  });

  test("a body that is part of a larger buffer is copied, leaving the caller's buffer intact", async () => {
    const host = utf8('xx{"type":"a","event_id":"p"}yy');
    const out = await pool.parse(job("", { body: host.subarray(2, host.length - 2) }));
    expect({ host: new TextDecoder().decode(host), rows: without(rowsOf(out.batch), "ts", "received_at") })
      .toEqual({ host: 'xx{"type":"a","event_id":"p"}yy', rows: [{ event_id: "p", type: "a" }] });
  });

  test("whole-body failures come back as the EngineError the worker raised", async () => {
    expect(await Promise.all([
      settle(pool.parse(job("[1,", { format: "json" }))),
      settle(pool.parse(job("{}", { table: "nope" }))),
    ])).toEqual([
      { code: "malformed_body", message: "body is not valid JSON at line 1, column 4: Unexpected EOF" },
      { code: "unknown_table", message: 'table "nope" is not declared; known tables: events' },
    ]);
  });
});

describe("ParseWorkerPool: worker crashes", () => {
  test("a crash rejects the requests that worker held, and a new worker takes its place", async () => {
    const pool = new ParseWorkerPool({
      workers: 1,
      tables: [EVENTS_SCHEMA, streamSchema("crash-exit", []), streamSchema("crash-throw", [])],
      workerUrl: new URL("./fixtures/crashing-parse-worker.ts", import.meta.url),
    });
    try {
      const first = await pool.parse(job('{"type":"a"}'));
      const exited = await settle(pool.parse(job("{}", { table: "crash-exit" })));
      const threw = await settle(pool.parse(job("{}", { table: "crash-throw" })));
      const after = await pool.parse(job('{"type":"b"}'));
      expect({ first: first.accepted, exited, threw, after: after.accepted, restarts: pool.restarts }).toEqual({
        first: 1,
        exited: { code: "internal", message: "parse worker died (exited with code 3); the batch was not ingested and may be resent" },
        threw: { code: "internal", message: "parse worker died (uncaught error: worker blew up); the batch was not ingested and may be resent" },
        after: 1,
        restarts: 2,
      });
    } finally {
      await pool.close();
    }
  });

  test("a job not answered by its deadline fails, and a new worker takes the next one", async () => {
    const pool = new ParseWorkerPool({
      workers: 1, jobDeadlineMs: 300,
      tables: [EVENTS_SCHEMA, streamSchema("hang", [])],
      workerUrl: new URL("./fixtures/crashing-parse-worker.ts", import.meta.url),
    });
    try {
      await pool.parse(job('{"type":"a"}'));  // the worker is up and ready
      const stuck = await settle(pool.parse(job("{}", { table: "hang" })));
      const after = await pool.parse(job('{"type":"b"}'));
      expect({ stuck, after: after.accepted, restarts: pool.restarts }).toEqual({
        stuck: { code: "internal", message: "parse worker died (no answer within 300 ms); the batch was not ingested and may be resent" },
        after: 1, restarts: 1,
      });
    } finally {
      await pool.close();
    }
  });

  test("a worker that cannot start fails its requests without respawning in a loop", async () => {
    const pool = new ParseWorkerPool({ workers: 1, tables: [EVENTS_SCHEMA], workerUrl: new URL("./fixtures/no-such-worker.ts", import.meta.url) });
    try {
      const results = [await settle(pool.parse(job("{}"))), await settle(pool.parse(job("{}")))];
      expect({ codes: results.map((r) => (r as { code: string }).code), restarts: pool.restarts }).toEqual({ codes: ["internal", "internal"], restarts: 0 });
    } finally {
      await pool.close();
    }
  });

  test("close() fails requests in flight with shutting_down and refuses new ones", async () => {
    const pool = new ParseWorkerPool({ workers: 1, tables: [EVENTS_SCHEMA] });
    const inFlight = settle(pool.parse(job('{"type":"a"}\n'.repeat(20_000))));
    await pool.close();
    expect([await inFlight, await settle(pool.parse(job("{}")))]).toEqual([
      { code: "shutting_down", message: "parse workers are stopping; the batch was not ingested" },
      { code: "shutting_down", message: "parse workers are stopped" },
    ]);
  });
});
