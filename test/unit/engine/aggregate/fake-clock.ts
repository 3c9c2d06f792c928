// A controllable clock with timers for tests: time moves only when the test says so, and timers due on
// the way fire in time order (ties in the order they were set), each seeing now() at its own time.

export class FakeClock {
  #now: number;
  #seq = 0;
  #timers = new Map<number, { at: number; seq: number; fn: () => void }>();

  constructor(startMs: number) {
    this.#now = startMs;
  }

  readonly now = (): number => this.#now;

  readonly setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), seq: id, fn });
    return id;
  };

  readonly clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  /** Timers set and not yet fired or cleared. */
  get timerCount(): number {
    return this.#timers.size;
  }

  /** When the earliest timer is due, or undefined when none is set. */
  nextTimerAt(): number | undefined {
    let at: number | undefined;
    for (const e of this.#timers.values()) if (at === undefined || e.at < at) at = e.at;
    return at;
  }

  /** Moves to `t`, firing every timer due at or before it. */
  advanceTo(t: number): void {
    for (;;) {
      let next: [number, { at: number; seq: number; fn: () => void }] | undefined;
      for (const e of this.#timers) if (e[1].at <= t && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq))) next = e;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = Math.max(this.#now, t);
  }

  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }
}
