// Every bound the bid-serving path enforces, in one place (engine/core/limits.ts is shared and not
// ours to edit; these may move there at integration). Values an operator may change are defaults
// for bid-config.ts; the rest are format constants tied to the feature space version.

export const SERVING_LIMITS = {
  /** Largest POST /v1/bid body, checked on Content-Length and on the bytes read, before JSON.parse. */
  BID_BODY_BYTES_MAX: 64 * 1024,
  /** Impressions one request may carry; more is a 400 (real requests carry a handful). */
  IMPS_MAX: 64,
  /** Longest id we accept or echo (request, imp, deal ids). */
  ID_LENGTH_MAX: 256,
  /** Longest string value a categorical feature reads; longer values are hashed on this prefix. */
  FEATURE_STRING_LENGTH_MAX: 256,
  /** Entries read from each multi-valued feature field (content categories, segments, tags, ...). */
  FEATURE_MULTI_MAX: 16,
  /** Banner formats read for the size feature and creative matching. */
  BANNER_FORMATS_MAX: 16,
  /** Non-zero features one impression may produce: the FeatureVector's capacity. */
  FEATURE_NNZ_MAX: 512,
  /** Longest value of a notice query parameter we keep. */
  NOTICE_VALUE_LENGTH_MAX: 256,
  /** Longest feature log string decodeFeatures accepts. */
  FEATURE_LOG_LENGTH_MAX: 16 * 1024,
  /** Largest model file (PUT /v1/models/<name> body). */
  MODEL_BYTES_MAX: 64 * 1024 * 1024,
  /** Hash buckets a feature space may have: a power of two in [2^8, 2^22]. */
  HASH_BUCKETS_MIN: 1 << 8,
  HASH_BUCKETS_MAX: 1 << 22,
} as const;
