// Evaluates a rule tree to a bitmap of users, over every known user or only over a scope.
//
// Scoped evaluation is how audiences stay current without recomputing full bitmaps per event: when a
// batch arrives and the current day does not move, only the users with events in the batch (the
// scope T) can change membership, because every condition depends on the user's own events only.
// So members := (members AND NOT T) OR eval(rule, T). eval(rule, T) intersects each condition's
// bitmap with T first, so its cost follows |T| (a batch), not the audience size; it is the bitmap
// form of testing each touched user's membership point by point, one call per condition instead of
// one per (user, condition, day).
//
// Ownership: evaluate() returns a new bitmap the caller may modify; conditions' bitmaps are borrowed
// from the index and never modified.

import { Bitmap } from "./bitmaps.ts";
import type { Leaf, Rule } from "./audience-rules.ts";

export interface EvalContext {
  /** The users satisfying one condition (borrowed: not modified). */
  leafSet(leaf: Leaf): Bitmap;
  /** A new bitmap of every known user. */
  universe(): Bitmap;
}

/** The users satisfying `rule`, within `scope` when given (then the result is a subset of it). */
export function evaluate(rule: Rule, scope: Bitmap | null, ctx: EvalContext): Bitmap {
  switch (rule.kind) {
    case "leaf": {
      const set = ctx.leafSet(rule);
      return scope === null ? set.clone() : Bitmap.and(set, scope);
    }
    case "or": {
      const acc = evaluate(rule.children[0]!, scope, ctx);
      for (let i = 1; i < rule.children.length; i++) combine(acc, rule.children[i]!, scope, ctx, "or");
      return acc;
    }
    case "and": {
      const acc = rule.include.length > 0 ? evaluate(rule.include[0]!, scope, ctx) : scope === null ? ctx.universe() : scope.clone();
      for (let i = 1; i < rule.include.length; i++) combine(acc, rule.include[i]!, scope, ctx, "and");
      for (const r of rule.exclude) combine(acc, r, scope, ctx, "andNot");
      return acc;
    }
    case "not": {
      const acc = scope === null ? ctx.universe() : scope.clone();
      combine(acc, rule.child, scope, ctx, "andNot");
      return acc;
    }
  }
}

/** acc := acc (op) eval(rule). A condition's bitmap is used in place: acc is already within scope. */
function combine(acc: Bitmap, rule: Rule, scope: Bitmap | null, ctx: EvalContext, op: "and" | "or" | "andNot"): void {
  if (rule.kind === "leaf" && op !== "or") {
    if (op === "and") acc.andInPlace(ctx.leafSet(rule));
    else acc.andNotInPlace(ctx.leafSet(rule));
    return;
  }
  const r = evaluate(rule, scope, ctx);
  if (op === "and") acc.andInPlace(r);
  else if (op === "or") acc.orInPlace(r);
  else acc.andNotInPlace(r);
}
