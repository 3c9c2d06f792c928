// Fitting the logistic-regression CTR/CVR models on logged feature vectors.
//
// Method: L2-regularized logistic regression, minimized by L-BFGS over the whole training set
// (Liu & Nocedal, "On the limited memory BFGS method for large scale optimization", Math.
// Programming 1989; two-loop recursion and backtracking Armijo line search as in Nocedal & Wright,
// Numerical Optimization, 2nd ed., algorithms 7.4-7.5 and 3.1). Objective:
//     f(w, b) = sum_i s_i * (softplus(z_i) - y_i z_i) / sum_i s_i + (l2 / 2) |w|^2,   z_i = b + w.x_i
// with s_i the row weight (1, or 1/rate for sampled rows); the bias is not regularized.
// Why this and not SGD: the objective is strictly convex, so the answer does not depend on a
// learning rate, a schedule or row order; the run is deterministic (no randomness at all) and
// converges in tens to a few hundred passes over sparse rows (cost per pass: the non-zeros).
// Hashed buckets no row touches keep weight exactly 0 (their gradient is l2 * 0).
// Rows live in CSR form (row pointers, column indices, values): the hot loops are flat over typed
// arrays. This runs offline (npx caracal train), never on the bid path.

import { assert } from "../core/assert.ts";
import type { FeatureSpace, FeatureVector } from "./bid-features.ts";
import { type LogisticModel, type ModelTarget } from "./ctr-model.ts";
import { auc, logLoss } from "./model-metrics.ts";

export interface Dataset {
  readonly dimension: number;
  readonly rows: number;
  /** Row r's entries are [rowStart[r], rowStart[r + 1]) of cols/vals. */
  readonly rowStart: Int32Array;
  readonly cols: Int32Array;
  readonly vals: Float64Array;
  readonly labels: Uint8Array;
  readonly weights: Float64Array;
}

/** Accumulates rows (feature vectors with a 0/1 label and a weight) into a Dataset. */
export class DatasetBuilder {
  private rowStart = new Int32Array(1024);
  private cols = new Int32Array(16384);
  private vals = new Float64Array(16384);
  private labels = new Uint8Array(1024);
  private weights = new Float64Array(1024);
  private rows = 0;
  private nnz = 0;

  constructor(readonly dimension: number) {}

  add(v: FeatureVector, label: 0 | 1, weight = 1): void {
    assert(v.dimension === this.dimension, "feature vector of another space");
    assert(weight > 0 && Number.isFinite(weight), `row weight ${weight} must be > 0`);
    if (this.rows + 2 > this.rowStart.length) this.growRows();
    while (this.nnz + v.count > this.cols.length) this.growEntries();
    for (let k = 0; k < v.count; k++) {
      const i = v.indices[k]!;
      this.cols[this.nnz] = i;
      this.vals[this.nnz++] = v.values[i]!;
    }
    this.labels[this.rows] = label;
    this.weights[this.rows] = weight;
    this.rowStart[++this.rows] = this.nnz;
  }

  build(): Dataset {
    return {
      dimension: this.dimension, rows: this.rows, rowStart: this.rowStart.slice(0, this.rows + 1),
      cols: this.cols.slice(0, this.nnz), vals: this.vals.slice(0, this.nnz),
      labels: this.labels.slice(0, this.rows), weights: this.weights.slice(0, this.rows),
    };
  }

  private growRows(): void {
    const n = this.rowStart.length * 2;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => { const b = make(n); b.set(a); return b; };
    this.rowStart = grow(this.rowStart, (k) => new Int32Array(k));
    this.labels = grow(this.labels, (k) => new Uint8Array(k));
    this.weights = grow(this.weights, (k) => new Float64Array(k));
  }

  private growEntries(): void {
    const cols = new Int32Array(this.cols.length * 2), vals = new Float64Array(this.vals.length * 2);
    cols.set(this.cols);
    vals.set(this.vals);
    this.cols = cols;
    this.vals = vals;
  }
}

export interface TrainOptions {
  /** L2 strength on the weights (not the bias). Default 1e-5. */
  readonly l2?: number;
  /** Iteration cap. Default 300. */
  readonly maxIterations?: number;
  /**
   * Stop when the objective improves by less than this, relatively, in an iteration (default 2.2e-9,
   * scipy's L-BFGS-B ftol: past it, weakly identified weights drift with no effect on predictions)...
   */
  readonly tolerance?: number;
  /** ...or when no gradient component exceeds this in magnitude (default 1e-5, L-BFGS-B's pgtol). */
  readonly gradientTolerance?: number;
  /** L-BFGS memory (pairs kept). Default 10. */
  readonly memory?: number;
}

export interface TrainResult {
  readonly bias: number;
  readonly weights: Float64Array;
  readonly iterations: number;
  readonly objective: number;
  readonly converged: boolean;
}

/** Fits the model on the listed rows of `data` (all rows when `rows` is null). */
export function trainLogistic(data: Dataset, rows: Int32Array | null, options: TrainOptions = {}): TrainResult {
  const l2 = options.l2 ?? 1e-5, maxIterations = options.maxIterations ?? 300;
  const tolerance = options.tolerance ?? 2.2e-9, gradientTolerance = options.gradientTolerance ?? 1e-5, m = options.memory ?? 10;
  const list = rows ?? Int32Array.from({ length: data.rows }, (_, i) => i);
  const d = data.dimension + 1; // the bias is the last parameter
  const theta = new Float64Array(d), grad = new Float64Array(d), dir = new Float64Array(d);
  const trial = new Float64Array(d), trialGrad = new Float64Array(d);
  const S = new Float64Array(m * d), Y = new Float64Array(m * d), rho = new Float64Array(m), alpha = new Float64Array(m);
  // Start from the bias of the base rate: the first steps then fit the features, not the mean.
  theta[d - 1] = baseLogit(data, list);
  let f = objective(data, list, l2, theta, grad);
  let stored = 0, head = 0, iterations = 0, converged = list.length === 0;
  while (!converged && iterations < maxIterations) {
    iterations++;
    direction(grad, S, Y, rho, alpha, stored, head, m, d, dir);
    let slope = dot(grad, dir, d);
    if (!(slope < 0)) { // not a descent direction (numerical trouble): restart from steepest descent
      stored = 0;
      for (let j = 0; j < d; j++) dir[j] = -grad[j]!;
      slope = dot(grad, dir, d);
    }
    let t = stored === 0 ? Math.min(1, 1 / Math.sqrt(dot(grad, grad, d))) : 1;
    let fNew = Infinity;
    for (let halvings = 0; halvings < 60; halvings++) {
      for (let j = 0; j < d; j++) trial[j] = theta[j]! + t * dir[j]!;
      fNew = objective(data, list, l2, trial, trialGrad);
      if (fNew <= f + 1e-4 * t * slope) break;
      t /= 2;
    }
    if (!(fNew < f)) { converged = true; break; } // no progress possible at double precision
    // Curvature pair (s, y); kept only when s.y > 0 so the implicit Hessian stays positive definite.
    const slot = head * d;
    let sy = 0;
    for (let j = 0; j < d; j++) {
      const s = trial[j]! - theta[j]!, y = trialGrad[j]! - grad[j]!;
      S[slot + j] = s;
      Y[slot + j] = y;
      sy += s * y;
    }
    if (sy > 1e-12) { rho[head] = 1 / sy; head = (head + 1) % m; stored = Math.min(stored + 1, m); }
    theta.set(trial);
    grad.set(trialGrad);
    converged = f - fNew <= tolerance * Math.max(1, Math.abs(fNew)) || maxAbs(grad, d) <= gradientTolerance;
    f = fNew;
  }
  return { bias: theta[d - 1]!, weights: theta.slice(0, d - 1), iterations, objective: f, converged };
}

function baseLogit(data: Dataset, list: Int32Array): number {
  let pos = 0, all = 0;
  for (let k = 0; k < list.length; k++) {
    const r = list[k]!;
    all += data.weights[r]!;
    if (data.labels[r] === 1) pos += data.weights[r]!;
  }
  const p = (pos + 0.5) / (all + 1);
  return Math.log(p / (1 - p));
}

/** f(theta) and its gradient into `grad`. */
function objective(data: Dataset, list: Int32Array, l2: number, theta: Float64Array, grad: Float64Array): number {
  const d = theta.length, b = d - 1, { rowStart, cols, vals, labels, weights } = data;
  grad.fill(0);
  let f = 0, total = 0;
  for (let k = 0; k < list.length; k++) {
    const r = list[k]!, start = rowStart[r]!, end = rowStart[r + 1]!;
    let z = theta[b]!;
    for (let e = start; e < end; e++) z += theta[cols[e]!]! * vals[e]!;
    const y = labels[r]!, s = weights[r]!;
    // softplus(z) - y z and sigmoid(z) from one exp(-|z|), stable for large |z|
    const ez = Math.exp(z > 0 ? -z : z);
    f += s * ((z > 0 ? z : 0) + Math.log1p(ez) - y * z);
    const g = s * ((z >= 0 ? 1 / (1 + ez) : ez / (1 + ez)) - y);
    for (let e = start; e < end; e++) grad[cols[e]!]! += g * vals[e]!;
    grad[b]! += g;
    total += s;
  }
  const inv = total > 0 ? 1 / total : 0;
  let penalty = 0;
  for (let j = 0; j < b; j++) {
    grad[j] = grad[j]! * inv + l2 * theta[j]!;
    penalty += theta[j]! * theta[j]!;
  }
  grad[b] = grad[b]! * inv;
  return f * inv + (l2 / 2) * penalty;
}

/** The L-BFGS direction -H g by the two-loop recursion over the stored (s, y) pairs. */
function direction(grad: Float64Array, S: Float64Array, Y: Float64Array, rho: Float64Array, alpha: Float64Array,
  stored: number, head: number, m: number, d: number, out: Float64Array): void {
  out.set(grad);
  for (let n = 0; n < stored; n++) {
    const i = (head - 1 - n + m) % m, o = i * d;
    let a = 0;
    for (let j = 0; j < d; j++) a += S[o + j]! * out[j]!;
    a *= rho[i]!;
    alpha[i] = a;
    for (let j = 0; j < d; j++) out[j]! -= a * Y[o + j]!;
  }
  if (stored > 0) {
    const last = ((head - 1 + m) % m) * d;
    let sy = 0, yy = 0;
    for (let j = 0; j < d; j++) { sy += S[last + j]! * Y[last + j]!; yy += Y[last + j]! * Y[last + j]!; }
    const gamma = sy / yy;
    for (let j = 0; j < d; j++) out[j]! *= gamma;
  }
  for (let n = stored - 1; n >= 0; n--) {
    const i = (head - 1 - n + m) % m, o = i * d;
    let beta = 0;
    for (let j = 0; j < d; j++) beta += Y[o + j]! * out[j]!;
    beta *= rho[i]!;
    for (let j = 0; j < d; j++) out[j]! += S[o + j]! * (alpha[i]! - beta);
  }
  for (let j = 0; j < d; j++) out[j] = -out[j]!;
}

function maxAbs(a: Float64Array, n: number): number {
  let m = 0;
  for (let j = 0; j < n; j++) { const x = Math.abs(a[j]!); if (x > m) m = x; }
  return m;
}

function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += a[j]! * b[j]!;
  return s;
}

/** Scores of the listed rows under (bias, weights). */
export function scoreRows(data: Dataset, rows: Int32Array, bias: number, weights: Float64Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    let z = bias;
    for (let e = data.rowStart[r]!; e < data.rowStart[r + 1]!; e++) z += weights[data.cols[e]!]! * data.vals[e]!;
    out[k] = 1 / (1 + Math.exp(-Math.min(35, Math.max(-35, z))));
  }
  return out;
}

export interface FitOptions extends TrainOptions {
  readonly name: string;
  readonly version: string;
  readonly target: ModelTarget;
  readonly space: FeatureSpace;
  readonly data: Dataset;
  /** holdout[r] = 1 puts row r in the holdout (model-metrics.ts inHoldout on its bid id). */
  readonly holdout: Uint8Array;
  readonly nowMs: number;
}

export interface FitResult {
  readonly model: LogisticModel;
  readonly train: TrainResult;
  readonly trainRows: number;
  readonly holdoutRows: number;
}

/** Trains on the non-holdout rows and measures AUC and log loss on the holdout. */
export function fitModel(o: FitOptions): FitResult {
  assert(o.data.dimension === o.space.dimension, "dataset of another feature space");
  const trainList: number[] = [], holdList: number[] = [];
  for (let r = 0; r < o.data.rows; r++) (o.holdout[r] === 1 ? holdList : trainList).push(r);
  const trainRows = Int32Array.from(trainList), holdRows = Int32Array.from(holdList);
  const train = trainLogistic(o.data, trainRows, o);
  const scores = scoreRows(o.data, holdRows, train.bias, train.weights);
  const labels = Uint8Array.from(holdRows, (r) => o.data.labels[r]!);
  const weights = Float64Array.from(holdRows, (r) => o.data.weights[r]!);
  const metrics = { auc: auc(scores, labels, weights), logloss: logLoss(scores, labels, weights), n: holdRows.length };
  const model: LogisticModel = {
    name: o.name, version: o.version, target: o.target, bias: train.bias, weights: train.weights, fingerprint: o.space.fingerprint,
    trainedAt: new Date(o.nowMs).toISOString(), metrics,
    training: {
      method: "lbfgs", l2: o.l2 ?? 1e-5, iterations: train.iterations, converged: train.converged, objective: train.objective,
      train_rows: trainRows.length, holdout_rows: holdRows.length,
    },
  };
  return { model, train, trainRows: trainRows.length, holdoutRows: holdRows.length };
}
