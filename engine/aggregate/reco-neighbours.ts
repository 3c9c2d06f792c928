// Per item, its most co-occurring items: one weighted Space-Saving summary of M counters per item
// (Metwally, Agrawal, El Abbadi, "Efficient Computation of Frequent and Top-k Elements in Data
// Streams", ICDT 2005), all summaries in one slab of typed arrays.
//
// Summary of item x, block b, counters j in [0, fill[b]):
//
//   nbr[b*M + j]  neighbour item id      cnt  counted weight (>= its true weight)
//   err           overestimate bound     pc   part of cnt that came from co-purchases
//   total[b]      W: every weight ever added to x's summary
//
// Guarantee, for weights decayed by one forward-decay clock (a uniform scale, so the bounds of the
// unweighted algorithm carry over): for every kept neighbour, cnt - err <= true <= cnt, and
// err <= min cnt <= W / M; every neighbour whose true weight exceeds W / M is kept. With a heavy
// tail the bound is tighter: err <= (W minus the top-j true weights) / (M - j) for any j < M
// (Berinde, Cormode, Indyk, Strauss, "Space-optimal heavy hitters with strong error bounds",
// TODS 2010). Serving ranks by the lower bound cnt - err, so a neighbour that just took over a counter
// is not promoted on inherited weight.
//
// At most blocksMax summaries exist; when all are in use, a new item takes the block of the least
// active owner (smallest W, i.e. smallest decayed weight) among the next EVICT_SCAN blocks of a
// clock hand, and blockEvictions counts it. Nothing here allocates after the slab reached its size.

import { ByteReader, ByteWriter } from "./byte-codec.ts";

const EVICT_SCAN = 32;
const INITIAL_BLOCKS = 256;

export class NeighbourSummaries {
  /** Item id -> block, -1 none. */
  blockOf = new Int32Array(0);
  /** Block -> its item. */
  ownerOf: Int32Array;
  fill: Int32Array;
  total: Float64Array;
  nbr: Int32Array;
  cnt: Float64Array;
  err: Float64Array;
  pc: Float64Array;
  blocksUsed = 0;
  private hand = 0;
  /** Counters handed to a new neighbour by evicting the smallest one. */
  replacements = 0;
  /** Summaries recycled for another item. */
  blockEvictions = 0;

  constructor(readonly m: number, readonly blocksMax: number) {
    const n = Math.min(blocksMax, INITIAL_BLOCKS);
    this.ownerOf = new Int32Array(n);
    this.fill = new Int32Array(n);
    this.total = new Float64Array(n);
    this.nbr = new Int32Array(n * m);
    this.cnt = new Float64Array(n * m);
    this.err = new Float64Array(n * m);
    this.pc = new Float64Array(n * m);
  }

  /** Makes room for item ids < n. */
  ensureItems(n: number): void {
    if (n <= this.blockOf.length) return;
    const next = new Int32Array(Math.max(n, this.blockOf.length * 2, 64)).fill(-1);
    next.set(this.blockOf);
    this.blockOf = next;
  }

  /** Adds weight w (of which wp co-purchase) to neighbour y in x's summary; never evicts `keep`'s block. */
  add(x: number, y: number, w: number, wp: number, keep: number): void {
    let b = this.blockOf[x]!;
    if (b < 0) b = this.alloc(x, keep);
    this.total[b]! += w;
    const m = this.m, base = b * m, n = this.fill[b]!, nbr = this.nbr, cnt = this.cnt;
    let minAt = -1, min = Infinity;
    for (let j = base, end = base + n; j < end; j++) {
      if (nbr[j] === y) { cnt[j]! += w; this.pc[j]! += wp; return; }
      if (cnt[j]! < min) { min = cnt[j]!; minAt = j; }
    }
    // Weight 0 (a co-purchase mark on a pair whose weight did not rise) never takes a counter.
    if (w <= 0) return;
    if (n < m) {
      const j = base + n;
      nbr[j] = y; cnt[j] = w; this.err[j] = 0; this.pc[j] = wp;
      this.fill[b] = n + 1;
      return;
    }
    this.replacements++;
    nbr[minAt] = y; this.err[minAt] = min; cnt[minAt] = min + w; this.pc[minAt] = wp;
  }

  private alloc(x: number, keep: number): number {
    let b: number;
    if (this.blocksUsed < this.blocksMax) {
      if (this.blocksUsed === this.ownerOf.length) this.grow(Math.min(this.blocksMax, this.ownerOf.length * 2));
      b = this.blocksUsed++;
    } else {
      b = -1;
      let min = Infinity;
      for (let k = 0; k < EVICT_SCAN; k++) {
        const c = this.hand;
        this.hand = (this.hand + 1) % this.blocksMax;
        if (this.ownerOf[c] !== keep && this.total[c]! < min) { min = this.total[c]!; b = c; }
      }
      this.blockOf[this.ownerOf[b]!] = -1;
      this.blockEvictions++;
      // Zero the old owner's counters, so a block past its fill always reads as new (and encodes the same).
      const base = b * this.m;
      this.nbr.fill(0, base, base + this.m); this.cnt.fill(0, base, base + this.m);
      this.err.fill(0, base, base + this.m); this.pc.fill(0, base, base + this.m);
    }
    this.ownerOf[b] = x;
    this.fill[b] = 0;
    this.total[b] = 0;
    this.blockOf[x] = b;
    return b;
  }

  private grow(blocks: number): void {
    const m = this.m;
    const g32 = (a: Int32Array, n: number) => { const r = new Int32Array(n); r.set(a); return r; };
    const g64 = (a: Float64Array, n: number) => { const r = new Float64Array(n); r.set(a); return r; };
    this.ownerOf = g32(this.ownerOf, blocks);
    this.fill = g32(this.fill, blocks);
    this.total = g64(this.total, blocks);
    this.nbr = g32(this.nbr, blocks * m);
    this.cnt = g64(this.cnt, blocks * m);
    this.err = g64(this.err, blocks * m);
    this.pc = g64(this.pc, blocks * m);
  }

  /** Multiplies every weight by f (a forward-decay rebase): bounds and orders are unchanged. */
  scale(f: number): void {
    const n = this.blocksUsed * this.m;
    for (let i = 0; i < this.blocksUsed; i++) this.total[i]! *= f;
    for (let j = 0; j < n; j++) { this.cnt[j]! *= f; this.err[j]! *= f; this.pc[j]! *= f; }
  }

  get bytes(): number {
    return this.blockOf.byteLength + this.ownerOf.byteLength + this.fill.byteLength + this.total.byteLength +
      this.nbr.byteLength + this.cnt.byteLength + this.err.byteLength + this.pc.byteLength;
  }

  encode(w: ByteWriter): void {
    const n = this.blocksUsed, nm = n * this.m;
    w.u32(this.m).u32(this.hand).f64(this.replacements).f64(this.blockEvictions);
    w.array(this.ownerOf, n).array(this.fill, n).array(this.total, n);
    w.array(this.nbr, nm).array(this.cnt, nm).array(this.err, nm).array(this.pc, nm);
  }

  /** Replaces the state with an encoded one for items [0, itemCount); another M or cap is re-laid out. */
  decode(r: ByteReader, itemCount: number): void {
    const m = r.u32(), hand = r.u32(), replacements = r.f64(), blockEvictions = r.f64();
    const ownerOf = r.i32s(), fill = r.i32s(), total = r.f64s();
    const nbr = r.i32s(), cnt = r.f64s(), err = r.f64s(), pc = r.f64s();
    const n = ownerOf.length;
    if (fill.length !== n || total.length !== n || nbr.length !== n * m || cnt.length !== n * m || err.length !== n * m || pc.length !== n * m) {
      r.fail("neighbour summaries of mismatched lengths");
    }
    for (let b = 0; b < n; b++) {
      if (ownerOf[b]! < 0 || ownerOf[b]! >= itemCount || fill[b]! < 0 || fill[b]! > m) r.fail(`neighbour block ${b} out of range`);
      for (let j = b * m; j < b * m + fill[b]!; j++) if (nbr[j]! < 0 || nbr[j]! >= itemCount) r.fail(`neighbour of block ${b} out of range`);
    }
    this.blocksUsed = 0;
    this.hand = 0;
    this.blockOf = new Int32Array(0);
    this.ensureItems(itemCount);
    this.replacements = replacements;
    this.blockEvictions = blockEvictions;
    // The most active summaries first, so a smaller cap keeps the ones that matter; within a summary
    // the largest counters first, so a smaller M keeps the top neighbours (the dropped ones' weight is
    // lost: the W / M bound then holds for what is added from here on).
    // The same shape keeps block numbers (so the clock hand, and later evictions, are as before).
    const same = m === this.m && n <= this.blocksMax;
    const order = Array.from({ length: n }, (_, b) => b);
    if (!same) order.sort((a, b) => total[b]! - total[a]! || a - b);
    const keep = Math.min(n, this.blocksMax);
    if (keep > this.ownerOf.length) this.grow(keep);
    for (let k = 0; k < keep; k++) {
      const ob = order[k]!, nb = this.blocksUsed++, base = ob * m;
      const js = Array.from({ length: fill[ob]! }, (_, j) => base + j);
      if (fill[ob]! > this.m) js.sort((a, b) => cnt[b]! - cnt[a]! || nbr[a]! - nbr[b]!);
      const f = Math.min(this.m, js.length);
      for (let j = 0; j < f; j++) {
        const to = nb * this.m + j, from = js[j]!;
        this.nbr[to] = nbr[from]!; this.cnt[to] = cnt[from]!; this.err[to] = err[from]!; this.pc[to] = pc[from]!;
      }
      this.ownerOf[nb] = ownerOf[ob]!;
      this.fill[nb] = f;
      this.total[nb] = total[ob]!;
      this.blockOf[ownerOf[ob]!] = nb;
    }
    if (same) this.hand = hand % this.blocksMax;
  }
}
