// Caches from the store's global dictionary codes of one column to what profiles keep: ids of a
// ValueIds that may be shared with other components (user keys come from two columns, user_id and
// anonymous_id, into one id space, and ValueIds' own cache follows one column only), and 32-bit
// hashes of session ids (sessions are too many to give each an id that lives forever).
//
// Hot path: after sync(global) once per batch, `map[code]` is the answer + 1 for ids, the answer for
// hashes, or 0 when the code was not seen yet through this cache (then resolve() decodes the value
// once). Global codes die with the process: nothing here is persisted.

import type { StringDictionary } from "../column/string-dictionary.ts";
import { sessionHash } from "./profile-update.ts";
import type { ValueIds } from "./value-ids.ts";

/** A zero-filled array for `global`'s codes, reusing `map` while the source is the same dictionary. */
function synced<T extends Int32Array | Uint32Array>(map: T, same: boolean, size: number, make: (n: number) => T): T {
  if (!same) return make(Math.max(16, size));
  if (map.length >= size) return map;
  const next = make(Math.max(size, map.length * 2));
  next.set(map);
  return next;
}

export class CodeIdCache {
  /** Global code -> id + 1, 0 unknown. */
  map = new Int32Array(0);
  private source: StringDictionary | null = null;

  constructor(private readonly ids: ValueIds) {}

  sync(global: StringDictionary): Int32Array {
    this.map = synced(this.map, global === this.source, global.size, (n) => new Int32Array(n));
    this.source = global;
    return this.map;
  }

  /** The id of `code`'s value (inserted into the ValueIds on first sight). */
  resolve(code: number): number {
    const id = this.ids.idOf(this.source!.get(code));
    this.map[code] = id + 1;
    return id;
  }

  get bytes(): number {
    return this.map.byteLength;
  }
}

export class CodeHashCache {
  /** Global code -> sessionHash of its value, 0 unknown. */
  map = new Uint32Array(0);
  private source: StringDictionary | null = null;

  sync(global: StringDictionary): Uint32Array {
    this.map = synced(this.map, global === this.source, global.size, (n) => new Uint32Array(n));
    this.source = global;
    return this.map;
  }

  resolve(code: number): number {
    return (this.map[code] = sessionHash(this.source!.get(code)));
  }

  get bytes(): number {
    return this.map.byteLength;
  }
}
