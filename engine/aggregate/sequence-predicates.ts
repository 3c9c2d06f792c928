// Step predicates compiled to dictionary codes, so matching a row is array loads, never a string
// compare. A condition is `column IN values`; conditions are shared by every step (of every
// definition) that names the same column and values, and evaluated once per batch:
//
//   table[code] = 1 when the dictionary value `code` is one of the values   (per global dictionary)
//   hit[r]      = table[codes[r]] for rows with a value, else 0              (per batch)
//
// Tables follow their dictionary as it grows: a value not yet in the dictionary is looked up again
// (dict.find, never inserting) whenever the dictionary has grown since, and the table is widened to
// cover every code. A dictionary object other than the one a table was built for (another table,
// another process) rebuilds it. A column the batch lacks, or that is not dictionary-encoded, matches
// nothing.
//
// StepMatcher turns a definition's predicates (one per mask bit) into per-row mask words and the list
// of rows that matched anything; both are scratch reused by the next call.

import type { StringDictionary } from "../column/string-dictionary.ts";
import type { FeedBatch } from "./row-feed.ts";
import type { Where } from "./sequence-definition.ts";

interface Condition {
  readonly column: string;
  readonly values: readonly string[];
  dict: StringDictionary | null;
  table: Uint8Array;
  /** dict.size when the missing values were last looked up. */
  seenSize: number;
  missing: string[];
  hit: Uint8Array;
}

export class ConditionSet {
  private readonly conditions: Condition[] = [];
  private readonly byText = new Map<string, number>();

  /** The id of `column IN values`, registering it on first use. */
  add(column: string, values: readonly string[]): number {
    const text = JSON.stringify([column, values]);
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    const id = this.conditions.length;
    this.conditions.push({ column, values, dict: null, table: new Uint8Array(0), seenSize: 0, missing: [...values], hit: new Uint8Array(0) });
    this.byText.set(text, id);
    return id;
  }

  /** Evaluates every condition over the batch's rows [begin, end). */
  evaluate(batch: FeedBatch): void {
    for (const c of this.conditions) {
      if (c.hit.length < batch.end) c.hit = new Uint8Array(Math.max(batch.end, c.hit.length * 2));
      const hit = c.hit;
      const v = batch.column(c.column);
      if (v === null || v.codes === null || v.dict === null) {
        hit.fill(0, batch.begin, batch.end);
        continue;
      }
      refreshTable(c, v.dict);
      const table = c.table, codes = v.codes, validity = v.validity;
      if (validity === null) {
        for (let r = batch.begin; r < batch.end; r++) hit[r] = table[codes[r]!]!;
      } else {
        for (let r = batch.begin; r < batch.end; r++) hit[r] = table[codes[r]!]! & (validity[r >>> 3]! >>> (r & 7));
      }
    }
  }

  /** Every column some condition reads. */
  columns(): string[] {
    return [...new Set(this.conditions.map((c) => c.column))];
  }

  hits(id: number): Uint8Array {
    return this.conditions[id]!.hit;
  }
}

function refreshTable(c: Condition, dict: StringDictionary): void {
  if (c.dict !== dict) {
    c.dict = dict;
    c.table = new Uint8Array(0);
    c.seenSize = -1;
    c.missing = [...c.values];
  }
  const size = dict.size;
  if (c.table.length < Math.max(1, size)) {
    const t = new Uint8Array(Math.max(64, size, c.table.length * 2));
    t.set(c.table);
    c.table = t;
  }
  if (size === c.seenSize || c.missing.length === 0) return;
  c.seenSize = size;
  c.missing = c.missing.filter((value) => {
    const code = dict.find(value);
    if (code >= 0) c.table[code] = 1;
    return code < 0;
  });
}

export class StepMatcher {
  readonly words: number;
  /** Per bit, the conditions that must all hold (none: every row matches). */
  private readonly bits: readonly (readonly number[])[];
  private rowMasks = new Int32Array(0);
  /** After match(): rows [0, matched) that matched some bit, ascending, and their mask words. */
  rows = new Int32Array(0);
  masks = new Int32Array(0);
  matched = 0;

  constructor(private readonly conditions: ConditionSet, predicates: readonly Where[]) {
    this.words = Math.ceil(predicates.length / 32);
    this.bits = predicates.map((w) => Object.entries(w).map(([column, values]) => conditions.add(column, values)));
  }

  /** Computes mask words for rows [begin, end) of the batch the condition set last evaluated. */
  match(begin: number, end: number): void {
    const W = this.words;
    if (this.rowMasks.length < end * W) this.rowMasks = new Int32Array(Math.max(end * W, this.rowMasks.length * 2));
    const rm = this.rowMasks;
    rm.fill(0, begin * W, end * W);
    for (let b = 0; b < this.bits.length; b++) this.matchBit(this.bits[b]!, (b >>> 5), 1 << (b & 31), begin, end);
    if (this.rows.length < end - begin) {
      this.rows = new Int32Array(Math.max(end - begin, this.rows.length * 2));
      this.masks = new Int32Array(this.rows.length * W);
    }
    let n = 0;
    for (let r = begin; r < end; r++) {
      let any = 0;
      for (let w = 0; w < W; w++) any |= rm[r * W + w]!;
      if (any === 0) continue;
      this.rows[n] = r;
      for (let w = 0; w < W; w++) this.masks[n * W + w] = rm[r * W + w]!;
      n++;
    }
    this.matched = n;
  }

  private matchBit(conds: readonly number[], word: number, bit: number, begin: number, end: number): void {
    const rm = this.rowMasks, W = this.words;
    if (conds.length === 0) {
      for (let r = begin; r < end; r++) rm[r * W + word]! |= bit;
    } else if (conds.length === 1) {
      const h = this.conditions.hits(conds[0]!);
      for (let r = begin; r < end; r++) if (h[r]! & 1) rm[r * W + word]! |= bit;
    } else {
      const hs = conds.map((c) => this.conditions.hits(c));
      for (let r = begin; r < end; r++) {
        let ok = 1;
        for (let i = 0; i < hs.length && ok; i++) ok &= hs[i]![r]!;
        if (ok) rm[r * W + word]! |= bit;
      }
    }
  }
}
