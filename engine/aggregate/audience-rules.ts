// Audience definitions: validation of the JSON a client sends (zod, at the boundary) into a frozen
// rule tree the engine evaluates without further checks.
//
//   {"name":"recent_buyers_x","rule":{"and":[{"event":"purchase","within_days":7},
//                                            {"event":"click","campaign":"X"},
//                                            {"not":{"event":"refund"}}]}}
//
// A condition (leaf) {event?, campaign?, category?, within_days?} is the set of users with at least
// one event matching every given field (on the same event) on a day within the window: the last
// within_days days up to the current day, or every retained day when absent. It names one index atom,
// so event+campaign and event+category are allowed, campaign+category is not (no such atom).
// Combinators: {"and":[...]}, {"or":[...]} (one or more children), {"not": rule} only directly inside
// an "and" (AND NOT) or as the whole rule; a "not" without positive siblings means "all known users
// except" (known = every user the index has seen, ids are never reclaimed).
//
// Errors are EngineError("bad_argument") whose message starts with the path of the bad field, e.g.
// `rule.and[2].within_days: 120 exceeds the retention of 90 days`.

import { z } from "zod";
import { EngineError } from "../core/errors.ts";
import type { AtomRef } from "./atom-index.ts";

export const AUDIENCE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** Nesting depth and conditions per rule: bounds the work one batch's re-evaluation can cost. */
export const RULE_DEPTH_MAX = 16;
export const RULE_LEAVES_MAX = 64;
/** Longest event / campaign / category value in a rule (longer values cannot have been stored anyway). */
export const RULE_VALUE_LENGTH_MAX = 8 * 1024;

export type Rule =
  | { readonly kind: "leaf"; readonly atom: AtomRef; readonly withinDays: number | null }
  | { readonly kind: "and"; readonly include: readonly Rule[]; readonly exclude: readonly Rule[] }
  | { readonly kind: "or"; readonly children: readonly Rule[] }
  /** Only as the whole rule: every known user except. */
  | { readonly kind: "not"; readonly child: Rule };

export type Leaf = Extract<Rule, { kind: "leaf" }>;

export interface AudienceDefinition {
  readonly name: string;
  readonly rule: Rule;
}

const value = z.string().min(1, "must not be empty").max(RULE_VALUE_LENGTH_MAX, `must be at most ${RULE_VALUE_LENGTH_MAX} characters`);
const leafSchema = z.strictObject({
  event: value.optional(),
  campaign: value.optional(),
  category: value.optional(),
  within_days: z.number().int("must be a whole number of days").min(1, "must be at least 1").optional(),
});
const listOf = (op: string) => z.array(z.unknown()).min(1, `"${op}" needs at least one condition`);
const andSchema = z.strictObject({ and: listOf("and") });
const orSchema = z.strictObject({ or: listOf("or") });
const notSchema = z.strictObject({ not: z.unknown() });
const definitionSchema = z.strictObject({
  name: z.string().regex(AUDIENCE_NAME, "must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter, digit or '_'"),
  rule: z.unknown().optional(),
});

/** Throws bad_argument naming `path` (and the field inside it zod found wrong). */
export function badArgument(path: string, message: string): never {
  throw new EngineError("bad_argument", `${path}: ${message}`, { field: path });
}

/** Parses `input` with `schema`, or throws bad_argument with every issue prefixed by its path. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, path: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const messages = parsed.error.issues.map((issue) => {
    const where = path + issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    return `${where}: ${issue.message}`;
  });
  const first = parsed.error.issues[0]!;
  throw new EngineError("bad_argument", messages.join("; "), { field: path + first.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("") });
}

/** Validates a definition {name, rule}. */
export function parseDefinition(input: unknown, retentionDays: number): AudienceDefinition {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    badArgument("definition", 'expected an object {"name": ..., "rule": ...}');
  }
  const def = parseWith(definitionSchema, input, "definition");
  if (def.rule === undefined) badArgument("rule", "is required");
  return { name: def.name, rule: parseRule(def.rule, "rule", retentionDays) };
}

/** Validates a rule (the value of "rule"); `path` prefixes error messages. */
export function parseRule(input: unknown, path: string, retentionDays: number): Rule {
  const budget = { leaves: 0 };
  return parseNode(input, path, "top", 1, retentionDays, budget);
}

type Place = "top" | "and" | "inner";

function parseNode(input: unknown, path: string, place: Place, depth: number, retentionDays: number, budget: { leaves: number }): Rule {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    badArgument(path, 'expected an object: a condition such as {"event":"purchase","within_days":7}, or {"and":[...]}, {"or":[...]}, {"not":...}');
  }
  if (depth > RULE_DEPTH_MAX) badArgument(path, `rules may nest at most ${RULE_DEPTH_MAX} levels`);
  const child = (x: unknown, p: string, where: Place) => parseNode(x, p, where, depth + 1, retentionDays, budget);
  if ("and" in input) {
    const { and } = parseWith(andSchema, input, path);
    const include: Rule[] = [], exclude: Rule[] = [];
    and.forEach((x, i) => {
      const r = child(x, `${path}.and[${i}]`, "and");
      if (r.kind === "not") exclude.push(r.child);
      else include.push(r);
    });
    return { kind: "and", include, exclude };
  }
  if ("or" in input) {
    const { or } = parseWith(orSchema, input, path);
    return { kind: "or", children: or.map((x, i) => child(x, `${path}.or[${i}]`, "inner")) };
  }
  if ("not" in input) {
    if (place === "inner") badArgument(path, '"not" may appear only directly inside "and" (AND NOT) or as the whole rule');
    const { not } = parseWith(notSchema, input, path);
    return { kind: "not", child: child(not, `${path}.not`, "inner") };
  }
  return parseLeaf(input, path, retentionDays, budget);
}

function parseLeaf(input: object, path: string, retentionDays: number, budget: { leaves: number }): Leaf {
  const leaf = parseWith(leafSchema, input, path);
  const event = leaf.event ?? null, campaign = leaf.campaign ?? null, category = leaf.category ?? null;
  if (event === null && campaign === null && category === null) {
    badArgument(path, 'a condition needs at least one of "event", "campaign", "category" (or use "and", "or", "not")');
  }
  if (campaign !== null && category !== null) {
    badArgument(path, '"campaign" and "category" cannot be combined in one condition (events are indexed by type+campaign and type+category); use {"and":[{"campaign":...},{"category":...}]} for users who have both');
  }
  if (leaf.within_days !== undefined && leaf.within_days > retentionDays) {
    badArgument(`${path}.within_days`, `${leaf.within_days} exceeds the retention of ${retentionDays} days`);
  }
  if (++budget.leaves > RULE_LEAVES_MAX) badArgument(path, `a rule may have at most ${RULE_LEAVES_MAX} conditions`);
  return { kind: "leaf", atom: { event, campaign, category }, withinDays: leaf.within_days ?? null };
}

/** The canonical JSON of a rule (what list() and get() show, and what encode() stores). */
export function ruleToJson(rule: Rule): unknown {
  switch (rule.kind) {
    case "leaf": {
      const out: Record<string, unknown> = {};
      if (rule.atom.event !== null) out.event = rule.atom.event;
      if (rule.atom.campaign !== null) out.campaign = rule.atom.campaign;
      if (rule.atom.category !== null) out.category = rule.atom.category;
      if (rule.withinDays !== null) out.within_days = rule.withinDays;
      return out;
    }
    case "and":
      return { and: [...rule.include.map(ruleToJson), ...rule.exclude.map((r) => ({ not: ruleToJson(r) }))] };
    case "or":
      return { or: rule.children.map(ruleToJson) };
    case "not":
      return { not: ruleToJson(rule.child) };
  }
}

/** Every condition of a rule, in order. */
export function leavesOf(rule: Rule, out: Leaf[] = []): Leaf[] {
  if (rule.kind === "leaf") out.push(rule);
  else if (rule.kind === "and") for (const r of [...rule.include, ...rule.exclude]) leavesOf(r, out);
  else if (rule.kind === "or") for (const r of rule.children) leavesOf(r, out);
  else leavesOf(rule.child, out);
  return out;
}
