// Forward decay (Cormode, Shkapenyuk, Srivastava, Xu, "Forward Decay: A Practical Time Decay Model
// for Streaming Systems", ICDE 2009): an event at time t is stored with weight 2^((t - L) / h) for a
// fixed landmark L, so a value's decayed size at time `now` is stored * 2^((L - now) / h). Decay is a
// uniform scale: nothing is updated as time passes, and orders between stored values (top-k heaps,
// Space-Saving minima) never change with `now`.
//
// Stored weights grow with t; when the newest event time passes L by REBASE_HALF_LIVES half-lives the
// landmark moves to it and every stored value is multiplied by the factor advance() returns (weights
// then stay below 2^REBASE_HALF_LIVES, far from float64 overflow; very old values underflow to zero,
// which is their decayed worth anyway). A half-life of Infinity turns decay off.

export const REBASE_HALF_LIVES = 64;

export class ForwardDecay {
  /** NaN until the first event time is seen. */
  landmarkMs = NaN;

  constructor(readonly halfLifeMs: number) {}

  /** Stored weight of one unit at event time t (t <= the time last passed to advance()). */
  weight(t: number): number {
    return this.halfLifeMs === Infinity ? 1 : Math.pow(2, (t - this.landmarkMs) / this.halfLifeMs);
  }

  /** Multiplier from stored values to their decayed size at `nowMs`. */
  toNow(nowMs: number): number {
    if (this.halfLifeMs === Infinity || Number.isNaN(this.landmarkMs)) return 1;
    return Math.pow(2, (this.landmarkMs - nowMs) / this.halfLifeMs);
  }

  /**
   * The newest event time moved to `watermarkMs`: returns the factor every stored value must be
   * multiplied by (1 when the landmark stays).
   */
  advance(watermarkMs: number): number {
    if (Number.isNaN(this.landmarkMs)) { this.landmarkMs = watermarkMs; return 1; }
    if (this.halfLifeMs === Infinity || watermarkMs - this.landmarkMs <= REBASE_HALF_LIVES * this.halfLifeMs) return 1;
    const f = Math.pow(2, (this.landmarkMs - watermarkMs) / this.halfLifeMs);
    this.landmarkMs = watermarkMs;
    return f;
  }
}
