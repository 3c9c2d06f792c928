// Clients that hold resources: slow-loris connections (headers dribbled a byte at a time, bodies
// never finished) and WebSocket clients that send but never read their acknowledgements. The server
// must keep serving others promptly and keep its memory bounded; a never-reading WebSocket is closed
// by the send-buffer limit.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { startCaracalProcess } from "../../helpers/caracal-process.ts";

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

test("200 slow-loris connections neither block other clients nor grow memory", async () => {
  await using srv = await startCaracalProcess();
  const port = Number(new URL(srv.url).port);
  const before = rssMiB(srv.proc.pid);
  const sockets = Array.from({ length: 200 }, (_, i) => {
    const s = connect(port, "127.0.0.1");
    s.on("error", () => {});
    // Headers promising a large body, then nothing more.
    s.write(i % 2 ? "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n{\"type\":" : "GET /v1/sql?q=SELECT");
    return s;
  });
  const drip = setInterval(() => { for (const s of sockets) if (!s.destroyed) s.write("x"); }, 200);
  try {
    const t0 = performance.now();
    const r = await fetch(`${srv.url}/v1/sql?q=${encodeURIComponent("SELECT 1")}`);
    const ms = performance.now() - t0;
    await Bun.sleep(1000);
    const after = rssMiB(srv.proc.pid);
    expect({ status: r.status, fast: ms < 1000, grewMiB: after - before < 64 }).toEqual({ status: 200, fast: true, grewMiB: true });
  } finally {
    clearInterval(drip);
    for (const s of sockets) s.destroy();
  }
}, 30_000);

test("a WebSocket client that never reads its acks is closed by the send-buffer limit; memory stays bounded", async () => {
  await using srv = await startCaracalProcess();
  const before = rssMiB(srv.proc.pid);
  const port = Number(new URL(srv.url).port);
  // A raw socket speaking WebSocket, so nothing on our side reads the server's frames.
  const key = Buffer.from("0123456789abcdef").toString("base64");
  const sock = connect(port, "127.0.0.1");
  sock.on("error", () => {});
  // The client reads nothing, so it never sees the close: ask the server how many sockets it holds.
  const open = async () => ((await (await fetch(`${srv.url}/v1/stats`)).json()) as any).ingest.websocket_connections as number;
  sock.write(`GET /v1/events/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  sock.pause(); // never read: the kernel buffers fill, then the server's send buffer
  // Events without a type: each ack lists 50 errors (a few KB), so unread acks pile up fast.
  const line = JSON.stringify({ user_id: "u", ts: Date.now() });
  const payload = Buffer.from(Array.from({ length: 50 }, () => line).join("\n"));
  const frame = (p: Buffer) => {
    const mask = Buffer.from([1, 2, 3, 4]);
    const head = p.length < 65536 ? Buffer.from([0x81, 0x80 | 126, p.length >> 8, p.length & 255]) : Buffer.alloc(0);
    const body = Buffer.from(p.map((b, i) => b ^ mask[i & 3]!));
    return Buffer.concat([head, mask, body]);
  };
  const f = frame(payload);
  let wasOpen = false;
  for (let i = 0; i < 3000; i++) {
    sock.write(f);
    if (i % 50 === 0) { await Bun.sleep(5); wasOpen ||= (await open()) === 1; }
  }
  let closed = false;
  for (const deadline = Date.now() + 15_000; !closed && Date.now() < deadline; await Bun.sleep(100)) closed = (await open()) === 0;
  const after = rssMiB(srv.proc.pid);
  const alive = (await fetch(`${srv.url}/healthz`)).status;
  sock.destroy();
  expect({ wasOpen, closed, alive, grewMiB: after - before < 256 }).toEqual({ wasOpen: true, closed: true, alive: 200, grewMiB: true });
}, 30_000);
