// The live dashboard's push channel: GET /v1/dashboard/ws. Each page subscribes to one view (minutes
// of history, optional campaign); once a second, for every view someone watches, the panels are
// computed once (panels.ts) and published to all its subscribers (Bun's pub/sub topics), and only if
// they changed. So 20 open pages on one view cost one computation a second, and an idle view costs
// nothing. A client changes its view by sending {"minutes": 60, "campaign": "bf-2026" | null}.

import type { Server, ServerWebSocket } from "bun";
import { EngineError } from "../../engine/core/errors.ts";
import { panels, type PanelSources } from "./panels.ts";

export interface DashboardView { minutes: number; campaign: string | null }
export interface DashboardWsData { kind: "dashboard"; view: DashboardView; topic: string }

const PUSH_MS = 1000;
const MINUTES_MAX = 24 * 60;

export function viewTopic(v: DashboardView): string {
  return `dash:${v.minutes}:${v.campaign ?? ""}`;
}

export function parseView(input: { minutes?: unknown; campaign?: unknown }): DashboardView {
  const minutes = input.minutes === undefined || input.minutes === null || input.minutes === "" ? 60 : Number(input.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MINUTES_MAX) throw new EngineError("bad_argument", `minutes must be an integer from 1 to ${MINUTES_MAX}`);
  const c = input.campaign;
  if (c !== undefined && c !== null && typeof c !== "string") throw new EngineError("bad_argument", "campaign must be a string or null");
  return { minutes, campaign: c === undefined || c === null || c === "" ? null : c };
}

export class DashboardFeed {
  private readonly watched = new Map<string, { view: DashboardView; subscribers: number; last: string }>();
  private server: Server<unknown> | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private busy = false;
  pushes = 0;

  constructor(private readonly src: PanelSources, private readonly now: () => number = Date.now) {
    this.timer = setInterval(() => void this.push(), PUSH_MS);
    this.timer.unref?.();
  }

  attach(server: Server<unknown>): void {
    this.server = server;
  }

  get views(): number {
    return this.watched.size;
  }

  async open(ws: ServerWebSocket<DashboardWsData>): Promise<void> {
    this.subscribe(ws, ws.data.view);
    // The first frame right away, not up to a second later.
    ws.send(await this.render(ws.data.view));
  }

  async message(ws: ServerWebSocket<DashboardWsData>, text: string): Promise<void> {
    let view: DashboardView;
    try {
      view = parseView(JSON.parse(text) as DashboardView);
    } catch (e) {
      ws.send(JSON.stringify({ error: { code: "bad_argument", message: e instanceof EngineError ? e.message : "send {\"minutes\": N, \"campaign\": string | null}" } }));
      return;
    }
    this.unsubscribe(ws);
    this.subscribe(ws, view);
    ws.send(await this.render(view));
  }

  close(ws: ServerWebSocket<DashboardWsData>): void {
    this.unsubscribe(ws);
  }

  private subscribe(ws: ServerWebSocket<DashboardWsData>, view: DashboardView): void {
    const topic = viewTopic(view);
    ws.data.view = view;
    ws.data.topic = topic;
    ws.subscribe(topic);
    const w = this.watched.get(topic);
    if (w) w.subscribers++;
    else this.watched.set(topic, { view, subscribers: 1, last: "" });
  }

  private unsubscribe(ws: ServerWebSocket<DashboardWsData>): void {
    const w = this.watched.get(ws.data.topic);
    ws.unsubscribe(ws.data.topic);
    if (w && --w.subscribers <= 0) this.watched.delete(ws.data.topic);
  }

  async render(view: DashboardView): Promise<string> {
    return JSON.stringify(await panels(this.src, { ...view, nowMs: this.now() }));
  }

  /** One round: every watched view computed once, published when it changed. */
  async push(): Promise<void> {
    if (this.busy || this.server === null) return;
    this.busy = true;
    try {
      for (const [topic, w] of this.watched) {
        const json = await this.render(w.view);
        // `at` changes every second; compare the rest.
        const body = json.slice(json.indexOf(",") + 1);
        if (body === w.last) continue;
        w.last = body;
        this.server.publish(topic, json);
        this.pushes++;
      }
    } catch (e) {
      console.error(`dashboard push failed: ${(e as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
