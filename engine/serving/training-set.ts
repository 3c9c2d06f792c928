// Training data for `npx caracal train`: the DuckDB query that joins logged bids to their wins,
// clicks and conversions, and the conversion of its rows into the CTR and CVR datasets.
//
// Labels (why these rows): a click can only follow an impression, so the CTR model learns
// P(click | won bid) on won bids, and the CVR model P(conversion | click) on clicked bids, with a
// conversion being an event of a conversion type by the bid's user within the window after the
// first click. Price = 1000 x pCTR x pCVR x value is then the value of an impression.
// Test auctions are excluded. The features are the logged ones (props.f, feature-log.ts), decoded
// as-is: there is no feature code on this side, so training cannot skew from serving. Rows logged
// under another feature space (props.fs) are skipped and counted, never mixed in.
// Split: model-metrics.ts inHoldout on the bid id. Optional negative down-sampling keeps a negative
// when a hash of its bid id falls under the rate, and weights kept negatives by 1/rate.

import { FeatureVector, type FeatureSpace } from "./bid-features.ts";
import { decodeFeatures } from "./feature-log.ts";
import { hashString } from "./feature-hash.ts";
import { DatasetBuilder, type Dataset } from "./model-train.ts";
import { inHoldout } from "./model-metrics.ts";

export interface TrainingQueryOptions {
  /** The events table or view (Parquet history and hot rows). */
  readonly table: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly conversionTypes: readonly string[];
  /** Conversions count when they follow the first click by less than this. */
  readonly conversionWindowMs: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * The DuckDB query. Columns: bid_id VARCHAR, fs VARCHAR, f VARCHAR, clicked BOOLEAN, converted
 * BOOLEAN; one row per won, non-test bid in [fromMs, toMs) that logged its features, by bid_id.
 * Notices and conversions are read up to toMs + the window, so late clicks of the last bids count.
 */
export function trainingQuery(o: TrainingQueryOptions): string {
  if (!IDENT.test(o.table)) throw new Error(`table name ${JSON.stringify(o.table)} is not a plain identifier`);
  for (const v of [o.fromMs, o.toMs, o.conversionWindowMs]) if (!Number.isSafeInteger(v)) throw new Error(`${v} is not an integer of ms`);
  const t = o.table, to = o.toMs + o.conversionWindowMs;
  const types = o.conversionTypes.length === 0 ? "NULL" : o.conversionTypes.map(quote).join(", ");
  return `WITH bids AS (
  SELECT event_id AS bid_id, user_id, json_extract_string(props, '$.fs') AS fs, json_extract_string(props, '$.f') AS f
  FROM ${t}
  WHERE type = 'bid' AND ts >= epoch_ms(${o.fromMs}) AND ts < epoch_ms(${o.toMs})
    AND coalesce(json_extract_string(props, '$.test'), '0') <> '1' AND json_extract_string(props, '$.f') IS NOT NULL
), wins AS (
  SELECT DISTINCT json_extract_string(props, '$.bid_id') AS bid_id FROM ${t}
  WHERE type = 'win' AND ts >= epoch_ms(${o.fromMs}) AND ts < epoch_ms(${to})
), clicks AS (
  SELECT json_extract_string(props, '$.bid_id') AS bid_id, min(ts) AS click_ts FROM ${t}
  WHERE type = 'click' AND ts >= epoch_ms(${o.fromMs}) AND ts < epoch_ms(${to}) GROUP BY 1
), conversions AS (
  SELECT DISTINCT c.bid_id FROM clicks c JOIN bids b ON b.bid_id = c.bid_id
  JOIN ${t} e ON e.user_id = b.user_id AND e.type IN (${types})
    AND e.ts >= c.click_ts AND e.ts < c.click_ts + to_milliseconds(${o.conversionWindowMs})
)
SELECT b.bid_id, b.fs, b.f, c.bid_id IS NOT NULL AS clicked, v.bid_id IS NOT NULL AS converted
FROM bids b JOIN wins w ON w.bid_id = b.bid_id
LEFT JOIN clicks c ON c.bid_id = b.bid_id LEFT JOIN conversions v ON v.bid_id = b.bid_id
ORDER BY b.bid_id`;
}

export interface TrainingRow {
  readonly bid_id: string;
  readonly fs: string | null;
  readonly f: string | null;
  readonly clicked: boolean;
  readonly converted: boolean;
}

export interface LabelledSet {
  readonly data: Dataset;
  /** 1 = holdout row. */
  readonly holdout: Uint8Array;
  readonly positives: number;
}

export interface TrainingSets {
  readonly ctr: LabelledSet;
  readonly cvr: LabelledSet;
  /** Rows of another feature space, and rows whose feature text did not decode. */
  readonly otherSpace: number;
  readonly undecodable: number;
}

export interface TrainingSetOptions {
  readonly holdoutFraction: number;
  readonly splitSeed: number;
  /** Keep this fraction of CTR negatives (weighted 1/rate); 1 keeps all. */
  readonly negativeRate: number;
}

class LabelledBuilder {
  readonly rows: DatasetBuilder;
  private holdout: number[] = [];
  positives = 0;

  constructor(dimension: number) {
    this.rows = new DatasetBuilder(dimension);
  }

  add(v: FeatureVector, label: 0 | 1, weight: number, holdout: boolean): void {
    this.rows.add(v, label, weight);
    this.holdout.push(holdout ? 1 : 0);
    this.positives += label;
  }

  build(): LabelledSet {
    return { data: this.rows.build(), holdout: Uint8Array.from(this.holdout), positives: this.positives };
  }
}

/** The CTR and CVR datasets from the query's rows. */
export function buildTrainingSets(rows: Iterable<TrainingRow>, space: FeatureSpace, o: TrainingSetOptions): TrainingSets {
  const v = new FeatureVector(space.dimension);
  const ctr = new LabelledBuilder(space.dimension), cvr = new LabelledBuilder(space.dimension);
  let otherSpace = 0, undecodable = 0;
  for (const r of rows) {
    if (r.fs !== space.fingerprint) { otherSpace++; continue; }
    if (r.f === null || !decodeFeatures(r.f, v)) { undecodable++; continue; }
    const holdout = inHoldout(r.bid_id, o.holdoutFraction, o.splitSeed);
    // Down-sampling uses another hash seed than the split, so the two choices are independent.
    if (r.clicked) ctr.add(v, 1, 1, holdout);
    else if (o.negativeRate >= 1 || hashString(r.bid_id, o.splitSeed + 1) < o.negativeRate * 4294967296) ctr.add(v, 0, 1 / Math.min(1, o.negativeRate), holdout);
    if (r.clicked) cvr.add(v, r.converted ? 1 : 0, 1, holdout);
  }
  return { ctr: ctr.build(), cvr: cvr.build(), otherSpace, undecodable };
}
