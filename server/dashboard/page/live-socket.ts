// The live channel: one WebSocket to /v1/dashboard/ws that receives a snapshot at once and then
// the server's pushes (at most one a second, only on change); no polling. A view change is one
// message on the open socket ({"minutes", "campaign"}); while closed, the next connection's URL
// carries the view. On a drop it reconnects with jittered exponential backoff (backoff.ts); when
// a connection fails before opening, it first asks the server whether a key is the problem (the
// browser hides the upgrade's 401), and then waits for a key instead of retrying in a loop.

import { reconnectDelayMs } from "./backoff.ts";
import type { Snapshot, View } from "./snapshot.ts";

export type ConnState =
  | { kind: "connecting" }
  | { kind: "live" }
  | { kind: "reconnecting"; attempt: number; inMs: number }
  | { kind: "key-needed"; message: string };

export interface LiveSocketOptions {
  url(view: View): string;
  onSnapshot(s: Snapshot): void;
  onState(s: ConnState): void;
  /** An error frame from the server (a refused view). */
  onServerError(message: string): void;
  /** After a failed connection: "key-needed" (with the server's message) or "retry". */
  probe(): Promise<{ kind: "key-needed"; message: string } | { kind: "retry" }>;
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private view: View = { minutes: 60, campaign: null };
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;

  constructor(private readonly o: LiveSocketOptions) {}

  start(view: View): void {
    this.view = view;
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  setView(view: View): void {
    this.view = view;
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(view));
  }

  /** Drops the connection and connects again now (a new key was given). */
  restart(): void {
    this.stop();
    this.start(this.view);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }

  private connect(): void {
    this.o.onState({ kind: "connecting" });
    let opened = false;
    const ws = new WebSocket(this.o.url(this.view));
    this.ws = ws;
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.o.onState({ kind: "live" });
    };
    ws.onmessage = (m) => {
      let data: unknown;
      try { data = JSON.parse(String(m.data)); } catch { return; }
      const err = (data as { error?: { message?: string } }).error;
      if (err) this.o.onServerError(err.message ?? "the server refused the view");
      else this.o.onSnapshot(data as Snapshot);
    };
    ws.onclose = () => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      void this.afterClose(opened);
    };
  }

  private async afterClose(opened: boolean): Promise<void> {
    if (!opened) {
      const p = await this.o.probe();
      if (this.stopped) return;
      if (p.kind === "key-needed") {
        this.stopped = true;
        this.o.onState(p);
        return;
      }
    }
    const inMs = reconnectDelayMs(this.attempt, Math.random);
    this.o.onState({ kind: "reconnecting", attempt: this.attempt + 1, inMs });
    this.attempt++;
    this.timer = setTimeout(() => { this.timer = null; if (!this.stopped) this.connect(); }, inMs);
  }
}
