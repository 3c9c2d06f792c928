// Journey timers: a binary min-heap of (deadline, slot, generation) in parallel typed arrays. Entries
// are never updated in place; an owner that moves a deadline pushes again and recognises the stale
// entry when it pops (its generation or deadline no longer matches the slot's).

export class DeadlineHeap {
  private deadline = new Float64Array(64);
  private slot = new Int32Array(64);
  private gen = new Int32Array(64);
  private n = 0;

  get size(): number {
    return this.n;
  }

  get byteSize(): number {
    return this.deadline.byteLength + this.slot.byteLength + this.gen.byteLength;
  }

  /** The earliest deadline; Infinity when empty. */
  get top(): number {
    return this.n > 0 ? this.deadline[0]! : Infinity;
  }

  get topSlot(): number {
    return this.slot[0]!;
  }

  get topGen(): number {
    return this.gen[0]!;
  }

  push(deadline: number, slot: number, gen: number): void {
    if (this.n === this.deadline.length) this.grow();
    let at = this.n++;
    while (at > 0) {
      const parent = (at - 1) >>> 1;
      if (this.deadline[parent]! <= deadline) break;
      this.move(parent, at);
      at = parent;
    }
    this.deadline[at] = deadline;
    this.slot[at] = slot;
    this.gen[at] = gen;
  }

  pop(): void {
    const n = --this.n;
    if (n === 0) return;
    const d = this.deadline[n]!, s = this.slot[n]!, g = this.gen[n]!;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && this.deadline[child + 1]! < this.deadline[child]!) child++;
      if (this.deadline[child]! >= d) break;
      this.move(child, at);
      at = child;
    }
    this.deadline[at] = d;
    this.slot[at] = s;
    this.gen[at] = g;
  }

  clear(): void {
    this.n = 0;
  }

  private move(from: number, to: number): void {
    this.deadline[to] = this.deadline[from]!;
    this.slot[to] = this.slot[from]!;
    this.gen[to] = this.gen[from]!;
  }

  private grow(): void {
    const d = new Float64Array(this.deadline.length * 2), s = new Int32Array(d.length), g = new Int32Array(d.length);
    d.set(this.deadline);
    s.set(this.slot);
    g.set(this.gen);
    this.deadline = d;
    this.slot = s;
    this.gen = g;
  }
}
