// At most one render a second per panel. A panel offers every snapshot with the key of what it
// would draw: the same key as what is on screen is "unchanged" (nothing to do); otherwise it renders
// at once if its last render is at least `minIntervalMs` old, or else once when that time comes,
// with the newest snapshot offered meanwhile (older pending ones are dropped, never queued).
// The clock and timers are injected, so the policy is tested without waiting.

export interface GateClock {
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type GateOutcome = "rendered" | "unchanged" | "deferred";

export class RenderGate {
  private shownKey: string | null = null;
  private lastRenderAt = Number.NEGATIVE_INFINITY;
  private pending: { key: string; render: () => void } | null = null;
  private timer: unknown = null;

  constructor(private readonly minIntervalMs: number, private readonly clock: GateClock) {}

  offer(key: string, render: () => void): GateOutcome {
    if (key === this.shownKey) {
      // What is shown is current again: a pending older change must not overwrite it.
      this.cancel();
      return "unchanged";
    }
    const wait = this.lastRenderAt + this.minIntervalMs - this.clock.now();
    if (wait <= 0 && this.timer === null) {
      this.run(key, render);
      return "rendered";
    }
    this.pending = { key, render };
    this.timer ??= this.clock.setTimeout(() => this.flush(), Math.max(0, wait));
    return "deferred";
  }

  /** Forgets the interval (a view the user just chose renders at once). */
  reset(): void {
    this.cancel();
    this.lastRenderAt = Number.NEGATIVE_INFINITY;
  }

  private flush(): void {
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    if (p) this.run(p.key, p.render);
  }

  private cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private run(key: string, render: () => void): void {
    this.shownKey = key;
    this.lastRenderAt = this.clock.now();
    render();
  }
}
