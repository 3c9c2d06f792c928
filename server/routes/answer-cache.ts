// Encoded answers kept by query text while the state they were computed from is unchanged. A
// dashboard polls the same few queries every second from every open tab; between two ingest batches
// their answers cannot change, so the second and later askers get the bytes the first one paid for.
// Never stale: an entry carries the stamp of the state it was read from (for /v1/metrics, the
// rollups' generation, which moves on every change, and the hour tables held) and an entry with
// another stamp is a miss. Bounded in bytes and entries, least recently
// used first out.
//
// Bodies are kept as Blobs: Bun copies a Uint8Array into every Response made from it, while
// Responses made from one Blob share its bytes. A 113 KB answer copied per request drove an eden
// collection every ~200 requests (~1 ms each on the serving thread: the p99 of a polled dashboard);
// from a Blob, a hit allocates next to nothing.

export interface AnswerCacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

interface Entry {
  readonly stamp: string;
  readonly body: Blob;
}

export class AnswerCache {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  /** `maxBytes` 0 keeps nothing (every ask is a miss). */
  constructor(private readonly maxBytes: number, private readonly maxEntries = 256) {}

  /** The body stored for `key` at `stamp`, or undefined (one stored at another stamp is dropped). */
  get(key: string, stamp: string): Blob | undefined {
    const e = this.entries.get(key);
    if (e === undefined || e.stamp !== stamp) {
      if (e !== undefined) this.remove(key, e);
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.body;
  }

  /** Keeps `body` for `key` at `stamp`. */
  set(key: string, stamp: string, body: Blob): void {
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    // An answer larger than a quarter of the budget would push out everything else for one query.
    if (body.size * 4 > this.maxBytes) return;
    this.entries.set(key, { stamp, body });
    this.bytes += body.size;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= this.maxEntries) break;
      this.remove(k, e);
    }
  }

  stats(): AnswerCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size, bytes: this.bytes };
  }

  private remove(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.body.size;
  }
}
