// Many strings as one UTF-8 heap with offsets and a null flag per string: the form in which a run of
// unique strings (event ids) leaves the store for another thread. Built from bytes (Vector.appendUtf8),
// never from JS strings, so pulling 65,536 ids out for compaction creates no string per row, and the
// three arrays transfer to a worker without a copy.

/** String i is heap[offsets[i], offsets[i + 1]) unless nulls[i] is 1 (then it has no bytes). */
export interface PackedStrings { heap: Uint8Array; offsets: Uint32Array; nulls: Uint8Array }

const utf8e = new TextEncoder();

/** Appends strings; the heap and the slots grow as needed (`capacity` and `bytesHint` are first guesses). */
export class StringHeapBuilder {
  heap: Uint8Array;
  offsets: Uint32Array;
  nulls: Uint8Array;
  /** Strings appended so far. */
  count = 0;

  constructor(capacity: number, bytesHint = capacity * 36) {
    this.heap = new Uint8Array(Math.max(64, bytesHint));
    this.offsets = new Uint32Array(Math.max(16, capacity) + 1);
    this.nulls = new Uint8Array(Math.max(16, capacity));
  }

  /** Bytes used: where the next string starts. */
  get size(): number {
    return this.offsets[this.count]!;
  }

  /** Makes room for `bytes` more bytes after `size`. */
  reserve(bytes: number): void {
    const need = this.size + bytes;
    if (need <= this.heap.length) return;
    const next = new Uint8Array(Math.max(need, this.heap.length * 2));
    next.set(this.heap.subarray(0, this.size));
    this.heap = next;
  }

  /** Closes the string started at `size` that ends at `end` (bytes already written, room reserved). */
  close(end: number, isNull: boolean): void {
    if (this.count === this.nulls.length) this.growSlots();
    this.nulls[this.count] = isNull ? 1 : 0;
    this.offsets[++this.count] = end;
  }

  private growSlots(): void {
    const offsets = new Uint32Array(this.offsets.length * 2 - 1), nulls = new Uint8Array(this.nulls.length * 2);
    offsets.set(this.offsets);
    nulls.set(this.nulls);
    this.offsets = offsets;
    this.nulls = nulls;
  }

  /** Appends one JS string (tests and the rare caller without bytes). */
  push(s: string | null): void {
    if (s === null) return this.close(this.size, true);
    this.reserve(s.length * 3);
    this.close(this.size + utf8e.encodeInto(s, this.heap.subarray(this.size)).written, false);
  }

  /** The strings appended, sharing this builder's arrays (the heap cut to what is used). */
  finish(): PackedStrings {
    return { heap: this.heap.subarray(0, this.size), offsets: this.offsets.subarray(0, this.count + 1), nulls: this.nulls.subarray(0, this.count) };
  }
}

const utf8d = new TextDecoder();

/** String i of `p` (null for a null slot). */
export function packedStringAt(p: PackedStrings, i: number): string | null {
  return p.nulls[i] ? null : utf8d.decode(p.heap.subarray(p.offsets[i]!, p.offsets[i + 1]!));
}

/** Every string of `p`, as JS strings. */
export function unpackStrings(p: PackedStrings): (string | null)[] {
  const out = new Array<string | null>(p.nulls.length);
  for (let i = 0; i < out.length; i++) out[i] = packedStringAt(p, i);
  return out;
}
