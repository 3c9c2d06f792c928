// Funnel and journey definitions: JSON in, validated once here with zod, out as frozen normalized
// records that the rest of engine/aggregate trusts without re-checking.
//
//   funnel  {name, steps: [{name, where, step_window_ms?}], step_window_ms?, window_ms, by?,
//            allowed_lateness_ms?, max_users?, max_events_per_user?}
//   journey the same, plus then: {absent: where, within_ms} and emit: {type, copy?: [columns], ...fields}
//           and webhook?: {url, headers?}: each derived event is also POSTed there (server/journey-webhooks.ts)
//
// `where` is {column: value | [values]}: every listed column must hold one of its values (equality /
// IN on string columns; an empty `where` matches every event). A step's step_window_ms bounds the gap
// from the previous step's event (step 1 has none); it defaults to the definition's step_window_ms,
// which defaults to window_ms. `by` names the column that identifies the subject of a sequence; when
// absent it is user_id, falling back to anonymous_id on events without one.
//
// The canonical form (sorted columns, sorted distinct values) is what checkpoints compare, so a
// reordered but equal definition keeps its state and a changed one starts empty. A journey's webhook
// is delivery, not matching: it is left out of the canonical form, so changing it keeps the state.

import { z } from "zod";
import { EngineError } from "../core/errors.ts";
import { EVENT_COLUMNS } from "../core/event-schema.ts";
import { isStringType } from "../core/types.ts";
import { webhookTargetSchema, type WebhookTarget } from "./alert-rules.ts";

/** Bounds on definitions (candidates for engine/core/limits.ts). */
export const SEQUENCE_LIMITS = {
  /** Steps of one funnel or journey: masks are multi-word, so this is a cost bound, not a bit width. */
  STEPS_MAX: 256,
  /** Values one `where` column may list. */
  WHERE_VALUES_MAX: 10_000,
  /** Longest window, lateness or absence interval: 90 days. */
  INTERVAL_MS_MAX: 90 * 24 * 60 * 60 * 1000,
  USERS_MAX: 10_000_000,
  EVENTS_PER_USER_MAX: 65_536,
} as const;

export const SEQUENCE_DEFAULTS = {
  ALLOWED_LATENESS_MS: 60_000,
  MAX_USERS: 100_000,
  MAX_EVENTS_PER_USER: 256,
} as const;

/** Columns whose value is the sequence's subject when `by` is not given, in order of preference. */
export const DEFAULT_BY: readonly string[] = ["user_id", "anonymous_id"];

/** column -> accepted values (sorted, distinct); every column must match. */
export type Where = Readonly<Record<string, readonly string[]>>;

export interface StepDef {
  readonly name: string;
  readonly where: Where;
}

interface SequenceCommon {
  readonly name: string;
  readonly steps: readonly StepDef[];
  /** Max gap from step k-1's event to step k's, per step; index 0 is unused (0). */
  readonly stepWindowMs: readonly number[];
  /** Max time from the first step's event to the last one's. */
  readonly windowMs: number;
  readonly by: readonly string[];
  readonly allowedLatenessMs: number;
  readonly maxUsers: number;
  readonly maxEventsPerUser: number;
  /** Canonical JSON of the whole definition: equal definitions, equal text. */
  readonly canonical: string;
}

export interface FunnelDef extends SequenceCommon {
  readonly kind: "funnel";
}

export interface JourneyEmit {
  readonly type: string;
  /** Constant string columns of the derived event. */
  readonly fields: Readonly<Record<string, string>>;
  /** Columns copied from the event that completed the steps (B). */
  readonly copy: readonly string[];
}

export interface JourneyDef extends SequenceCommon {
  readonly kind: "journey";
  readonly absent: Where;
  readonly withinMs: number;
  readonly emit: JourneyEmit;
  /** Where each derived event is also POSTed; absent: nowhere. */
  readonly webhook?: WebhookTarget;
}

export interface DefinitionOptions {
  /** String columns predicates, `by`, `copy` and emitted fields may name; default: the events schema's. */
  readonly stringColumns?: readonly string[];
}

/** Columns that cannot be matched by dictionary code: unique strings and JSON documents. */
const DEFAULT_STRING_COLUMNS = EVENT_COLUMNS.filter((c) => isStringType(c.type) && !c.unique && c.name !== "props").map((c) => c.name);
/** Columns a derived event gets from the engine, never from `emit`. */
const RESERVED_EMIT = new Set(["event_id", "ts", "received_at", "props", "type", "copy"]);

const name = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, "1 to 64 letters, digits, _ . - (not starting with . or -)");
const interval = z.number().int().min(0).max(SEQUENCE_LIMITS.INTERVAL_MS_MAX);
const positiveInterval = z.number().int().min(1).max(SEQUENCE_LIMITS.INTERVAL_MS_MAX);
// One value is shorthand for a list of one, so a bad list gets the list's own message (a union would
// only say "Invalid input").
const values = z.preprocess((v) => (typeof v === "string" ? [v] : v),
  z.array(z.string(), { error: (iss) => (iss.code === "invalid_type" ? "expected a string or a list of strings" : undefined) }).min(1).max(SEQUENCE_LIMITS.WHERE_VALUES_MAX));
const where = z.record(z.string(), values);
const step = z.strictObject({ name: z.string().min(1).max(128), where, step_window_ms: positiveInterval.optional() });

const common = {
  name,
  steps: z.array(step).min(1).max(SEQUENCE_LIMITS.STEPS_MAX),
  step_window_ms: positiveInterval.optional(),
  window_ms: interval,
  by: z.string().optional(),
  allowed_lateness_ms: interval.optional(),
  max_users: z.number().int().min(1).max(SEQUENCE_LIMITS.USERS_MAX).optional(),
  max_events_per_user: z.number().int().min(1).max(SEQUENCE_LIMITS.EVENTS_PER_USER_MAX).optional(),
};
const funnelSchema = z.strictObject(common);
const journeySchema = z.strictObject({
  ...common,
  window_ms: interval.optional(),
  then: z.strictObject({ absent: where, within_ms: interval }),
  emit: z.looseObject({ type: z.string().min(1).max(64), copy: z.array(z.string()).optional() }),
  webhook: webhookTargetSchema.optional(),
});
type CommonInput = z.infer<typeof funnelSchema>;

/** Validates a funnel definition; throws EngineError("bad_config") naming every problem. */
export function parseFunnelDefinition(json: unknown, options: DefinitionOptions = {}): FunnelDef {
  const p = funnelSchema.safeParse(json);
  if (!p.success) throw badDefinition("funnel", json, z.prettifyError(p.error));
  const columns = new Set(options.stringColumns ?? DEFAULT_STRING_COLUMNS);
  const errors: string[] = [];
  const base = normalizeCommon(p.data, columns, errors);
  if (errors.length > 0) throw badDefinition("funnel", json, errors.join("\n"));
  const def = { kind: "funnel" as const, ...base };
  return Object.freeze({ ...def, canonical: canonicalText(def) });
}

/** Validates a journey definition; throws EngineError("bad_config") naming every problem. */
export function parseJourneyDefinition(json: unknown, options: DefinitionOptions = {}): JourneyDef {
  const p = journeySchema.safeParse(json);
  if (!p.success) throw badDefinition("journey", json, z.prettifyError(p.error));
  const columns = new Set(options.stringColumns ?? DEFAULT_STRING_COLUMNS);
  const errors: string[] = [];
  if (p.data.steps.length > 1 && p.data.window_ms === undefined) errors.push("✖ window_ms is required when there is more than one step\n  → at window_ms");
  const base = normalizeCommon({ ...p.data, window_ms: p.data.window_ms ?? 0 }, columns, errors);
  const absent = normalizeWhere(p.data.then.absent, columns, "then.absent", errors);
  const emit = normalizeEmit(p.data.emit, columns, base.by, errors);
  if (errors.length > 0) throw badDefinition("journey", json, errors.join("\n"));
  const def = { kind: "journey" as const, ...base, absent, withinMs: p.data.then.within_ms, emit };
  const webhook = p.data.webhook && Object.freeze({ url: p.data.webhook.url, ...(p.data.webhook.headers ? { headers: Object.freeze({ ...p.data.webhook.headers }) } : {}) });
  return Object.freeze({ ...def, ...(webhook ? { webhook } : {}), canonical: canonicalText(def) });
}

function normalizeCommon(d: CommonInput, columns: ReadonlySet<string>, errors: string[]): Omit<SequenceCommon, "canonical"> {
  const steps = d.steps.map((s, i) => Object.freeze({ name: s.name, where: normalizeWhere(s.where, columns, `steps[${i}].where`, errors) }));
  if (d.steps[0]!.step_window_ms !== undefined) errors.push("✖ the first step has no previous step: step_window_ms is not allowed on it\n  → at steps[0].step_window_ms");
  const stepWindowMs = d.steps.map((s, i) => (i === 0 ? 0 : s.step_window_ms ?? d.step_window_ms ?? d.window_ms));
  const by = d.by === undefined ? DEFAULT_BY : [d.by];
  if (d.by !== undefined && !columns.has(d.by)) errors.push(`✖ by: "${d.by}" is not a string column (one of ${[...columns].join(", ")})\n  → at by`);
  return {
    name: d.name, steps: Object.freeze(steps), stepWindowMs: Object.freeze(stepWindowMs), windowMs: d.window_ms, by,
    allowedLatenessMs: d.allowed_lateness_ms ?? SEQUENCE_DEFAULTS.ALLOWED_LATENESS_MS,
    maxUsers: d.max_users ?? SEQUENCE_DEFAULTS.MAX_USERS,
    maxEventsPerUser: d.max_events_per_user ?? SEQUENCE_DEFAULTS.MAX_EVENTS_PER_USER,
  };
}

function normalizeWhere(w: Record<string, string[]>, columns: ReadonlySet<string>, at: string, errors: string[]): Where {
  const out: Record<string, readonly string[]> = {};
  for (const field of Object.keys(w).sort()) {
    if (!columns.has(field)) errors.push(`✖ "${field}" is not a string column that can be matched (one of ${[...columns].join(", ")})\n  → at ${at}.${field}`);
    const v = w[field]!;
    out[field] = Object.freeze([...new Set(v)].sort());
  }
  return Object.freeze(out);
}

function normalizeEmit(e: Record<string, unknown>, columns: ReadonlySet<string>, by: readonly string[], errors: string[]): JourneyEmit {
  const fields: Record<string, string> = {};
  for (const key of Object.keys(e).sort()) {
    if (key === "type" || key === "copy") continue;
    const v = e[key];
    if (RESERVED_EMIT.has(key) || by.includes(key)) errors.push(`✖ emit.${key} is set by the engine and cannot be given\n  → at emit.${key}`);
    else if (!columns.has(key)) errors.push(`✖ emit.${key}: not a string column (one of ${[...columns].join(", ")})\n  → at emit.${key}`);
    else if (typeof v !== "string") errors.push(`✖ emit.${key}: expected a string, got ${JSON.stringify(v)}\n  → at emit.${key}`);
    else fields[key] = v;
  }
  const copy = [...new Set((e.copy as string[] | undefined) ?? [])].sort();
  for (const c of copy) {
    if (!columns.has(c) || RESERVED_EMIT.has(c)) errors.push(`✖ emit.copy: "${c}" is not a string column that can be copied\n  → at emit.copy`);
    else if (c in fields) errors.push(`✖ emit.copy: "${c}" is also given a constant value\n  → at emit.copy`);
  }
  return Object.freeze({ type: e.type as string, fields: Object.freeze(fields), copy: Object.freeze(copy) });
}

function badDefinition(kind: string, json: unknown, detail: string): EngineError {
  const n = typeof json === "object" && json !== null && typeof (json as { name?: unknown }).name === "string" ? ` "${(json as { name: string }).name}"` : "";
  return new EngineError("bad_config", `${kind} definition${n} is invalid:\n${detail}`);
}

/** JSON with object keys sorted at every level (arrays keep their order: steps are ordered). */
function canonicalText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === null || typeof x !== "object" || Array.isArray(x)) return x;
    const o = x as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).filter((k) => k !== "canonical").sort().map((k) => [k, o[k]]));
  });
}
