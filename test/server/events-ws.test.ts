// The real server over WebSocket: acknowledgements after durability, batch ids, MessagePack frames,
// errors per frame, and backpressure that bounds memory without losing acknowledged events.
import { describe, expect, test } from "bun:test";
import { pack } from "msgpackr";
import { event, getStats, ndjson, startCaracalProcess } from "../helpers/caracal-process.ts";

function connect(url: string, query = ""): Promise<{ ws: WebSocket; acks: any[]; closed: Promise<{ code: number; reason: string }>; next: (n: number) => Promise<any[]> }> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/v1/events/ws${query}`);
  ws.binaryType = "arraybuffer";
  const acks: any[] = [];
  const waiters: { n: number; resolve: (a: any[]) => void }[] = [];
  ws.onmessage = (m) => {
    acks.push(JSON.parse(m.data as string));
    for (const w of [...waiters]) if (acks.length >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve(acks); }
  };
  const closed = new Promise<{ code: number; reason: string }>((r) => { ws.onclose = (e) => r({ code: e.code, reason: e.reason }); });
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve({ ws, acks, closed, next: (n) => acks.length >= n ? Promise.resolve(acks) : new Promise((r) => waiters.push({ n, resolve: r })) });
    ws.onerror = () => reject(new Error("websocket error"));
  });
}

describe("GET /v1/events/ws", () => {
  test("each frame is acknowledged with counts, seq and batch id", async () => {
    // One parser: frames are then decided in the order sent, so the repeat of e-1 in frame 4 is
    // the duplicate on any machine (with several workers, parse completion order decides).
    await using srv = await startCaracalProcess({ args: ["--workers", "1"] });
    const c = await connect(srv.url);
    c.ws.send(ndjson([event(1), event(2)]));
    c.ws.send(JSON.stringify({ batch_id: "b-7", events: [event(3), { nope: true }] }));
    c.ws.send(pack({ batch_id: 8, events: [event(4)] }));
    c.ws.send(pack([event(5), event(1)]));
    const acks = (await c.next(4)).sort((a, b) => a.seq - b.seq);
    expect(acks.map((a) => [a.seq, a.batch_id ?? null, a.accepted, a.rejected, a.duplicates])).toEqual([
      [1, null, 2, 0, 0], [2, "b-7", 1, 1, 0], [3, 8, 1, 0, 0], [4, null, 1, 0, 1],
    ]);
    c.ws.close();
    expect((await getStats(srv.url)).tables.events.rows).toBe(5);
  });

  test("a bad frame gets an error answer and the connection stays usable", async () => {
    await using srv = await startCaracalProcess();
    const c = await connect(srv.url);
    c.ws.send(new Uint8Array([0xc1, 0xff, 0x00]));
    c.ws.send(ndjson([event(1)]));
    const acks = (await c.next(2)).sort((a, b) => a.seq - b.seq);
    expect(acks.map((a) => [a.seq, a.error?.code ?? null, a.accepted ?? null])).toEqual([[1, "malformed_body", null], [2, null, 1]]);
    c.ws.close();
  });

  test("an unknown table is refused before the upgrade", async () => {
    await using srv = await startCaracalProcess();
    const r = await fetch(`${srv.url}/v1/events/ws?table=nope`, { headers: { upgrade: "websocket", connection: "upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
    expect([r.status, ((await r.json()) as any).error.code]).toEqual([404, "unknown_table"]);
  });

  test("a flood is slowed or cut off, never buffered without bound, and every ack holds", async () => {
    await using srv = await startCaracalProcess({ env: { CARACAL_LIMITS_WS_INFLIGHT_BYTES_MAX: String(256 * 1024) } });
    const c = await connect(srv.url);
    const frame = ndjson(Array.from({ length: 200 }, (_, i) => event(i, { text: "x".repeat(200) })));
    const frames = 200;
    for (let f = 0; f < frames; f++) c.ws.send(frame.replaceAll('"e-', `"f${f}-`));
    const outcome = await Promise.race([c.next(frames).then(() => ({ code: 0, reason: "all acked" })), c.closed]);
    console.log(`ws flood: ${outcome.code === 0 ? "every frame acknowledged" : `closed ${outcome.code} ${outcome.reason}`} after ${c.acks.length} acks`);
    const accepted = c.acks.reduce((s, a) => s + (a.accepted ?? 0), 0);
    const s = await getStats(srv.url);
    // Either every frame was acknowledged (the server paused reading) or it closed with 1013.
    const pushedBack = s.ingest.websocket_pauses + s.ingest.websocket_backpressure_closes > 0;
    expect([outcome.code === 0 || outcome.code === 1013, pushedBack, s.tables.events.rows >= accepted, s.memory.rss_bytes < 1024 ** 3]).toEqual([true, true, true, true]);
    if (c.ws.readyState === WebSocket.OPEN) c.ws.close();
  });

  test("under a budget a few reads deep, the server pauses and resumes reading and acknowledges every frame", async () => {
    await using srv = await startCaracalProcess({ env: { CARACAL_LIMITS_WS_INFLIGHT_BYTES_MAX: String(4 * 1024 * 1024) } });
    const c = await connect(srv.url);
    const frame = ndjson(Array.from({ length: 200 }, (_, i) => event(i, { text: "x".repeat(200) })));
    const frames = 150;  // ~8.5 MB sent at once, twice the budget
    for (let f = 0; f < frames; f++) c.ws.send(frame.replaceAll('"e-', `"g${f}-`));
    const acks = await c.next(frames);
    const s = await getStats(srv.url);
    expect({ acked: acks.filter((a) => a.accepted === 200).length, paused: s.ingest.websocket_pauses > 0, rows: s.tables.events.rows, inFlight: s.ingest.bytes_in_flight })
      .toEqual({ acked: frames, paused: true, rows: frames * 200, inFlight: 0 });
    c.ws.close();
  });
});
