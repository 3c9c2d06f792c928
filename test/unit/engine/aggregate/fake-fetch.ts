// A fetch for webhook tests: records every call (at the fake clock's time, with its parsed JSON body)
// and answers as the test scripts it: a status, a thrown network error, "hang" (never answers; rejects
// when the request's signal aborts), or "held" (answers when the test calls release()).

import type { FakeClock } from "./fake-clock.ts";

export type Answer = number | { status: number; headers: Record<string, string> } | "network_error" | "hang" | "held";

export interface Call { readonly at: number; readonly url: string; readonly headers: Record<string, string>; readonly body: Record<string, unknown> }

export class FakeFetch {
  readonly calls: Call[] = [];
  /** Requests hanging until aborted. */
  hanging = 0;
  readonly #held: ((status: number) => void)[] = [];

  constructor(readonly clock: FakeClock, readonly answer: (call: Call, index: number) => Answer) {}

  readonly fetch = (url: string, init: RequestInit): Promise<Response> => {
    const call = { at: this.clock.now(), url, headers: { ...(init.headers as Record<string, string>) }, body: JSON.parse(String(init.body)) };
    this.calls.push(call);
    const a = this.answer(call, this.calls.length - 1);
    if (a === "network_error") return Promise.reject(new TypeError("connection refused"));
    if (a === "hang") {
      this.hanging++;
      return new Promise((_, reject) => init.signal!.addEventListener("abort", () => { this.hanging--; reject(init.signal!.reason); }));
    }
    if (a === "held") return new Promise((resolve) => this.#held.push((status) => resolve(new Response(null, { status }))));
    return Promise.resolve(typeof a === "number" ? new Response(null, { status: a }) : new Response(null, a));
  };

  /** Answers the oldest held request. */
  release(status: number): void {
    this.#held.shift()!(status);
  }
}
