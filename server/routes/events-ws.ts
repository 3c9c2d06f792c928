// GET /v1/events/ws[?table=T]: streaming ingest. Text frames carry NDJSON, binary frames
// MessagePack; either may be an envelope {"batch_id", "events": [...]}. Each frame is answered,
// after it is durable, with the HTTP counts plus `seq` (the frame's 1-based number on this
// connection) and `batch_id`. Answers may come out of frame order: match them by seq or batch_id.
//
// Backpressure: past half the per-connection in-flight budget the server stops reading the socket
// (TCP pushes back on the client); frames already read past the whole budget close the connection
// with 1013 "try again later". A client that does not read its acknowledgements is closed by the
// send-buffer limit. Memory per connection is therefore bounded.

import type { ServerWebSocket, WebSocketHandler } from "bun";
import { EngineError } from "../../engine/core/errors.ts";
import { LIMITS } from "../../engine/core/limits.ts";
import type { EventsRouteContext } from "./events.ts";

export interface WsData { table: string; seq: number; inflightBytes: number }

export const WS_CLOSE_TRY_AGAIN = 1013;

export function wsHandler(ctx: EventsRouteContext, onCount: (delta: number) => void): WebSocketHandler<WsData> {
  const budget = ctx.wsInflightBytesMax;
  const utf8 = new TextEncoder();
  return {
    maxPayloadLength: ctx.bodyBytesMax,
    backpressureLimit: LIMITS.WS_SEND_BUFFER_BYTES_MAX,
    closeOnBackpressureLimit: true,
    idleTimeout: 120,
    open() { onCount(1); },
    close() { onCount(-1); },
    async message(ws: ServerWebSocket<WsData>, message: string | Buffer) {
      const seq = ++ws.data.seq;
      const binary = typeof message !== "string";
      const body = binary ? new Uint8Array(message) : utf8.encode(message);
      ws.data.inflightBytes += body.byteLength;
      if (ws.data.inflightBytes > budget) {
        ws.close(WS_CLOSE_TRY_AGAIN, `backpressure: ${ws.data.inflightBytes} bytes unacknowledged exceed ${budget}`);
        return;
      }
      if (ws.data.inflightBytes > budget / 2 && !ws.isPaused) ws.pause();
      let reply: Record<string, unknown>;
      try {
        const r = await ctx.pipeline.ingest({
          table: ws.data.table, format: binary ? "msgpack" : "ndjson", gzip: false, body, source: "ws", allowEnvelope: true,
        });
        reply = { seq, ...r };
      } catch (e) {
        const err = e instanceof EngineError ? e : new EngineError("internal", String((e as Error)?.message ?? e));
        reply = { seq, error: { code: err.code, message: err.message } };
      }
      ws.data.inflightBytes -= body.byteLength;
      if (ws.isPaused && ws.data.inflightBytes <= budget / 4) ws.resume();
      if (ws.readyState === 1) ws.send(JSON.stringify(reply));
    },
  };
}
