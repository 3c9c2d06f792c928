// A logistic-regression model (CTR or CVR) over the bid feature space: its JSON file format, the
// validation that refuses a file meant for another feature space, and the prediction.
//
// Model file (JSON, one object; written by model-train.ts, accepted by PUT /v1/models/<name>):
//   {
//     "name": "ctr",                      name the server serves it under: [A-Za-z0-9_.-], 1-64
//     "version": "20261204T101500Z",      free text, 1-64 characters (integers are accepted too)
//     "kind": "logistic",
//     "target": "ctr" | "cvr",            P(click | impression) or P(conversion | click)
//     "feature_space": { "version": 1, "hash": "fnv1a32-fmix32-utf16-asciifold", "buckets": 16384,
//                        "fingerprint": "v1-b16384-xxxxxxxx", "numeric": [names], "categorical": [fields] },
//     "bias": -4.1,
//     "weights": [w_0, ..., w_{dimension-1}],   dense, dimension = numeric.length + buckets
//     "trained_at": "2026-12-04T10:15:00.000Z",
//     "metrics": { "auc": 0.71, "logloss": 0.082, "n": 51234 },   on the holdout; null when unknown
//     "training": { ... }                 optional: how it was fitted (kept, not interpreted)
//   }
// p = 1 / (1 + exp(-(bias + sum_i weights[i] * x[i]))), x from bid-features.ts.
// Invariants: a loaded model's space equals the server's (version, hash, buckets, names, fingerprint)
// or the file is refused with a message naming the first difference; every number is finite.
// Prediction reads only the vector's non-zeros and allocates nothing.

import { EngineError } from "../core/errors.ts";
import type { FeatureSpace, FeatureVector } from "./bid-features.ts";
import { isObject } from "./openrtb-request.ts";

export type ModelTarget = "ctr" | "cvr";

export interface ModelMetrics {
  readonly auc: number | null;
  readonly logloss: number | null;
  readonly n: number;
}

export interface LogisticModel {
  readonly name: string;
  readonly version: string;
  readonly target: ModelTarget;
  readonly bias: number;
  /** Dense over the feature space's dimension. */
  readonly weights: Float64Array;
  readonly fingerprint: string;
  readonly trainedAt: string;
  readonly metrics: ModelMetrics;
  readonly training: Record<string, unknown> | null;
}

export interface ModelFile {
  name: string;
  version: string;
  kind: "logistic";
  target: ModelTarget;
  feature_space: { version: number; hash: string; buckets: number; fingerprint: string; numeric: string[]; categorical: string[] };
  bias: number;
  weights: number[];
  trained_at: string;
  metrics: { auc: number | null; logloss: number | null; n: number };
  training?: Record<string, unknown>;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const bad = (message: string, field: string): EngineError => new EngineError("bad_request", `model file: ${message}`, { field });

/** Validates a parsed model file against the server's feature space; throws EngineError bad_request. */
export function parseModel(json: unknown, space: FeatureSpace): LogisticModel {
  if (!isObject(json)) throw bad("not a JSON object", "");
  const name = json.name;
  if (typeof name !== "string" || !NAME.test(name)) throw bad("name must be 1-64 characters of A-Z a-z 0-9 _ . -", "name");
  const version = typeof json.version === "number" && Number.isSafeInteger(json.version) ? String(json.version) : json.version;
  if (typeof version !== "string" || version.length < 1 || version.length > 64) throw bad("version must be a string of 1-64 characters or an integer", "version");
  if (json.kind !== "logistic") throw bad(`kind ${JSON.stringify(json.kind)} is not supported (only "logistic")`, "kind");
  if (json.target !== "ctr" && json.target !== "cvr") throw bad(`target must be "ctr" or "cvr", not ${JSON.stringify(json.target)}`, "target");
  checkSpace(json.feature_space, space);
  const bias = json.bias;
  if (typeof bias !== "number" || !Number.isFinite(bias)) throw bad("bias must be a finite number", "bias");
  const weights = readWeights(json.weights, space);
  const trainedAt = json.trained_at;
  if (typeof trainedAt !== "string" || !Number.isFinite(Date.parse(trainedAt))) throw bad("trained_at must be an ISO-8601 date-time", "trained_at");
  const training = json.training === undefined ? null : isObject(json.training) ? json.training : undefined;
  if (training === undefined) throw bad("training must be an object when present", "training");
  return { name, version, target: json.target, bias, weights, fingerprint: space.fingerprint, trainedAt, metrics: readMetrics(json.metrics), training };
}

function checkSpace(fs: unknown, space: FeatureSpace): void {
  if (!isObject(fs)) throw bad("feature_space must be an object", "feature_space");
  const mismatch = (field: string, got: unknown, want: unknown): EngineError =>
    bad(`feature_space.${field} ${JSON.stringify(got)} does not match this server's ${JSON.stringify(want)} (space ${space.fingerprint}); retrain the model`, `feature_space.${field}`);
  if (fs.version !== space.version) throw mismatch("version", fs.version, space.version);
  if (fs.hash !== space.hash) throw mismatch("hash", fs.hash, space.hash);
  if (fs.buckets !== space.buckets) throw mismatch("buckets", fs.buckets, space.buckets);
  for (const key of ["numeric", "categorical"] as const) {
    const names = fs[key];
    if (!Array.isArray(names)) throw bad(`feature_space.${key} must be an array of names`, `feature_space.${key}`);
    const want = space[key];
    for (let i = 0; i < Math.max(names.length, want.length); i++) {
      if (names[i] !== want[i]) throw mismatch(`${key}[${i}]`, names[i] ?? null, want[i] ?? null);
    }
  }
  if (fs.fingerprint !== space.fingerprint) throw mismatch("fingerprint", fs.fingerprint, space.fingerprint);
}

function readWeights(w: unknown, space: FeatureSpace): Float64Array {
  if (!Array.isArray(w)) throw bad("weights must be an array of numbers", "weights");
  if (w.length !== space.dimension) {
    throw bad(`weights has ${w.length} entries, feature space ${space.fingerprint} needs ${space.dimension} (${space.numeric.length} numeric + ${space.buckets} buckets)`, "weights");
  }
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const x = w[i];
    if (typeof x !== "number" || !Number.isFinite(x)) throw bad(`weights[${i}] is not a finite number`, `weights[${i}]`);
    out[i] = x;
  }
  return out;
}

function readMetrics(m: unknown): ModelMetrics {
  if (!isObject(m)) throw bad("metrics must be an object {auc, logloss, n}", "metrics");
  const auc = m.auc, logloss = m.logloss, n = m.n;
  if (auc !== null && !(typeof auc === "number" && auc >= 0 && auc <= 1)) throw bad("metrics.auc must be a number in [0, 1] or null", "metrics.auc");
  if (logloss !== null && !(typeof logloss === "number" && logloss >= 0 && Number.isFinite(logloss))) throw bad("metrics.logloss must be a number >= 0 or null", "metrics.logloss");
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw bad("metrics.n must be an integer >= 0", "metrics.n");
  return { auc, logloss, n };
}

/** The file form of a model (weights as plain numbers: JSON keeps doubles exactly). */
export function modelToFile(model: LogisticModel, space: FeatureSpace): ModelFile {
  const file: ModelFile = {
    name: model.name, version: model.version, kind: "logistic", target: model.target,
    feature_space: { version: space.version, hash: space.hash, buckets: space.buckets, fingerprint: space.fingerprint, numeric: [...space.numeric], categorical: [...space.categorical] },
    bias: model.bias, weights: Array.from(model.weights), trained_at: model.trainedAt,
    metrics: { auc: model.metrics.auc, logloss: model.metrics.logloss, n: model.metrics.n },
  };
  if (model.training !== null) file.training = model.training;
  return file;
}

/** The logit bias + w.x over the vector's non-zeros. */
export function logit(model: LogisticModel, v: FeatureVector): number {
  const w = model.weights, x = v.values, idx = v.indices;
  let z = model.bias;
  for (let k = 0; k < v.count; k++) {
    const i = idx[k]!;
    z += w[i]! * x[i]!;
  }
  return z;
}

/** The predicted probability, in (0, 1). */
export function predict(model: LogisticModel, v: FeatureVector): number {
  return sigmoid(logit(model, v));
}

export function sigmoid(z: number): number {
  // Clamped so exp never overflows; 1/(1+e^35) is ~6e-16, below any rate we price on.
  const c = z > 35 ? 35 : z < -35 ? -35 : z;
  return 1 / (1 + Math.exp(-c));
}
