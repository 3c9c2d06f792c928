// Delivers alert transitions (and journeys' derived events, through send()) to webhooks: POST of a JSON body, retried with exponential backoff and
// jitter, each attempt bounded by a timeout (AbortSignal), from a bounded queue. The fetch function,
// the clock, the timers and the random source are injected, so tests drive it without sleeping.
//
// Invariants:
// - Per (url, rule), transitions are delivered in the order they were enqueued: a later one waits while
//   an earlier one is in flight or waiting to retry, so a receiver never sees "resolved" before its
//   "firing". Different rules and urls proceed independently, at most `concurrency` requests at once.
// - Queued (not in flight) jobs are at most queueMax; when full, the oldest job is dropped and counted.
// - Every job ends exactly once as delivered (2xx), failed (a non-retryable answer, or maxAttempts
//   reached) or dropped, unless close() abandons it.
// Retried: network errors, timeouts, 408, 429, 5xx. Not retried: other statuses, including 3xx (redirects
// are not followed, so custom headers never go to a host the rule did not name).
//
// Backoff after the n-th failed attempt: d = min(maxDelayMs, baseDelayMs * 2^(n-1)), waited as
// d/2 + random() * d/2 ("equal jitter": retries of many alerts spread out, yet never come back
// sooner than half the nominal delay). A Retry-After of whole seconds lengthens the wait (up to
// maxDelayMs). See M. Brooker, "Exponential Backoff and Jitter", AWS Architecture Blog, 2015.
//
// The queue lives in memory: transitions not yet delivered are lost on restart (the fired-alerts log
// still has them).

import type { WebhookTarget } from "./alert-rules.ts";
import type { AlertTransition } from "./alert-transition.ts";

export interface DeliveryTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WebhookDeliveryOptions {
  fetch(url: string, init: RequestInit): Promise<Response>;
  /** The clock, epoch ms (the same one the timers run on). */
  now(): number;
  timers: DeliveryTimers;
  /** Uniform in [0, 1): the jitter. */
  random(): number;
  /** Attempts per transition, the first included. Default 6. */
  maxAttempts?: number;
  /** Default 1000. */
  baseDelayMs?: number;
  /** Default 60 000. */
  maxDelayMs?: number;
  /** Per attempt. Default 10 000. */
  timeoutMs?: number;
  /** Jobs queued (not in flight). Default 1000. */
  queueMax?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Called on every attempt's end and every drop, for logs. */
  onOutcome?(outcome: DeliveryOutcome): void;
}

export interface DeliveryOutcome {
  readonly result: "delivered" | "retry" | "failed" | "dropped";
  readonly url: string;
  /** The alert episode, or the derived event's id. */
  readonly episode: string;
  /** The alert state, or "emitted" for a derived event. */
  readonly state: string;
  /** Attempts made so far (0 for a job dropped before its first). */
  readonly attempts: number;
  readonly status: number | null;
  readonly error: string | null;
  /** For "retry": the wait before the next attempt. */
  readonly retryInMs: number | null;
}

export interface DeliveryStats {
  readonly delivered: number;
  readonly failed: number;
  readonly dropped: number;
  /** Attempts after the first. */
  readonly retries: number;
  readonly queued: number;
  readonly inflight: number;
}

interface Job {
  readonly seq: number;
  /** url + rule: the unit of ordering. */
  readonly key: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly episode: string;
  readonly state: string;
  attempts: number;
  dueAt: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The POSTed JSON: `alert`, `state`, `value` and `text` up front (Slack shows `text`), the rest for machines. */
export function webhookBody(t: AlertTransition): Record<string, unknown> {
  return {
    alert: t.rule, state: t.state, severity: t.severity, value: t.value, text: t.text,
    metric: t.metric, filter: t.filter, kind: t.kind, reason: t.reason, episode: t.episode,
    threshold: t.threshold, baseline: t.baseline,
    at: iso(t.at), since: iso(t.since), fired_at: iso(t.fired_at), step_from: iso(t.step_from), step_to: iso(t.step_to),
  };
}

/** Wait after the `failedAttempts`-th failure, before any Retry-After. */
export function backoffDelayMs(failedAttempts: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const d = Math.min(maxDelayMs, baseDelayMs * 2 ** (failedAttempts - 1));
  return d / 2 + random() * (d / 2);
}

const retryable = (status: number | null): boolean => status === null || status >= 500 || status === 408 || status === 429;

function retryAfterMs(res: Response): number {
  const h = res.headers.get("retry-after");
  return h !== null && /^\d+$/.test(h.trim()) ? Number(h.trim()) * 1000 : 0;
}

export class WebhookDelivery {
  readonly #o: Required<Omit<WebhookDeliveryOptions, "onOutcome">> & Pick<WebhookDeliveryOptions, "onOutcome">;
  /** Waiting jobs in enqueue (seq) order, retries back in their place. */
  readonly #pending: Job[] = [];
  readonly #inflight = new Map<Job, AbortController>();
  #seq = 0;
  #timer: unknown = null;
  #closed = false;
  #idle: (() => void)[] = [];
  #stats = { delivered: 0, failed: 0, dropped: 0, retries: 0 };

  constructor(opts: WebhookDeliveryOptions) {
    this.#o = {
      maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 10_000, queueMax: 1000, concurrency: 4, ...opts,
    };
  }

  enqueue(t: AlertTransition, target: WebhookTarget): void {
    // Receivers may deduplicate retries on the delivery id: one episode fires once and resolves once.
    this.send(target, { key: t.rule, id: t.episode, state: t.state, agent: "caracal-alerts", body: webhookBody(t) });
  }

  /**
   * Queues any JSON body for `target`, ordered with the others of the same `key`; the receiver sees
   * `x-caracal-delivery: id/state` on every attempt.
   */
  send(target: WebhookTarget, job: { key: string; id: string; state: string; agent: string; body: unknown }): void {
    if (this.#closed) return;
    const headers = {
      "content-type": "application/json", "user-agent": job.agent, "x-caracal-delivery": `${job.id}/${job.state}`, ...target.headers,
    };
    while (this.#pending.length >= this.#o.queueMax) this.#dropOldest();
    this.#pending.push({
      seq: this.#seq++, key: `${target.url}\n${job.key}`, url: target.url, headers, body: JSON.stringify(job.body),
      episode: job.id, state: job.state, attempts: 0, dueAt: this.#o.now(),
    });
    this.#pump();
  }

  stats(): DeliveryStats {
    return { ...this.#stats, queued: this.#pending.length, inflight: this.#inflight.size };
  }

  /** Resolves once no request is in flight (jobs waiting for a retry timer may remain). */
  settled(): Promise<void> {
    if (this.#inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Aborts requests in flight and stops; returns the jobs abandoned (queued + in flight). */
  close(): number {
    if (this.#closed) return 0;
    this.#closed = true;
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
    const abandoned = this.#pending.length + this.#inflight.size;
    this.#pending.length = 0;
    for (const c of this.#inflight.values()) c.abort(new Error("webhook delivery closed"));
    return abandoned;
  }

  #outcome(job: Job, result: DeliveryOutcome["result"], status: number | null, error: string | null, retryInMs: number | null): void {
    this.#o.onOutcome?.({ result, url: job.url, episode: job.episode, state: job.state, attempts: job.attempts, status, error, retryInMs });
  }

  #dropOldest(): void {
    const job = this.#pending.shift()!;
    this.#stats.dropped++;
    this.#outcome(job, "dropped", null, null, null);
  }

  /** Starts every job that is due, first in its key and within concurrency; arms a timer for the next. */
  #pump(): void {
    if (this.#closed) return;
    const now = this.#o.now();
    const blocked = new Set<string>();
    for (const j of this.#inflight.keys()) blocked.add(j.key);
    let nextDue = Infinity;
    const waiting: Job[] = [];
    for (const j of this.#pending) {
      const first = !blocked.has(j.key);
      blocked.add(j.key);
      if (first && j.dueAt <= now && this.#inflight.size < this.#o.concurrency) { this.#start(j); continue; }
      if (first && j.dueAt > now) nextDue = Math.min(nextDue, j.dueAt);
      waiting.push(j);
    }
    this.#pending.splice(0, this.#pending.length, ...waiting);
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
    if (nextDue !== Infinity) {
      this.#timer = this.#o.timers.setTimeout(() => { this.#timer = null; this.#pump(); }, nextDue - now);
    }
  }

  #start(job: Job): void {
    if (++job.attempts > 1) this.#stats.retries++;
    const ctrl = new AbortController();
    let timedOut = false;
    const timeout = this.#o.timers.setTimeout(() => { timedOut = true; ctrl.abort(new Error("timeout")); }, this.#o.timeoutMs);
    this.#inflight.set(job, ctrl);
    let status: number | null = null, error: string | null = null, waitMs = 0;
    let request: Promise<Response>;
    try {
      request = this.#o.fetch(job.url, { method: "POST", headers: job.headers, body: job.body, signal: ctrl.signal, redirect: "manual" });
    } catch (err) {
      request = Promise.reject(err);
    }
    request.then(async (res) => {
      status = res.status;
      waitMs = retryAfterMs(res);
      // The answer's body is not needed; cancelling frees the connection.
      await res.body?.cancel().catch(() => {});
    }, (err: unknown) => {
      error = timedOut ? `timed out after ${this.#o.timeoutMs} ms` : err instanceof Error ? err.message : String(err);
    }).then(() => {
      this.#o.timers.clearTimeout(timeout);
      this.#finish(job, status, error, waitMs);
    });
  }

  #finish(job: Job, status: number | null, error: string | null, retryAfter: number): void {
    this.#inflight.delete(job);
    if (!this.#closed) {
      if (status !== null && status >= 200 && status < 300) {
        this.#stats.delivered++;
        this.#outcome(job, "delivered", status, null, null);
      } else if (retryable(status) && job.attempts < this.#o.maxAttempts) {
        const o = this.#o;
        const wait = Math.max(backoffDelayMs(job.attempts, o.baseDelayMs, o.maxDelayMs, o.random), Math.min(o.maxDelayMs, retryAfter));
        job.dueAt = o.now() + wait;
        let i = this.#pending.length;
        while (i > 0 && this.#pending[i - 1]!.seq > job.seq) i--;
        this.#pending.splice(i, 0, job);
        this.#outcome(job, "retry", status, error, wait);
        while (this.#pending.length > o.queueMax) this.#dropOldest();
      } else {
        this.#stats.failed++;
        this.#outcome(job, "failed", status, error ?? (status !== null ? `status ${status}` : null), null);
      }
      this.#pump();
    }
    if (this.#inflight.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
