// Little-endian byte writer and cursor reader for funnel and journey checkpoints. Only the primitives
// the state needs: u8, u32, f64, UTF-8 strings (u32 length first) and runs of f64. A reader past the
// end, or a count that cannot fit in what is left, is EngineError("data_corrupt"): checkpoint bytes
// come from disk and are validated, never trusted.

import { EngineError } from "../core/errors.ts";

const utf8 = new TextEncoder();
const utf8d = new TextDecoder("utf-8", { fatal: true });

/** Subjects written between two yields of an encode in steps (FunnelState/JourneyState.encodeSteps). */
export const ENCODE_STEP_SUBJECTS = 512;

export class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private at = 0;

  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }

  f64s(a: Float64Array, from: number, to: number): void {
    this.room((to - from) * 8);
    for (let i = from; i < to; i++, this.at += 8) this.view.setFloat64(this.at, a[i]!, true);
  }

  str(s: string): void {
    const b = utf8.encode(s);
    this.u32(b.length);
    this.bytes(b);
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  get length(): number {
    return this.at;
  }

  /**
   * The bytes written, as a view: the writer is done with. Copying them out filled as much fresh
   * memory again, and filling fresh memory is most of what a large checkpoint section costs.
   */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.at + n, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

export class ByteReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  /** A u32 count of items of at least `itemBytes` bytes each, checked against the bytes left. */
  count(itemBytes: number): number {
    const n = this.u32();
    if (n * itemBytes > this.buf.length - this.at) this.fail(`count ${n} of ${itemBytes}-byte items exceeds the ${this.buf.length - this.at} bytes left`);
    return n;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  f64s(out: Float64Array, from: number, to: number): void {
    this.need((to - from) * 8);
    for (let i = from; i < to; i++, this.at += 8) out[i] = this.view.getFloat64(this.at, true);
  }

  str(): string {
    const n = this.count(1);
    const s = this.decode(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }

  get done(): boolean {
    return this.at === this.buf.length;
  }

  fail(why: string): never {
    throw new EngineError("data_corrupt", `sequence state at byte ${this.at}: ${why}`);
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) this.fail(`needs ${n} bytes, ${this.buf.length - this.at} left`);
  }

  private decode(b: Uint8Array): string {
    try {
      return utf8d.decode(b);
    } catch {
      return this.fail("invalid UTF-8 in a string");
    }
  }
}
