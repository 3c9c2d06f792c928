// Ids of derived events (journey emissions): a pure function of what caused the emission, so the
// same emission after a replay or a restart carries the same id and ingest de-duplicates it.
//
//   id = "jrn-" + four 32-bit MurmurHash3 (x86_32, Austin Appleby's public-domain algorithm) values of
//        the UTF-8 text "journey NUL by-column NUL subject NUL trigger event_id", seeds 1, 2, 3, 4,
//        as 32 hex digits shaped like a UUID (8-4-4-4-12).
//
// 128 bits keep accidental collisions (which would silently drop an emission) out of reach; the
// algorithm is fixed here, never taken from the runtime, so ids survive upgrades.

const utf8 = new TextEncoder();

/** MurmurHash3 x86_32 of bytes with a seed, as an unsigned 32-bit integer. */
export function murmur3(b: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = b.length, blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = b[blocks]!;
    if (tail > 1) k ^= b[blocks + 1]! << 8;
    if (tail > 2) k ^= b[blocks + 2]! << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function derivedEventId(journey: string, column: string, subject: string, triggerEventId: string): string {
  const b = utf8.encode(`${journey}\u0000${column}\u0000${subject}\u0000${triggerEventId}`);
  let hex = "";
  for (let seed = 1; seed <= 4; seed++) hex += murmur3(b, seed).toString(16).padStart(8, "0");
  return `jrn-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
