// Webhook delivery on a fake clock with a scripted fetch: backoff with jitter on 5xx, on network errors
// and on timeouts, success and non-retryable answers stop retries, the queue bound drops the oldest,
// per-rule ordering, Retry-After; and one end-to-end run against a real Bun.serve on 127.0.0.1.

import { describe, expect, test } from "bun:test";
import { AlertEngine } from "../../../../engine/aggregate/alert-engine.ts";
import type { AlertTransition } from "../../../../engine/aggregate/alert-transition.ts";
import { WebhookDelivery, type DeliveryOutcome, type WebhookDeliveryOptions } from "../../../../engine/aggregate/webhook-delivery.ts";
import { AlertHarness, ORIGIN, stepStart } from "./alert-harness.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeFetch, type Answer, type Call } from "./fake-fetch.ts";

const HOOK = { url: "https://hooks.example/alerts", headers: { authorization: "Bearer s3cret" } };

function transition(rule: string, state: "firing" | "resolved", value = 150): AlertTransition {
  return {
    rule, kind: "threshold", metric: "pv", filter: { campaign: "bf-2026" }, severity: "critical", state, reason: "condition",
    episode: `${rule}@${stepStart(7)}`, value, threshold: { op: ">", value: 100 }, baseline: null,
    at: stepStart(state === "firing" ? 7 : 12), since: stepStart(state === "firing" ? 4 : 10), fired_at: stepStart(7),
    step_from: stepStart(state === "firing" ? 6 : 11), step_to: stepStart(state === "firing" ? 7 : 12), text: `${rule} is ${state}`,
  };
}

/** A delivery on a fake clock whose fetch answers per `answer`; `randoms` are the jitter draws, in order. */
function setup(answer: (call: Call, index: number) => Answer, opts: Partial<WebhookDeliveryOptions> = {}, randoms: number[] = []) {
  const clock = new FakeClock(ORIGIN);
  const fake = new FakeFetch(clock, answer);
  const outcomes: DeliveryOutcome[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const delivery = new WebhookDelivery({
    fetch: fake.fetch, now: clock.now, timers: clock, random: () => randoms.shift() ?? 0.5,
    onOutcome: (o) => {
      outcomes.push(o);
      for (const w of waiters.filter((w) => outcomes.length >= w.n)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    },
    ...opts,
  });
  /** Resolves once `n` outcomes have been reported. */
  const outcomeCount = (n: number): Promise<void> =>
    outcomes.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));
  /** Lets answers land, then moves the clock timer by timer until none is left (or `untilMs`). */
  const drive = async (untilMs = Infinity): Promise<void> => {
    for (;;) {
      if (fake.hanging === 0) await delivery.settled();
      const next = clock.nextTimerAt();
      if (next === undefined || next > untilMs) return;
      clock.advanceTo(next);
    }
  };
  return { clock, fake, outcomes, delivery, drive, outcomeCount };
}

const at = (calls: Call[]) => calls.map((c) => c.at - ORIGIN);

describe("delivery", () => {
  test("one POST with the JSON body and headers; delivered on 2xx", async () => {
    const s = setup(() => 204);
    s.delivery.enqueue(transition("pv_high", "firing"), HOOK);
    await s.drive();
    expect({ calls: s.fake.calls, stats: s.delivery.stats(), timers: s.clock.timerCount }).toEqual({
      calls: [{
        at: ORIGIN, url: HOOK.url,
        headers: { "content-type": "application/json", "user-agent": "caracal-alerts", "x-caracal-delivery": `pv_high@${stepStart(7)}/firing`, authorization: "Bearer s3cret" },
        body: {
          alert: "pv_high", state: "firing", severity: "critical", value: 150, text: "pv_high is firing",
          metric: "pv", filter: { campaign: "bf-2026" }, kind: "threshold", reason: "condition", episode: `pv_high@${stepStart(7)}`,
          threshold: { op: ">", value: 100 }, baseline: null,
          at: "2026-11-27T10:07:00.000Z", since: "2026-11-27T10:04:00.000Z", fired_at: "2026-11-27T10:07:00.000Z",
          step_from: "2026-11-27T10:06:00.000Z", step_to: "2026-11-27T10:07:00.000Z",
        },
      }],
      stats: { delivered: 1, failed: 0, dropped: 0, retries: 0, queued: 0, inflight: 0 },
      timers: 0,
    });
  });

  test("5xx and network errors retry with exponential backoff and jitter; success stops the retries", async () => {
    const answers: Answer[] = [500, "network_error", 503, 200];
    const s = setup((_, i) => answers[i] ?? 599, { baseDelayMs: 1000, maxDelayMs: 60_000 }, [0.25, 0.75, 0]);
    s.delivery.enqueue(transition("pv_high", "firing"), HOOK);
    await s.drive();
    // After the n-th failure the nominal delay is 1000 * 2^(n-1) ms, waited as half of it plus the
    // jitter draw times the other half: 500 + 0.25*500, 1000 + 0.75*1000, 2000 + 0*2000.
    const [w1, w2, w3] = [500 + 0.25 * 500, 1000 + 0.75 * 1000, 2000 + 0 * 2000];
    expect({
      at: at(s.fake.calls),
      outcomes: s.outcomes.map((o) => [o.result, o.attempts, o.status, o.error, o.retryInMs]),
      stats: s.delivery.stats(), timers: s.clock.timerCount,
    }).toEqual({
      at: [0, w1, w1 + w2, w1 + w2 + w3],
      outcomes: [
        ["retry", 1, 500, null, w1], ["retry", 2, null, "connection refused", w2],
        ["retry", 3, 503, null, w3], ["delivered", 4, 200, null, null],
      ],
      stats: { delivered: 1, failed: 0, dropped: 0, retries: 3, queued: 0, inflight: 0 },
      timers: 0,
    });
  });

  test("the delay is capped at maxDelayMs and attempts at maxAttempts", async () => {
    const s = setup(() => 500, { baseDelayMs: 1000, maxDelayMs: 3000, maxAttempts: 5 }, [1, 1, 1, 1]);
    s.delivery.enqueue(transition("pv_high", "firing"), HOOK);
    await s.drive();
    // Nominal 1000, 2000, 4000 -> 3000, 8000 -> 3000; a draw of 1 waits the whole nominal delay.
    expect({ at: at(s.fake.calls), last: s.outcomes.at(-1), stats: s.delivery.stats() }).toEqual({
      at: [0, 1000, 3000, 6000, 9000],
      last: { result: "failed", url: HOOK.url, episode: `pv_high@${stepStart(7)}`, state: "firing", attempts: 5, status: 500, error: "status 500", retryInMs: null },
      stats: { delivered: 0, failed: 1, dropped: 0, retries: 4, queued: 0, inflight: 0 },
    });
  });

  test("a request that does not answer within timeoutMs is aborted and retried", async () => {
    const s = setup(() => "hang", { timeoutMs: 5000, maxAttempts: 2, baseDelayMs: 1000 }, [0.5]);
    s.delivery.enqueue(transition("pv_high", "firing"), HOOK);
    await s.drive();
    expect({
      at: at(s.fake.calls),
      outcomes: s.outcomes.map((o) => [o.result, o.attempts, o.error, o.retryInMs]),
      stats: s.delivery.stats(), timers: s.clock.timerCount,
    }).toEqual({
      // Times out at 5000, waits 500 + 0.5*500 = 750, times out again at 5750 + 5000.
      at: [0, 5750],
      outcomes: [["retry", 1, "timed out after 5000 ms", 750], ["failed", 2, "timed out after 5000 ms", null]],
      stats: { delivered: 0, failed: 1, dropped: 0, retries: 1, queued: 0, inflight: 0 },
      timers: 0,
    });
  });

  test("4xx other than 408/429 fails at once; 3xx is not followed", async () => {
    const s = setup((c) => (c.body.alert === "a" ? 404 : 301));
    s.delivery.enqueue(transition("a", "firing"), HOOK);
    s.delivery.enqueue(transition("b", "firing"), HOOK);
    await s.drive();
    expect({ calls: s.fake.calls.length, outcomes: s.outcomes.map((o) => [o.result, o.status, o.error]), timers: s.clock.timerCount }).toEqual({
      calls: 2, outcomes: [["failed", 404, "status 404"], ["failed", 301, "status 301"]], timers: 0,
    });
  });

  test("429 with Retry-After waits at least that long", async () => {
    const answers: Answer[] = [{ status: 429, headers: { "retry-after": "30" } }, 200];
    const s = setup((_, i) => answers[i]!, { baseDelayMs: 1000 }, [0]);
    s.delivery.enqueue(transition("pv_high", "firing"), HOOK);
    await s.drive();
    expect(at(s.fake.calls)).toEqual([0, 30_000]);
  });
});

describe("queue and order", () => {
  test("when the queue is full the oldest queued job is dropped and counted", async () => {
    const s = setup(() => "held", { concurrency: 1, queueMax: 2 });
    for (const r of ["r1", "r2", "r3", "r4", "r5"]) s.delivery.enqueue(transition(r, "firing"), HOOK);
    const afterEnqueue = s.delivery.stats();
    // Two drops reported so far; each release ends one more job.
    for (let i = 1; i <= 3; i++) { s.fake.release(200); await s.outcomeCount(2 + i); }
    expect({
      afterEnqueue,
      delivered: s.fake.calls.map((c) => c.body.alert),
      dropped: s.outcomes.filter((o) => o.result === "dropped").map((o) => o.episode),
      stats: s.delivery.stats(),
    }).toEqual({
      // r1 is in flight; r2 and r3 fill the queue; r4 drops r2, r5 drops r3.
      afterEnqueue: { delivered: 0, failed: 0, dropped: 2, retries: 0, queued: 2, inflight: 1 },
      delivered: ["r1", "r4", "r5"],
      dropped: [`r2@${stepStart(7)}`, `r3@${stepStart(7)}`],
      stats: { delivered: 3, failed: 0, dropped: 2, retries: 0, queued: 0, inflight: 0 },
    });
  });

  test("a rule's resolved waits for its firing to be delivered; other rules do not wait", async () => {
    let aFirings = 0;
    const s = setup((c) => (c.body.alert === "a" && c.body.state === "firing" && aFirings++ === 0 ? 500 : 200), { baseDelayMs: 1000 }, [0]);
    s.delivery.enqueue(transition("a", "firing"), HOOK);
    s.delivery.enqueue(transition("b", "firing"), HOOK);
    await s.delivery.settled();
    s.delivery.enqueue(transition("a", "resolved", 50), HOOK);
    await s.drive();
    expect(s.fake.calls.map((c) => [c.at - ORIGIN, c.body.alert, c.body.state])).toEqual([
      [0, "a", "firing"], [0, "b", "firing"], [500, "a", "firing"], [500, "a", "resolved"],
    ]);
  });

  test("close() aborts requests in flight and abandons the queue", async () => {
    const s = setup(() => "hang", { concurrency: 1 });
    s.delivery.enqueue(transition("a", "firing"), HOOK);
    s.delivery.enqueue(transition("b", "firing"), HOOK);
    const abandoned = s.delivery.close();
    await s.delivery.settled();
    s.delivery.enqueue(transition("c", "firing"), HOOK);
    expect({ abandoned, calls: s.fake.calls.length, hanging: s.fake.hanging, stats: s.delivery.stats(), timers: s.clock.timerCount }).toEqual({
      abandoned: 2, calls: 1, hanging: 0, stats: { delivered: 0, failed: 0, dropped: 0, retries: 0, queued: 0, inflight: 0 }, timers: 0,
    });
  });
});

test("end to end: the engine fires and resolves, a real HTTP server receives both (one retry after a 500)", async () => {
  const received: { headers: Record<string, string | null>; body: Record<string, unknown> }[] = [];
  using server = Bun.serve({
    port: 0, hostname: "127.0.0.1",
    async fetch(req) {
      received.push({
        headers: { authorization: req.headers.get("authorization"), "content-type": req.headers.get("content-type"), delivery: req.headers.get("x-caracal-delivery") },
        body: (await req.json()) as Record<string, unknown>,
      });
      return new Response(received.length === 1 ? "try again" : "ok", { status: received.length === 1 ? 500 : 200 });
    },
  });
  const h = new AlertHarness();
  const delivery = new WebhookDelivery({ fetch: (url, init) => fetch(url, init), now: h.clock.now, timers: h.clock, random: () => 0, baseDelayMs: 1000 });
  // The wiring the server does: every transition of a rule with a webhook is queued for it.
  h.engine = new AlertEngine(h.options({ sink: (t, rule) => { if (rule.webhook) delivery.enqueue(t, rule.webhook); } }));
  h.source.set("pv", undefined, [150, 150, 50]);
  h.put({ name: "pv_high", metric: "pv", kind: "threshold", op: ">", value: 100, for_seconds: 120, clear_after_seconds: 60,
    webhook: { url: `http://127.0.0.1:${server.port}/hook`, headers: { authorization: "Bearer t" } } });
  h.runUntil(stepStart(2));
  await delivery.settled();                  // the first POST got 500; a retry is due in 500 ms
  h.clock.advance(500);
  await delivery.settled();
  h.runUntil(stepStart(3));
  await delivery.settled();
  const headers = (state: string) => ({ authorization: "Bearer t", "content-type": "application/json", delivery: `pv_high@${stepStart(2)}/${state}` });
  const body = {
    alert: "pv_high", severity: "warning", metric: "pv", filter: null, kind: "threshold", reason: "condition",
    episode: `pv_high@${stepStart(2)}`, threshold: { op: ">", value: 100 }, baseline: null, fired_at: "2026-11-27T10:02:00.000Z",
  };
  const firing = {
    ...body, state: "firing", value: 150, at: "2026-11-27T10:02:00.000Z", since: "2026-11-27T10:00:00.000Z",
    step_from: "2026-11-27T10:01:00.000Z", step_to: "2026-11-27T10:02:00.000Z",
    text: "[warning] pv_high firing: pv = 150 (> 100) since 2026-11-27T10:00:00.000Z, for 120 s",
  };
  expect({ received, stats: delivery.stats() }).toEqual({
    received: [
      { headers: headers("firing"), body: firing },
      { headers: headers("firing"), body: firing },
      {
        headers: headers("resolved"),
        body: {
          ...body, state: "resolved", value: 50, at: "2026-11-27T10:03:00.000Z", since: "2026-11-27T10:02:00.000Z",
          step_from: "2026-11-27T10:02:00.000Z", step_to: "2026-11-27T10:03:00.000Z",
          text: "[warning] pv_high resolved: pv = 50 (not > 100) since 2026-11-27T10:02:00.000Z, after firing since 2026-11-27T10:02:00.000Z",
        },
      },
    ],
    stats: { delivered: 2, failed: 0, dropped: 0, retries: 1, queued: 0, inflight: 0 },
  });
});
