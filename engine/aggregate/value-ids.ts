// Dense ids of a derived structure's own for the values of one string column, and the cache that
// maps the store's global dictionary codes to them. Global codes do not survive a restart (the
// dictionary is rebuilt from the WAL tail), so anything persisted keys by these ids, whose values
// are persisted with it.
//
// Hot path: after sync(global) once per batch, `map[code]` is the id, or -1 when the value was not
// seen yet through this cache (then idOfCode resolves it: one string decode per distinct value).

import { StringDictionary } from "../column/string-dictionary.ts";

const utf8 = new TextEncoder();

export class ValueIds {
  private readonly dict = new StringDictionary();
  /** Global code -> id, -1 unknown; valid for `source` only. */
  map = new Int32Array(0);
  private source: StringDictionary | null = null;

  /** Readies `map` for every code `global` holds now. */
  sync(global: StringDictionary): Int32Array {
    if (global !== this.source) {
      this.source = global;
      this.map = new Int32Array(Math.max(16, global.size)).fill(-1);
    } else if (this.map.length < global.size) {
      const next = new Int32Array(Math.max(global.size, this.map.length * 2)).fill(-1);
      next.set(this.map);
      this.map = next;
    }
    return this.map;
  }

  /** The id of the value of `code` in the synced dictionary (inserted on first sight). */
  idOfCode(code: number): number {
    const id = this.map[code]!;
    if (id >= 0) return id;
    return (this.map[code] = this.idOf(this.source!.get(code)));
  }

  /** The id of `value`, inserted on first sight. */
  idOf(value: string): number {
    const b = utf8.encode(value);
    return this.dict.codeOfBytes(b, 0, b.length);
  }

  /** The id of `value`, or -1 when it was never seen. */
  find(value: string): number {
    return this.dict.find(value);
  }

  value(id: number): string {
    return this.dict.get(id);
  }

  get size(): number {
    return this.dict.size;
  }

  get bytes(): number {
    return this.dict.byteSize + this.map.byteLength;
  }

  /** Every value in id order (for encoding). */
  values(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.dict.size; i++) out.push(this.dict.get(i));
    return out;
  }

  static fromValues(values: readonly string[]): ValueIds {
    const v = new ValueIds();
    for (const s of values) v.idOf(s);
    return v;
  }
}
