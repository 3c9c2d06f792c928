// Global dictionary code -> dense id of a ValueIds, for one column, with a cap on the ids this column
// may create. Like ValueIds.sync/map, but one map per column: several columns (user_id and
// anonymous_id) can resolve into one shared ValueIds without resetting each other's cache.
//
// Hot path: `map[code]` is the id, UNKNOWN (-1) when not resolved yet (call resolve), REFUSED (-2)
// when the value was new while the ValueIds held `max` values (it stays refused for this process).

import type { StringDictionary } from "../column/string-dictionary.ts";
import type { ValueIds } from "./value-ids.ts";

export const UNKNOWN = -1;
export const REFUSED = -2;

export class CodeMap {
  map = new Int32Array(0);
  private source: StringDictionary | null = null;
  /** Distinct values refused by the cap. */
  refused = 0;

  constructor(readonly ids: ValueIds, readonly max: number) {}

  /** Readies `map` for every code `global` holds now. */
  sync(global: StringDictionary): Int32Array {
    if (global !== this.source) {
      this.source = global;
      this.map = new Int32Array(Math.max(16, global.size)).fill(UNKNOWN);
    } else if (this.map.length < global.size) {
      const next = new Int32Array(Math.max(global.size, this.map.length * 2)).fill(UNKNOWN);
      next.set(this.map);
      this.map = next;
    }
    return this.map;
  }

  /** The id of `code` of the synced dictionary, or REFUSED. */
  resolve(code: number): number {
    const value = this.source!.get(code);
    let id = this.ids.find(value);
    if (id < 0) {
      if (this.ids.size >= this.max) { this.refused++; return (this.map[code] = REFUSED); }
      id = this.ids.idOf(value);
    }
    return (this.map[code] = id);
  }

  get bytes(): number {
    return this.map.byteLength;
  }
}
