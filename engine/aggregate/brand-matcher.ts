// Which configured brands a post mentions: every alias of every brand compiled once into one
// Aho-Corasick automaton (A. V. Aho, M. J. Corasick, "Efficient string matching: an aid to
// bibliographic search", CACM 18(6), 1975) over case-folded UTF-16 code units (foldChar in
// social-text.ts: ASCII, Latin-1 and full-width Latin fold to lower-case ASCII/Latin-1), so a post is
// read once whatever the number of aliases.
//
// Boundaries: an alias that starts (ends) with a letter or digit of an alphabetic script matches only
// where the text has no such character just before (after) it, as a regex \b would: "apple" matches
// "Apple", "APPLE!", "#apple", "用apple手机", not "pineapple" or "apples". An alias edge that is a CJK
// character has no boundary condition: "苹果" matches inside "买了苹果手机" (Chinese has no spaces).
//
// Layout: transitions out of the root are a dense Int32Array over all 65536 code units (most text
// characters fail at the root, so the common step is one array load); the other transitions are one
// Map keyed state * 65536 + unit. Each state lists the patterns that end there, its failure chain's
// included, so matching never walks output links. A brand counts once per post however many of its
// aliases or occurrences appear. Matching allocates nothing.

import { assert } from "../core/assert.ts";
import { foldChar, isWordChar } from "./social-text.ts";

export interface BrandDef {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly competitor: boolean;
}

const UNITS = 65536;

export class BrandMatcher {
  readonly brandCount: number;
  private readonly rootNext = new Int32Array(UNITS);
  private readonly next = new Map<number, number>();
  private fail: Int32Array;
  /** Patterns ending at state s: outList[outStart[s] .. outStart[s + 1]). */
  private outStart: Int32Array;
  private outList: Int32Array;
  private readonly patBrand: number[] = [];
  private readonly patLength: number[] = [];
  /** Bit 1: needs a boundary before; bit 2: after. */
  private readonly patEdges: number[] = [];
  private readonly seenStamp: Uint32Array;
  private stamp = 0;

  constructor(brands: readonly BrandDef[]) {
    this.brandCount = brands.length;
    this.seenStamp = new Uint32Array(brands.length);
    const goto: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    brands.forEach((b, id) => {
      for (const alias of new Set([b.name, ...b.aliases])) {
        const a = alias.trim();
        if (a.length === 0) continue;
        let s = 0;
        for (let i = 0; i < a.length; i++) {
          const c = foldChar(a.charCodeAt(i));
          let t = goto[s]!.get(c);
          if (t === undefined) { t = goto.length; goto.push(new Map()); ends.push([]); goto[s]!.set(c, t); }
          s = t;
        }
        const p = this.patBrand.length;
        this.patBrand.push(id);
        this.patLength.push(a.length);
        this.patEdges.push((isWordChar(foldChar(a.charCodeAt(0))) ? 1 : 0) | (isWordChar(foldChar(a.charCodeAt(a.length - 1))) ? 2 : 0));
        ends[s]!.push(p);
      }
    });
    this.fail = new Int32Array(goto.length);
    this.build(goto, ends);
    this.outStart = new Int32Array(0);
    this.outList = new Int32Array(0);
    this.flatten(ends);
  }

  /** Failure links by breadth-first search; each state inherits its failure state's patterns. */
  private build(goto: Map<number, number>[], ends: number[][]): void {
    const queue: number[] = [];
    for (const [c, t] of goto[0]!) { this.rootNext[c] = t; this.fail[t] = 0; queue.push(t); }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      for (const [c, t] of goto[s]!) {
        this.next.set(s * UNITS + c, t);
        let f = this.fail[s]!;
        while (f !== 0 && goto[f]!.get(c) === undefined) f = this.fail[f]!;
        const ft = f === 0 ? this.rootNext[c]! : goto[f]!.get(c)!;
        this.fail[t] = ft === t ? 0 : ft;
        // BFS order: the failure state is shallower, so its list is already complete.
        for (const p of ends[this.fail[t]!]!) ends[t]!.push(p);
        queue.push(t);
      }
    }
  }

  private flatten(ends: number[][]): void {
    this.outStart = new Int32Array(ends.length + 1);
    let n = 0;
    for (let s = 0; s < ends.length; s++) { this.outStart[s] = n; n += ends[s]!.length; }
    this.outStart[ends.length] = n;
    this.outList = new Int32Array(n);
    let k = 0;
    for (const e of ends) for (const p of e) this.outList[k++] = p;
  }

  /** Writes the ids of the brands `text` mentions into out[0..] (first-seen order); returns how many. */
  match(text: string, out: Int32Array): number {
    assert(out.length >= this.brandCount, "brand output buffer too small");
    const stamp = ++this.stamp;
    if (stamp === 0xffffffff) { this.seenStamp.fill(0); this.stamp = 1; }
    const rootNext = this.rootNext, next = this.next, fail = this.fail, outStart = this.outStart;
    let s = 0, found = 0;
    for (let i = 0, n = text.length; i < n; i++) {
      const c = foldChar(text.charCodeAt(i));
      for (;;) {
        if (s === 0) { s = rootNext[c]!; break; }
        const t = next.get(s * UNITS + c);
        if (t !== undefined) { s = t; break; }
        s = fail[s]!;
      }
      if (outStart[s] === outStart[s + 1]) continue;
      for (let k = outStart[s]!, e = outStart[s + 1]!; k < e; k++) {
        const p = this.outList[k]!, b = this.patBrand[p]!;
        if (this.seenStamp[b] === this.stamp) continue;
        const edges = this.patEdges[p]!, start = i - this.patLength[p]! + 1;
        if ((edges & 1) !== 0 && start > 0 && isWordChar(foldChar(text.charCodeAt(start - 1)))) continue;
        if ((edges & 2) !== 0 && i + 1 < n && isWordChar(foldChar(text.charCodeAt(i + 1)))) continue;
        this.seenStamp[b] = this.stamp;
        out[found++] = b;
      }
    }
    return found;
  }
}
