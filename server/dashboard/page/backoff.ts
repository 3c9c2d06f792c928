// Reconnection delays for the live channel: exponential from BASE_MS, capped at MAX_MS, with jitter
// (each delay drawn from the upper half of its step), so a restarted server is not hit by every
// open page at the same instant. Attempt 0 is the first retry after a drop.

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 15_000;

/** `random` returns [0, 1); the delay is in [step / 2, step) with step = min(MAX, BASE * 2^attempt). */
export function reconnectDelayMs(attempt: number, random: () => number): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (step / 2) * random());
}
