// Ad-hoc set algebra over named sets, for counts (and optionally ids) in well under a millisecond on
// millions of users: operands are materialized bitmaps (audiences, an atom's retained days, windows
// that rules keep), so a count of two sets is one andSize call that builds nothing.
//
//   expr    := operand | {"and":[expr, ...]} | {"or":[expr, ...]} | {"and_not":[expr, expr]}
//   operand := "audience:<name>" | "<name>"                   an audience
//            | "type:<v>" | "campaign:<v>" | "category:<v>"  an atom over every retained day
//            | {event?, campaign?, category?, within_days?} or {..., from, to}
//                                                           an atom, optionally over a day range
//                                                           (from/to: "YYYY-MM-DD", UTC, inclusive)
//
// Audience names cannot contain ':', so "type:x" is never an audience. An atom never seen is the
// empty set; an unknown audience is an error (not_found), since it is most likely a typo.

import { z } from "zod";
import { EngineError } from "../core/errors.ts";
import { DAY_MS, type AtomRef } from "./atom-index.ts";
import { AUDIENCE_NAME, RULE_DEPTH_MAX, RULE_LEAVES_MAX, RULE_VALUE_LENGTH_MAX, badArgument, parseWith } from "./audience-rules.ts";
import { Bitmap } from "./bitmaps.ts";

export type SetExpr =
  | { readonly kind: "audience"; readonly name: string }
  /** Days [from, to] (null = unbounded), or the last withinDays days. */
  | { readonly kind: "atom"; readonly atom: AtomRef; readonly from: number | null; readonly to: number | null; readonly withinDays: number | null }
  | { readonly kind: "and" | "or"; readonly children: readonly SetExpr[] }
  | { readonly kind: "and_not"; readonly left: SetExpr; readonly right: SetExpr };

export interface SetContext {
  /** The members of an audience (borrowed), or undefined when there is none of that name. */
  audience(name: string): Bitmap | undefined;
  /** The users of an atom over its days (borrowed from the index, or built for the call). */
  atom(expr: Extract<SetExpr, { kind: "atom" }>): Bitmap;
}

const value = z.string().min(1, "must not be empty").max(RULE_VALUE_LENGTH_MAX);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date "YYYY-MM-DD"').refine((s) => dayOfDate(s) !== null, "is not a valid date");
const atomSchema = z.strictObject({
  event: value.optional(),
  campaign: value.optional(),
  category: value.optional(),
  within_days: z.number().int().min(1).optional(),
  from: date.optional(),
  to: date.optional(),
});
const list = (op: string) => z.array(z.unknown()).min(1, `"${op}" needs at least one operand`);
const andSchema = z.strictObject({ and: list("and") });
const orSchema = z.strictObject({ or: list("or") });
const andNotSchema = z.strictObject({ and_not: z.array(z.unknown()).length(2, '"and_not" takes exactly two operands [a, b] (a AND NOT b)') });

/** Day number of a "YYYY-MM-DD" date, or null when it is not a calendar date. */
export function dayOfDate(s: string): number | null {
  const ms = Date.parse(`${s}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== s) return null;
  return ms / DAY_MS;
}

/** Validates a set expression; errors are bad_argument naming the path from `path`. */
export function parseSetExpr(input: unknown, path = "expr"): SetExpr {
  const budget = { operands: 0 };
  return parseExpr(input, path, 1, budget);
}

function parseExpr(input: unknown, path: string, depth: number, budget: { operands: number }): SetExpr {
  if (depth > RULE_DEPTH_MAX) badArgument(path, `expressions may nest at most ${RULE_DEPTH_MAX} levels`);
  if (typeof input === "string") return parseName(input, path, budget);
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    badArgument(path, 'expected a set name such as "type:purchase" or "my_audience", an atom object, or {"and":[...]}, {"or":[...]}, {"and_not":[a, b]}');
  }
  const sub = (x: unknown, i: number, op: string) => parseExpr(x, `${path}.${op}[${i}]`, depth + 1, budget);
  if ("and" in input) return { kind: "and", children: parseWith(andSchema, input, path).and.map((x, i) => sub(x, i, "and")) };
  if ("or" in input) return { kind: "or", children: parseWith(orSchema, input, path).or.map((x, i) => sub(x, i, "or")) };
  if ("and_not" in input) {
    const [a, b] = parseWith(andNotSchema, input, path).and_not;
    return { kind: "and_not", left: sub(a, 0, "and_not"), right: sub(b, 1, "and_not") };
  }
  const a = parseWith(atomSchema, input, path);
  const ref: AtomRef = { event: a.event ?? null, campaign: a.campaign ?? null, category: a.category ?? null };
  checkAtom(ref, path);
  if (a.within_days !== undefined && (a.from !== undefined || a.to !== undefined)) badArgument(path, 'give either "within_days" or "from"/"to", not both');
  const from = a.from === undefined ? null : dayOfDate(a.from)!, to = a.to === undefined ? null : dayOfDate(a.to)!;
  if (from !== null && to !== null && from > to) badArgument(`${path}.from`, `${a.from} is after "to" ${a.to}`);
  countOperand(path, budget);
  return { kind: "atom", atom: ref, from, to, withinDays: a.within_days ?? null };
}

function parseName(s: string, path: string, budget: { operands: number }): SetExpr {
  countOperand(path, budget);
  const colon = s.indexOf(":");
  if (colon < 0) {
    if (!AUDIENCE_NAME.test(s)) badArgument(path, `"${s}" is not an audience name, nor "type:", "campaign:", "category:" or "audience:" followed by a value`);
    return { kind: "audience", name: s };
  }
  const prefix = s.slice(0, colon), v = s.slice(colon + 1);
  if (v.length === 0) badArgument(path, `"${s}" has an empty value after "${prefix}:"`);
  const none = { event: null, campaign: null, category: null };
  const atom = (ref: AtomRef): SetExpr => ({ kind: "atom", atom: ref, from: null, to: null, withinDays: null });
  switch (prefix) {
    case "audience":
      if (!AUDIENCE_NAME.test(v)) badArgument(path, `"${v}" is not a valid audience name`);
      return { kind: "audience", name: v };
    case "type":
      return atom({ ...none, event: v });
    case "campaign":
      return atom({ ...none, campaign: v });
    case "category":
      return atom({ ...none, category: v });
    default:
      return badArgument(path, `unknown prefix "${prefix}:" (use "type:", "campaign:", "category:" or "audience:")`);
  }
}

function checkAtom(ref: AtomRef, path: string): void {
  if (ref.event === null && ref.campaign === null && ref.category === null) badArgument(path, 'an atom needs at least one of "event", "campaign", "category"');
  if (ref.campaign !== null && ref.category !== null) badArgument(path, '"campaign" and "category" cannot be combined in one atom (not indexed); intersect two atoms with "and"');
}

function countOperand(path: string, budget: { operands: number }): void {
  if (++budget.operands > RULE_LEAVES_MAX) badArgument(path, `an expression may have at most ${RULE_LEAVES_MAX} operands`);
}

/** |expr|. AND / OR / AND NOT counts of materialized sets build nothing; nested operands are built. */
export function countSet(expr: SetExpr, ctx: SetContext): number {
  if (expr.kind === "and_not") {
    if (expr.left.kind !== "and") return operand(expr.left, ctx).andNotSize(operand(expr.right, ctx));
    // |L AND NOT R| = |L| - |L AND R|: with L an AND, both are counts over its operands; L is never built.
    const left = expr.left.children.map((e) => operand(e, ctx)), right = operand(expr.right, ctx);
    return Bitmap.andManySize(left) - Bitmap.andManySize([...left, right]);
  }
  if (expr.kind === "and") return Bitmap.andManySize(expr.children.map((e) => operand(e, ctx)));
  if (expr.kind === "or") return Bitmap.orManySize(expr.children.map((e) => operand(e, ctx)));
  return operand(expr, ctx).size;
}

/**
 * The set `expr` denotes: a materialized bitmap (an audience's members, an index bitmap) when it is a
 * single operand, else one built for the call. Callers must not modify it.
 */
export function operand(expr: SetExpr, ctx: SetContext): Bitmap {
  switch (expr.kind) {
    case "audience": {
      const b = ctx.audience(expr.name);
      if (b === undefined) throw new EngineError("not_found", `no audience named "${expr.name}"`, { audience: expr.name });
      return b;
    }
    case "atom":
      return ctx.atom(expr);
    case "and_not":
      return Bitmap.andNot(operand(expr.left, ctx), operand(expr.right, ctx));
    case "or":
      return Bitmap.orMany(expr.children.map((e) => operand(e, ctx)));
    case "and": {
      const ops = expr.children.map((e) => operand(e, ctx)).sort((x, y) => x.size - y.size);
      const acc = ops[0]!.clone();
      for (let i = 1; i < ops.length; i++) acc.andInPlace(ops[i]!);
      return acc;
    }
  }
}
