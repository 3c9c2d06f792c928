// Budget pacing: a bid multiplier in [0, 1] from a configured hourly budget and the spend of the
// last rolling hour (booked from win notices).
//
// Rule (deliberately simple; the budget controller runs here, off the scoring arithmetic):
//     lambda = clamp((B - S) / (h * B), 0, 1)
// with B the hourly budget, S the spend in the last 60 minutes and h the headroom fraction: full
// bids while S <= (1 - h) B, then bids shrink linearly to nothing as S reaches B, so the hour's
// spend converges under B instead of overshooting it and stopping dead. (Bid modification, one of
// the two pacing families; see Lee, Jalali & Dasdan, "Real Time Bid Optimization with Smooth Budget
// Delivery", arXiv 1305.3011, for the throttling family and smoother controllers.)
// Spend sits in a ring of 60 one-minute slots with a running total: recordSpend and multiplier are
// O(1) amortized and allocate nothing. Time comes from the caller (an injected clock); it never
// moves backwards here (an earlier nowMs is treated as the latest seen).

const SLOTS = 60;
const SLOT_MS = 60_000;

export class PacingController {
  private readonly ring = new Float64Array(SLOTS);
  private total = 0;
  private slot = -1;

  /** hourlyBudget 0 disables pacing (the multiplier is always 1). */
  constructor(private readonly hourlyBudget: number, private readonly headroom: number) {}

  /** Books `amount` (base currency) of spend at nowMs. Test auctions must not be booked. */
  recordSpend(amount: number, nowMs: number): void {
    if (!(amount > 0) || !Number.isFinite(amount)) return;
    this.advance(nowMs);
    this.ring[this.slot % SLOTS]! += amount;
    this.total += amount;
  }

  /** The spend booked in the rolling hour ending at nowMs. */
  spendLastHour(nowMs: number): number {
    this.advance(nowMs);
    return this.total > 0 ? this.total : 0;
  }

  multiplier(nowMs: number): number {
    if (this.hourlyBudget <= 0) return 1;
    const left = this.hourlyBudget - this.spendLastHour(nowMs);
    const m = left / (this.headroom * this.hourlyBudget);
    return m >= 1 ? 1 : m > 0 ? m : 0;
  }

  private advance(nowMs: number): void {
    const slot = Math.floor(nowMs / SLOT_MS);
    if (slot <= this.slot) return;
    if (this.slot < 0 || slot - this.slot >= SLOTS) {
      this.ring.fill(0);
      this.total = 0;
    } else {
      for (let s = this.slot + 1; s <= slot; s++) {
        this.total -= this.ring[s % SLOTS]!;
        this.ring[s % SLOTS] = 0;
      }
      // Subtraction drift must not leave a phantom residue once the window is empty.
      if (Math.abs(this.total) < 1e-9) this.total = 0;
    }
    this.slot = slot;
  }
}
