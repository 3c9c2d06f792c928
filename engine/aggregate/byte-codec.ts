// A growable little-endian writer and a bounds-checked reader for derived-state encodings: the one
// place that lays out numbers and byte runs, so each state's encode/decode reads as its format.
// Typed arrays are written 8-byte aligned, so a reader could view them in place.
//
// The reader never trusts a length: every read checks the bounds and throws EngineError
// (data_corrupt) naming what it was reading, so a bad checkpoint is a clear error, not a crash.

import { EngineError } from "../core/errors.ts";

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

export class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): this { this.room(4); this.view.setUint32(this.at, v, true); this.at += 4; return this; }
  i32(v: number): this { this.room(4); this.view.setInt32(this.at, v, true); this.at += 4; return this; }
  f64(v: number): this { this.room(8); this.view.setFloat64(this.at, v, true); this.at += 8; return this; }

  bytes(b: Uint8Array): this {
    this.u32(b.byteLength);
    this.room(b.byteLength);
    this.buf.set(b, this.at);
    this.at += b.byteLength;
    return this;
  }

  string(s: string): this { return this.bytes(utf8.encode(s)); }
  json(v: unknown): this { return this.string(JSON.stringify(v)); }

  /** A typed array's bytes, 8-aligned (count first). */
  array(a: Int32Array | Uint32Array | Float64Array | Uint8Array, count: number): this {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, count * a.BYTES_PER_ELEMENT);
    this.u32(count);
    this.room(8 + bytes.byteLength);
    this.at = (this.at + 7) & ~7;
    this.buf.set(bytes, this.at);
    this.at += bytes.byteLength;
    return this;
  }

  /**
   * Room for a byte array written as array() writes it (count first, 8-aligned), returned to be
   * filled in place: a large array is then neither built apart nor copied in. Fill it before
   * writing anything else (a later write may move the buffer).
   */
  arrayRoom(byteLength: number): Uint8Array {
    this.u32(byteLength);
    this.room(8 + byteLength);
    this.at = (this.at + 7) & ~7;
    const out = this.buf.subarray(this.at, this.at + byteLength);
    this.at += byteLength;
    return out;
  }

  /**
   * The bytes written, as a view: the writer is done with. Copying them out filled as much fresh
   * memory again, and filling fresh memory is most of what a large checkpoint section costs. The
   * price is memory: the view keeps the whole doubled buffer alive until the checkpoint is written
   * (measured 1.2-1.9x the section's bytes), a peak up to twice the sections' size for that moment.
   */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

export class ByteReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly buf: Uint8Array, private readonly what: string) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(why: string): never {
    throw new EngineError("data_corrupt", `${this.what}: ${why} at byte ${this.at} of ${this.buf.byteLength}`);
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.at + n > this.buf.byteLength) this.fail(`${what} runs past the end`);
  }

  u32(): number { this.need(4, "u32"); const v = this.view.getUint32(this.at, true); this.at += 4; return v; }
  i32(): number { this.need(4, "i32"); const v = this.view.getInt32(this.at, true); this.at += 4; return v; }
  f64(): number { this.need(8, "f64"); const v = this.view.getFloat64(this.at, true); this.at += 8; return v; }

  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n, "bytes");
    const b = this.buf.slice(this.at, this.at + n);
    this.at += n;
    return b;
  }

  string(): string { return utf8d.decode(this.bytes()); }

  json<T>(): T {
    try {
      return JSON.parse(this.string()) as T;
    } catch (e) {
      if (e instanceof EngineError) throw e;
      return this.fail("JSON does not parse");
    }
  }

  private arrayBytes(size: number): Uint8Array {
    const count = this.u32();
    this.at = (this.at + 7) & ~7;
    this.need(count * size, "array");
    // A copy: aligned for any element size, and independent of the checkpoint's buffer.
    const b = this.buf.slice(this.at, this.at + count * size);
    this.at += count * size;
    return b;
  }

  i32s(): Int32Array { const b = this.arrayBytes(4); return new Int32Array(b.buffer, 0, b.byteLength / 4); }
  u32s(): Uint32Array { const b = this.arrayBytes(4); return new Uint32Array(b.buffer, 0, b.byteLength / 4); }
  f64s(): Float64Array { const b = this.arrayBytes(8); return new Float64Array(b.buffer, 0, b.byteLength / 8); }
  u8s(): Uint8Array { return this.arrayBytes(1); }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.at !== this.buf.byteLength) this.fail("trailing bytes");
  }
}
