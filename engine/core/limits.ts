// Every bound Caracal enforces, in one place. Values that operators may change are defaults for
// server/config.ts; the rest are format constants. Each limit has a test that triggers it.

export const LIMITS = {
  /** Largest request body accepted on POST /v1/events, as sent (before decompression). */
  BODY_BYTES_MAX: 16 * 1024 * 1024,
  /** Largest body after gzip decompression: guards against compression bombs. */
  BODY_DECOMPRESSED_BYTES_MAX: 64 * 1024 * 1024,
  /** Events one request or WebSocket frame may carry. */
  EVENTS_PER_BATCH_MAX: 100_000,
  /** Largest single event, in bytes of its source text (NDJSON line or msgpack item). */
  EVENT_BYTES_MAX: 64 * 1024,
  /** Default longest string value, in UTF-16 code units, unless a column sets its own. */
  STRING_LENGTH_MAX: 8 * 1024,
  /** Longest `text` and `props` values. */
  LONG_TEXT_LENGTH_MAX: 64 * 1024,
  /** Longest event_id. */
  EVENT_ID_LENGTH_MAX: 128,
  /** Bytes of request bodies being parsed or awaiting durability at once, across all clients. */
  INGEST_INFLIGHT_BYTES_MAX: 256 * 1024 * 1024,
  /** Per WebSocket connection: bytes of frames not yet acknowledged before the server closes it. */
  WS_INFLIGHT_BYTES_MAX: 32 * 1024 * 1024,
  /** Per WebSocket connection: acknowledgements buffered for a client that does not read. */
  WS_SEND_BUFFER_BYTES_MAX: 4 * 1024 * 1024,
  /** Open WebSocket connections. */
  WS_CONNECTIONS_MAX: 1024,
  /** A parse job unanswered for this long is given up and its worker replaced (a parser stuck on input). */
  PARSE_JOB_DEADLINE_MS: 30_000,
  /** WAL segment size before rotation. */
  WAL_SEGMENT_BYTES: 64 * 1024 * 1024,
  /** Largest WAL record payload; a record is one ingest batch. */
  WAL_RECORD_BYTES_MAX: 256 * 1024 * 1024,
  /** De-duplication window: ids remembered for this long (by receive time)... */
  DEDUP_WINDOW_MS: 24 * 60 * 60 * 1000,
  /** ...and at most this many (about 40 bytes each at the worst load factor). */
  DEDUP_WINDOW_IDS_MAX: 5_000_000,
  /** Rows per store segment; a segment seals (and is compressed) when full. */
  SEGMENT_ROWS: 65_536,
  /** Largest segment size a table may be configured with: bit-packed offsets stay below 2^32 bits. */
  SEGMENT_ROWS_MAX: 1 << 24,
  /**
   * Rows per scan batch; a multiple of 8 (validity bitmaps are handed out as views). Measured with
   * sums and code counts over 1M events: flat from 2048 to 16384 rows (within noise, 1024 is ~10%
   * slower); 4096 keeps a float64 vector at 32 KB, so a batch of a few columns stays in L2.
   */
  SCAN_BATCH_ROWS: 4096,
  /** Bytes of one column's global string dictionary: offsets into its heap are u32. */
  DICTIONARY_BYTES_MAX: 0xffff_ffff,
  /** Distinct values of one column's global dictionary; its hash table then has at most 2^30 slots. */
  DICTIONARY_CODES_MAX: 1 << 29,
  /** Bytes of a unique column's values in one segment: offsets into the segment heap are u32. */
  SEGMENT_HEAP_BYTES_MAX: 0xffff_ffff,
  /** Compacted rows whose segment is older than this leave memory (they stay queryable from Parquet). */
  HOT_WINDOW_MS: 24 * 60 * 60 * 1000,
  /** Store memory past which compacted rows leave memory whatever their age. */
  HOT_MEMORY_BYTES_MAX: 8 * 1024 * 1024 * 1024,
  /** How often compaction looks for sealed segments to write to Parquet. */
  COMPACTION_INTERVAL_MS: 10_000,
  /** Earliest accepted event time (2000-01-01): earlier values are almost always epoch seconds. */
  TS_MIN_MS: 946_684_800_000,
  /** Latest accepted event time, relative to receive time. */
  TS_FUTURE_SKEW_MS: 24 * 60 * 60 * 1000,
  /** A SQL query's time limit: parsing, waiting for DuckDB and running. A request may lower it, never raise it. */
  SQL_TIMEOUT_MS: 30_000,
  /** Rows one SQL answer may hold, in every format; past it the query fails with result_too_large. */
  SQL_RESULT_ROWS_MAX: 100_000,
  /** UTF-8 bytes of SQL text one request may carry (a request body may be 4 times this, for parameters). */
  SQL_TEXT_BYTES_MAX: 100 * 1024,
  /** DuckDB's memory_limit: past it a query spills or fails with query_memory. */
  SQL_DUCKDB_MEMORY_LIMIT: "2GB",
  /** DuckDB's worker threads (the rest of the cores ingest). */
  SQL_DUCKDB_THREADS: 2,
  /** Largest dimension-table upload (PUT /v1/tables/:name), in bytes as sent. */
  TABLE_UPLOAD_BYTES_MAX: 256 * 1024 * 1024,
  /** Encoded GET /v1/metrics answers kept for repeated asks while the rollups are unchanged (rollups.answer_cache_bytes). */
  METRICS_ANSWER_CACHE_BYTES: 16 * 1024 * 1024,
  /**
   * Free bytes the data directory's file system must keep: below it ingest answers 507 disk_full
   * before anything is logged, and takes batches again as soon as space returns (a WAL write that
   * still hits ENOSPC stops ingest until restart: its dictionary codes may not be in the log).
   */
  DISK_FREE_MIN_BYTES: 256 * 1024 * 1024,
} as const;
