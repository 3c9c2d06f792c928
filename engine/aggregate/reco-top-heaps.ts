// Exact top-C items by a score that only grows (forward-decayed popularity), for several disjoint
// groups at once (one group: global trending; one per category), each a bounded min-heap in one slab.
//
// Order: a ranks above b when score[a] > score[b], or the scores are equal and a < b (so results are
// deterministic). Invariant: every item of a group outside its heap ranks below every member. It
// holds because scores only increase: a member's rise keeps it; a non-member's rise past the weakest
// member swaps the two, and the evicted one still ranks above every other non-member. So after each
// update() the heap holds exactly the top C of its group, and a request reads C candidates, never
// the whole catalog. Multiplying every score by one factor (a decay rebase) keeps the order.
//
// An item belongs to at most one group of a TopHeaps (its position is one int per item).

export class TopHeaps {
  /** Group g's members: heap[g*C .. g*C + size[g]), the weakest at the root. */
  heap: Int32Array;
  size: Int32Array;
  /** Item -> index in its group's heap, -1 outside. */
  pos = new Int32Array(0);

  constructor(readonly capacity: number, groups: number) {
    this.heap = new Int32Array(capacity * groups);
    this.size = new Int32Array(groups);
  }

  get groups(): number {
    return this.size.length;
  }

  ensureGroups(n: number): void {
    if (n <= this.size.length) return;
    const g = Math.max(n, this.size.length * 2);
    const heap = new Int32Array(g * this.capacity);
    heap.set(this.heap);
    this.heap = heap;
    const size = new Int32Array(g);
    size.set(this.size);
    this.size = size;
  }

  ensureItems(n: number): void {
    if (n <= this.pos.length) return;
    const next = new Int32Array(Math.max(n, this.pos.length * 2, 64)).fill(-1);
    next.set(this.pos);
    this.pos = next;
  }

  /** score[x] rose (or x is new): keeps group g's heap the exact top C. */
  update(g: number, x: number, score: Float64Array): void {
    const p = this.pos[x]!, base = g * this.capacity;
    if (p >= 0) return this.down(base, this.size[g]!, p, score);
    const n = this.size[g]!;
    if (n < this.capacity) {
      this.heap[base + n] = x;
      this.pos[x] = n;
      this.size[g] = n + 1;
      return this.up(base, n, score);
    }
    const root = this.heap[base]!;
    if (!above(x, root, score)) return;
    this.pos[root] = -1;
    this.heap[base] = x;
    this.pos[x] = 0;
    this.down(base, n, 0, score);
  }

  /** Empties every group (items keep their ids). */
  clear(): void {
    this.size.fill(0);
    this.pos.fill(-1);
  }

  get bytes(): number {
    return this.heap.byteLength + this.size.byteLength + this.pos.byteLength;
  }

  private up(base: number, i: number, s: Float64Array): void {
    const h = this.heap, x = h[base + i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1, p = h[base + parent]!;
      if (!above(p, x, s)) break;
      h[base + i] = p;
      this.pos[p] = i;
      i = parent;
    }
    h[base + i] = x;
    this.pos[x] = i;
  }

  private down(base: number, n: number, i: number, s: Float64Array): void {
    const h = this.heap, x = h[base + i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && above(h[base + c]!, h[base + c + 1]!, s)) c++;
      const child = h[base + c]!;
      if (!above(x, child, s)) break;
      h[base + i] = child;
      this.pos[child] = i;
      i = c;
    }
    h[base + i] = x;
    this.pos[x] = i;
  }
}

/** a ranks above b. */
export function above(a: number, b: number, s: Float64Array): boolean {
  const sa = s[a]!, sb = s[b]!;
  return sa > sb || (sa === sb && a < b);
}
