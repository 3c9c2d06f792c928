// Audiences (engine/aggregate/audiences.ts) as a derived component: fed every stored event, their
// definitions changed only through control records (logged, then applied in log order, so a restart
// rebuilds the same members), checkpointed with the rest of the derived state.

import { Audiences } from "../engine/aggregate/audiences.ts";
import type { DerivedComponent } from "../engine/aggregate/derived-state.ts";
import type { FeedBatch } from "../engine/aggregate/row-feed.ts";
import { EngineError } from "../engine/core/errors.ts";

export class AudienceState implements DerivedComponent {
  readonly name = "audiences";
  readonly tables = ["events"];
  readonly columns = ["ts", "type", "user_id", "anonymous_id", "campaign", "category"];
  current: Audiences;

  constructor(private readonly options: ConstructorParameters<typeof Audiences>[0] = {}) {
    this.current = new Audiences(options);
  }

  consume(b: FeedBatch): void {
    this.current.consume(b);
  }

  control(op: string, body: unknown): void {
    if (op === "define") this.current.define(body);
    else if (op === "remove") this.current.remove(String(body));
    else throw new EngineError("bad_argument", `audiences: unknown control op ${op}`);
  }

  encodeGradually(): Generator<void, Uint8Array, void> {
    return this.current.encodeGradually();
  }

  encode(): Uint8Array {
    return this.current.encode();
  }

  decode(bytes: Uint8Array): void {
    this.current = Audiences.decode(bytes, this.options);
  }

  /** Names of the audiences a user belongs to now (for profiles and bid features). */
  of(userKey: string): string[] {
    return this.current.membership(userKey);
  }
}
