// Funnels and journeys in the process: the SequenceEngine (engine/aggregate/sequence-engine.ts) as a
// derived component whose definitions come from the config file and from the API. A definition
// change is a control record (logged, then applied in log order), applied by rebuilding the engine
// from its own encoding: unchanged definitions keep their state, new ones start empty, removed ones
// are dropped. Journeys' derived events (e.g. cart_abandonment) are ingested into the event stream
// with deterministic ids, so the ones a replay emits again are recognised as duplicates.

import { encodeAtOnce, type DerivedComponent } from "../engine/aggregate/derived-state.ts";
import { parseFunnelDefinition, parseJourneyDefinition, type FunnelDef, type JourneyDef } from "../engine/aggregate/sequence-definition.ts";
import { SequenceEngine } from "../engine/aggregate/sequence-engine.ts";
import type { DerivedEvent } from "../engine/aggregate/journey-state.ts";
import type { FeedBatch } from "../engine/aggregate/row-feed.ts";
import type { WebhookTarget } from "../engine/aggregate/alert-rules.ts";
import { EngineError } from "../engine/core/errors.ts";

type Def = FunnelDef | JourneyDef;
const VERSION = 1;

/** A purchase funnel and a cart-abandonment journey: what a first run shows without configuration. */
export const DEFAULT_SEQUENCES: readonly unknown[] = [
  { kind: "funnel", name: "purchase", window_ms: 86_400_000, steps: [
    { name: "view", where: { type: ["page_view", "view_item"] } }, { name: "cart", where: { type: "add_to_cart" } }, { name: "purchase", where: { type: "purchase" } },
  ] },
  { kind: "journey", name: "cart_abandonment", window_ms: 86_400_000, steps: [
    { name: "view", where: { type: ["page_view", "view_item"] } }, { name: "cart", where: { type: "add_to_cart" } },
  ], then: { absent: { type: "purchase" }, within_ms: 1_800_000 }, emit: { type: "cart_abandonment", copy: ["item_id", "campaign"] } },
];

/** Validates one definition ({"kind": "funnel" | "journey", ...}); throws bad_argument naming the problem. */
export function parseSequence(input: unknown, stringColumns: readonly string[]): Def {
  const kind = (input as { kind?: unknown })?.kind ?? "funnel";
  const { kind: _k, ...rest } = (input ?? {}) as Record<string, unknown>;
  try {
    if (kind === "funnel") return parseFunnelDefinition(rest, { stringColumns });
    if (kind === "journey") return parseJourneyDefinition(rest, { stringColumns });
  } catch (e) {
    if (e instanceof EngineError) throw new EngineError("bad_argument", e.message);
    throw e;
  }
  throw new EngineError("bad_argument", `kind must be "funnel" or "journey", not ${JSON.stringify(kind)}`);
}

export class Sequences implements DerivedComponent {
  readonly name = "sequences";
  readonly tables = ["events"];
  private engine: SequenceEngine;
  /** Source definitions by name (the JSON as given), in the order defined. */
  private defs = new Map<string, unknown>();
  private readonly webhooks = new Map<string, WebhookTarget>();
  /** Emissions are passed on only when live (recovery collects them for after start). */
  emit: (events: readonly DerivedEvent[]) => void = () => {};

  constructor(initial: readonly unknown[], private readonly stringColumns: readonly string[]) {
    for (const d of initial) { const p = parseSequence(d, stringColumns); this.defs.set(p.name, d); }
    this.engine = this.build();
  }

  /** Every string column, not just the current definitions' (one defined later may need any). */
  get columns(): readonly string[] {
    return ["ts", "event_id", ...this.stringColumns];
  }

  private build(): SequenceEngine {
    const parsed = [...this.defs.values()].map((d) => parseSequence(d, this.stringColumns));
    this.webhooks.clear();
    for (const p of parsed) if (p.kind === "journey" && p.webhook) this.webhooks.set(p.name, p.webhook);
    return new SequenceEngine(parsed, { onEmit: (e) => this.emit(e) });
  }

  /** The webhook of the journey `name`, if it has one. */
  webhookOf(name: string): WebhookTarget | undefined {
    return this.webhooks.get(name);
  }

  /** Rebuilds the engine for the current definitions, carrying the state of unchanged ones. */
  private rebuild(): void {
    const bytes = this.engine.encode();
    this.engine = this.build();
    this.engine.restore(bytes);
  }

  consume(b: FeedBatch): void {
    this.engine.consume(b);
  }

  control(op: string, body: unknown): void {
    if (op === "define") {
      const p = parseSequence(body, this.stringColumns);
      this.defs.set(p.name, body);
    } else if (op === "remove") {
      this.defs.delete(String(body));
    } else throw new EngineError("bad_argument", `sequences: unknown control op ${op}`);
    this.rebuild();
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  /** Definitions as given, webhook header values hidden (they may hold secrets), with reports. */
  list(): { definition: unknown; report: unknown }[] {
    return [...this.defs].map(([name, definition]) => ({ definition: hideHeaders(definition), report: this.engine.funnelReport(name) ?? null }));
  }

  report(name: string): unknown {
    return this.engine.funnelReport(name);
  }

  metrics(): ReturnType<SequenceEngine["metrics"]> {
    return this.engine.metrics();
  }

  encode(): Uint8Array {
    return encodeAtOnce(this.encodeGradually());
  }

  /** encode() in steps (DerivedComponent.encodeGradually): five funnels and the journeys were one 47-69 ms task. */
  *encodeGradually(): Generator<void, Uint8Array, void> {
    const defs = new TextEncoder().encode(JSON.stringify([...this.defs.values()]));
    const state = yield* this.engine.encodeSteps();
    const out = new Uint8Array(8 + defs.byteLength + state.byteLength);
    const v = new DataView(out.buffer);
    v.setUint32(0, VERSION, true);
    v.setUint32(4, defs.byteLength, true);
    out.set(defs, 8);
    out.set(state, 8 + defs.byteLength);
    return out;
  }

  decode(bytes: Uint8Array): void {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 8 || v.getUint32(0, true) !== VERSION) throw new EngineError("data_corrupt", "sequences checkpoint: bad header");
    const n = v.getUint32(4, true);
    if (8 + n > bytes.byteLength) throw new EngineError("data_corrupt", "sequences checkpoint: definitions run past the end");
    // Definitions made through the API since the config was written come back with the checkpoint.
    for (const d of JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as unknown[]) {
      const p = parseSequence(d, this.stringColumns);
      if (!this.defs.has(p.name)) this.defs.set(p.name, d);
    }
    this.engine = this.build();
    this.engine.restore(bytes.slice(8 + n));
  }
}

function hideHeaders(definition: unknown): unknown {
  const d = definition as { webhook?: { url?: unknown; headers?: Record<string, unknown> } };
  if (!d?.webhook?.headers) return definition;
  return { ...d, webhook: { ...d.webhook, headers: Object.fromEntries(Object.keys(d.webhook.headers).map((h) => [h, "***"])) } };
}
