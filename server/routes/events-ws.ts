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

export interface IngestWsData { kind: "ingest"; table: string; seq: number; inflightBytes: number; paused: boolean }

export const WS_CLOSE_TRY_AGAIN = 1013;

/** Backpressure events since start, for /v1/stats. */
export interface WsCounters { open: number; pauses: number; backpressureCloses: number }

export function wsHandler(ctx: EventsRouteContext, counters: WsCounters): WebSocketHandler<IngestWsData> {
  const budget = ctx.wsInflightBytesMax;
  const utf8 = new TextEncoder();
  return {
    maxPayloadLength: ctx.bodyBytesMax,
    backpressureLimit: LIMITS.WS_SEND_BUFFER_BYTES_MAX,
    closeOnBackpressureLimit: true,
    idleTimeout: 120,
    open() { counters.open++; },
    close() { counters.open--; },
    async message(ws: ServerWebSocket<IngestWsData>, message: string | Buffer) {
      const seq = ++ws.data.seq;
      const binary = typeof message !== "string";
      const body = binary ? new Uint8Array(message) : utf8.encode(message);
      // Counted now: the parser takes the buffer (transfer), after which body.byteLength is 0.
      const size = body.byteLength;
      ws.data.inflightBytes += size;
      if (ws.data.inflightBytes > budget) {
        counters.backpressureCloses++;
        ws.close(WS_CLOSE_TRY_AGAIN, `backpressure: ${ws.data.inflightBytes} bytes unacknowledged exceed ${budget}`);
        return;
      }
      // Our own flag: Bun's ws.isPaused did not report the pause (measured on 1.4.5), and a missed
      // resume would stall the connection for good.
      if (ws.data.inflightBytes > budget / 2 && !ws.data.paused) { counters.pauses++; ws.data.paused = true; ws.pause(); }
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
      ws.data.inflightBytes -= size;
      if (ws.data.paused && ws.data.inflightBytes <= budget / 4) { ws.data.paused = false; ws.resume(); }
      if (ws.readyState === 1) ws.send(JSON.stringify(reply));
    },
  };
}
