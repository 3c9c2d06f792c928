// The subjects of one funnel or journey ordered by their newest event time: an indexed binary
// min-heap over slots, so expiry frees the oldest first and the cap evicts the one idle longest.
//
// Keys only grow (a subject's newest time never goes back), so the heap orders by a copy that may be
// stale (key <= the true newest) and recording an event costs nothing here: a subject is re-sifted
// with its true key only when it reaches the top (refreshTop). The top is the true minimum once its
// copy is current, because every other true key >= its copy >= the top's. Ties are broken by the
// owner's `tieLess` (the subject's key), so the order is a function of the events alone.

export class SubjectHeap {
  private heap = new Int32Array(0);
  private pos = new Int32Array(0);
  private key = new Float64Array(0);
  private n = 0;

  constructor(private readonly tieLess: (a: number, b: number) => boolean) {}

  get size(): number {
    return this.n;
  }

  get byteSize(): number {
    return this.heap.byteLength + this.pos.byteLength + this.key.byteLength;
  }

  /** The slot at the top (size > 0). */
  get top(): number {
    return this.heap[0]!;
  }

  /** The top's key as the heap knows it (<= its true newest time). */
  get topKey(): number {
    return this.key[this.heap[0]!]!;
  }

  /** The live slots, in heap order. */
  slots(): Int32Array {
    return this.heap.subarray(0, this.n);
  }

  /** Makes room for slots below `cap`. */
  grow(cap: number): void {
    const widen = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.heap = widen(this.heap);
    this.pos = widen(this.pos);
    this.key = widen(this.key);
  }

  push(slot: number, key: number): void {
    const at = this.n++;
    this.key[slot] = key;
    this.heap[at] = slot;
    this.pos[slot] = at;
    this.siftUp(at);
  }

  remove(slot: number): void {
    const at = this.pos[slot]!, last = this.heap[--this.n]!;
    this.pos[slot] = -1;
    if (last === slot) return;
    this.heap[at] = last;
    this.pos[last] = at;
    this.siftDown(at);
    this.siftUp(this.pos[last]!);
  }

  /** Gives the top its true key and moves it down to its place. */
  refreshTop(trueKey: number): void {
    this.key[this.heap[0]!] = trueKey;
    this.siftDown(0);
  }

  private less(a: number, b: number): boolean {
    const ka = this.key[a]!, kb = this.key[b]!;
    return ka !== kb ? ka < kb : this.tieLess(a, b);
  }

  private siftUp(at: number): void {
    const heap = this.heap, slot = heap[at]!;
    while (at > 0) {
      const parent = (at - 1) >>> 1;
      if (!this.less(slot, heap[parent]!)) break;
      heap[at] = heap[parent]!;
      this.pos[heap[at]!] = at;
      at = parent;
    }
    heap[at] = slot;
    this.pos[slot] = at;
  }

  private siftDown(at: number): void {
    const heap = this.heap, slot = heap[at]!, n = this.n;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(heap[child + 1]!, heap[child]!)) child++;
      if (!this.less(heap[child]!, slot)) break;
      heap[at] = heap[child]!;
      this.pos[heap[at]!] = at;
      at = child;
    }
    heap[at] = slot;
    this.pos[slot] = at;
  }
}
