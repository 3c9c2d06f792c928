// NDJSON bodies of generated events for benches that ingest over HTTP: users drawn from a fixed
// pool (so profiles and co-views build up), times spread back from now. No event_id: the server
// makes one, so a body posted again is stored again instead of de-duplicated (almost free).

import { eventStream } from "./data.ts";

/** `batch(n, spreadMs)`: n events as NDJSON, their times spread over the last spreadMs. */
export function ndjsonBatches(seed: number, users: number): (n: number, spreadMs?: number) => string {
  const events = eventStream(seed, Number.MAX_SAFE_INTEGER);
  let made = 0;
  return (n, spreadMs = 60_000) => {
    const now = Date.now(), lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const { event_id: _, ...e } = events.next().value!;
      lines.push(JSON.stringify({ ...e, user_id: `u${(made++ * 7919) % users}`, ts: now - ((made * 37) % spreadMs) }));
    }
    return lines.join("\n");
  };
}
