// Journeys' webhooks: a journey defined with {"webhook": {"url", "headers"?}} has each derived event
// it emits POSTed there, through the same delivery as alerts (retries with backoff, bounded queue,
// per-journey order; engine/aggregate/webhook-delivery.ts).
//
// Sent only for events the log stored as new: a replay after a restart emits the same events again
// (deterministic ids), the log recognises them as duplicates, and nobody is notified twice. The
// delivery id header is the event id, so a receiver can also drop a retry it has already seen. An
// event whose POST was still queued when the process stopped is not sent again (it is in the event
// stream: `SELECT ... WHERE type = 'cart_abandonment'`).

import type { WebhookTarget } from "../engine/aggregate/alert-rules.ts";
import { WebhookDelivery } from "../engine/aggregate/webhook-delivery.ts";

export class JourneyWebhooks {
  readonly delivery: WebhookDelivery;
  sent = 0;

  constructor(private readonly webhookOf: (journey: string) => WebhookTarget | undefined) {
    this.delivery = new WebhookDelivery({
      fetch: (url, init) => fetch(url, { ...init, redirect: "manual" }), now: Date.now, random: Math.random,
      timers: { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
      onOutcome: (o) => { if (o.result === "failed" || o.result === "dropped") console.error(`journey webhook ${o.result}: ${o.url} (${o.episode})`); },
    });
  }

  /** EventRecorder.onStored: queues a POST for each new event of a journey that has a webhook. */
  stored(events: readonly Record<string, unknown>[], isNew: (i: number) => boolean): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const journey = (e.props as { journey?: unknown } | undefined)?.journey;
      if (typeof journey !== "string" || !isNew(i)) continue;
      const target = this.webhookOf(journey);
      if (!target) continue;
      const who = Object.entries(e).find(([k]) => k === "user_id" || k === "anonymous_id" || k === "session_id")?.[1];
      this.delivery.send(target, {
        key: journey, id: String(e.event_id), state: "emitted", agent: "caracal-journeys",
        body: { journey, type: e.type, text: `${journey}: ${String(e.type)}${who === undefined ? "" : ` for ${String(who)}`}`, at: new Date(Number(e.ts)).toISOString(), event: e },
      });
      this.sent++;
    }
  }

  close(): void {
    this.delivery.close();
  }
}
