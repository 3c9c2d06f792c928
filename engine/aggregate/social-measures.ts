// The layout of the `social` per-minute series, shared by the component (social-listening.ts), its
// queries (social-query.ts) and its checkpoint codec: measures in storage order, serialized by index
// (append only, never renumbered). Row 0 of a minute is all posts, row 1 + b is brand b.

export const MINUTE_MS = 60_000;
export const SOCIAL_MEASURES = ["mentions", "positive", "negative", "neutral", "sentiment_sum"] as const;
export const M_MENTIONS = 0, M_POSITIVE = 1, M_NEGATIVE = 2, M_NEUTRAL = 3, M_SENTIMENT = 4;
