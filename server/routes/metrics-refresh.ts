// GET /v1/metrics answers computed again after the rollups change, before anyone asks. A dashboard
// polls the same questions; without this, the first ask after each ingest batch computes the answer
// (0.5-1 ms in the server for the last hour of 100 campaigns) and that ask is the poll's p99. Here
// the answer is computed once the derived state has taken the batch (caracal.ts calls refreshNow
// when its queue drains: the first answers in the same turn, then one question per turn of the
// event loop so a request waits behind one at most), and the ask that follows is a hit.
//
// Only answers asked for since they were computed are refreshed (AnswerCache.staleAsked): work is
// bounded by the asks, at most one refresh per ask, and a question nobody polls any more stops
// costing anything after one refresh. An answer asked often is refreshed as soon as it changes; one
// polled slowly (a dashboard every few seconds while events keep coming) just before its next ask
// is due, from the gap between its asks, by a timer: refreshed right after the first change, it
// would most often have changed again by then. A refreshed answer is computed by the same code as an ask's,
// from the same kept answer, and stamped the same way: what a hit returns is what the ask would have
// computed. A refresh that fails (the question now has too many series) drops the entry, so the next
// ask computes and reports the error itself.

import { assert } from "../../engine/core/assert.ts";
import { EngineError } from "../../engine/core/errors.ts";
import { answerStamp, computeAnswer, parseQuestion, type MetricsRouteContext } from "./metrics.ts";

/** Timers for refreshes due later (tests pass their own). */
export interface RefreshTimers {
  setTimeout(f: () => void, ms: number): unknown;
}

const REAL_TIMERS: RefreshTimers = {
  // Unref'd: a refresh waiting for its time must not keep a stopping process alive.
  setTimeout: (f, ms) => { const t = setTimeout(f, ms); t.unref?.(); return t; },
};

export class MetricsRefresh {
  private scheduled = false;
  /** When the armed timer fires (Infinity: none armed). */
  private timerAt = Infinity;
  /** When the armed rollover timer fires, wall clock (Infinity: none armed). */
  private rollAt = Infinity;

  constructor(private readonly ctx: MetricsRouteContext, private readonly defer: (f: () => void) => void = setImmediate, private readonly timers: RefreshTimers = REAL_TIMERS) {}

  /**
   * A question whose window follows the clock was asked; its window ends at `to` (wall clock): once
   * the clock passes it, the same question is a new one (a minute later), answered then, before the
   * poll that asks it (without this, the first ask of every minute computed the whole answer).
   */
  rollsAt(to: number): void {
    const at = to + 1;
    if (at >= this.rollAt) return;
    this.rollAt = at;
    this.timers.setTimeout(() => {
      if (this.rollAt === at) this.rollAt = Infinity;
      this.roll();
    }, Math.max(0, at - this.wall()));
  }

  /**
   * Moves the rolling questions asked lately whose window has ended on to the window of now, one a
   * turn (a dashboard's twenty panels turn over at the same minute).
   */
  roll(): void {
    const now = this.wall(), r = this.ctx.rollups, cache = this.ctx.metricsAnswers;
    const past = cache.rolledPast(now);
    if (past.length === 0) return;
    const { key, question } = past[0]!;
    try {
      // The window ended before now, so the question read now has another `to`, hence another key.
      const moved = parseQuestion(question.rolling!, r, now);
      assert(moved.key !== key, "a rolled question kept its window");
      computeAnswer(this.ctx, moved, performance.now(), false);
      cache.noteRefreshed();
      cache.succeed(key, moved.key);
      this.rollsAt(moved.query.to);
    } catch (e) {
      cache.retire(key);
      if (!(e instanceof EngineError)) console.error(`GET /v1/metrics rollover of ${key} failed: ${(e as Error).stack}`);
    }
    if (past.length > 1) this.defer(() => this.roll());
  }

  private wall(): number {
    return (this.ctx.now ?? Date.now)();
  }

  /** The rollups may have changed: refresh what was asked for, one answer per turn. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(() => this.turn());
  }

  /**
   * Refreshes now, until `budgetMs` is spent (at least one answer when one is stale), and schedules
   * the rest. Called in the same turn as the change: an ask that arrived meanwhile is handled after
   * this turn, so it finds the answer already refreshed (deferred to the next turn, 15-25% of the
   * asks after a trickled event were handled first and computed the answer themselves).
   */
  refreshNow(budgetMs: number): void {
    const deadline = performance.now() + budgetMs;
    do if (!this.step()) return this.armTimer(); while (performance.now() < deadline);
    this.schedule();
  }

  /** Refreshes one answer; returns false when none was stale. */
  step(): boolean {
    const r = this.ctx.rollups, cache = this.ctx.metricsAnswers, stale = cache.staleAsked((q) => answerStamp(r, q.query));
    if (stale === null) return false;
    try {
      computeAnswer(this.ctx, stale.question, performance.now(), false);
      cache.noteRefreshed();
    } catch (e) {
      cache.drop(stale.key);
      // A question that became invalid (too many series) is the asker's to hear about; anything
      // else is a bug the next ask would hide by computing afresh.
      if (!(e instanceof EngineError)) console.error(`GET /v1/metrics refresh of ${stale.key} failed: ${(e as Error).stack}`);
    }
    return true;
  }

  private turn(): void {
    this.scheduled = false;
    if (this.step()) this.schedule();
    else this.armTimer();
  }

  /** Nothing stale is due now: wake when the next refresh is (AnswerCache.nextDue), unless a timer already will. */
  private armTimer(): void {
    const r = this.ctx.rollups, cache = this.ctx.metricsAnswers;
    const due = cache.nextDue((q) => answerStamp(r, q.query));
    if (due === Infinity || due >= this.timerAt) return;
    this.timerAt = due;
    this.timers.setTimeout(() => {
      if (this.timerAt === due) this.timerAt = Infinity;
      this.refreshNow(0);
    }, Math.max(0, due - cache.now()));
  }
}
