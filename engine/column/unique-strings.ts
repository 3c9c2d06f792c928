// Sealed storage of a unique string column (ColumnDef.unique, e.g. event_id): values stay with their
// segment instead of entering a global dictionary, since each appears once. When every value is
// canonical UUID text in one letter case the chunk keeps 16 raw bytes per value (UUID16), else the
// UTF-8 bytes with dense offsets (HEAP). Either way the exact text comes back.

import { Encoding, UUID_UPPER, type ColumnChunk } from "./column-chunk.ts";
import { isValid } from "./validity.ts";
import type { StringHeapBuilder } from "./string-heap.ts";
import { formatUuid, formatUuidInto, parseUuid, UUID_HAS_LOWER, UUID_HAS_UPPER } from "./uuid-text.ts";

export type UniquePayload = Pick<ColumnChunk, "encoding" | "bytes" | "u32" | "flags">;

const utf8d = new TextDecoder();

/**
 * Encodes the non-null values of rows [0, rows): row r holds heap[offsets[r], offsets[r + 1]), and a
 * null row holds no bytes, so the heap is already dense.
 */
export function encodeUnique(heap: Uint8Array, offsets: Uint32Array, validity: Uint8Array, rows: number, nonNull: number): UniquePayload {
  if (nonNull === 0) return { encoding: Encoding.ALL_NULL, bytes: null, u32: null, flags: 0 };
  const uuid = new Uint8Array(nonNull * 16);
  let flags = 0, d = 0;
  for (let r = 0; r < rows && flags !== -1; r++) {
    if (!isValid(validity, r)) continue;
    const f = parseUuid(heap, offsets[r]!, offsets[r + 1]!, uuid, 16 * d++);
    flags = f < 0 ? -1 : flags | f;
  }
  if (flags !== -1 && flags !== (UUID_HAS_LOWER | UUID_HAS_UPPER)) {
    return { encoding: Encoding.UUID16, bytes: uuid, u32: null, flags: flags === UUID_HAS_UPPER ? UUID_UPPER : 0 };
  }
  const dense = new Uint32Array(nonNull + 1);
  d = 0;
  for (let r = 0; r < rows; r++) if (isValid(validity, r)) dense[d++] = offsets[r]!;
  dense[nonNull] = offsets[rows]!;
  return { encoding: Encoding.HEAP, bytes: heap.slice(0, offsets[rows]!), u32: dense, flags: 0 };
}

/** The value at dense index `d` of a UUID16 or HEAP chunk. */
export function uniqueStringAt(c: ColumnChunk, d: number): string {
  if (c.encoding === Encoding.UUID16) return formatUuid(c.bytes!, d * 16, (c.flags & UUID_UPPER) !== 0);
  return utf8d.decode(c.bytes!.subarray(c.u32![d]!, c.u32![d + 1]!));
}

/** Appends the values at dense indexes [d0, d1) of a UUID16 or HEAP chunk to `out` as bytes. */
export function appendUniqueRange(c: ColumnChunk, d0: number, d1: number, out: StringHeapBuilder): void {
  if (c.encoding === Encoding.UUID16) {
    out.reserve(36 * (d1 - d0));
    const upper = (c.flags & UUID_UPPER) !== 0;
    for (let d = d0; d < d1; d++) {
      const at = out.size;
      formatUuidInto(c.bytes!, d * 16, upper, out.heap, at);
      out.close(at + 36, false);
    }
    return;
  }
  appendHeapRange(c.bytes!, c.u32!, d0, d1, out);
}

/** Appends strings [i0, i1) of a heap (string i = heap[offsets[i], offsets[i + 1])) with one copy. */
export function appendHeapRange(heap: Uint8Array, offsets: Uint32Array, i0: number, i1: number, out: StringHeapBuilder, validity: Uint8Array | null = null, validityFirst = 0): void {
  const b0 = offsets[i0]!, b1 = offsets[i1]!;
  out.reserve(b1 - b0);
  const shift = out.size - b0;
  out.heap.set(heap.subarray(b0, b1), out.size);
  for (let i = i0; i < i1; i++) out.close(shift + offsets[i + 1]!, validity !== null && !isValid(validity, validityFirst + i - i0));
}
