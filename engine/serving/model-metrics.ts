// Offline model metrics: ROC AUC and log loss, both optionally weighted per row (a row sampled at
// rate r carries weight 1/r), and the deterministic train/holdout split.
//
// AUC is the Mann-Whitney statistic: the probability that a random positive scores above a random
// negative, ties counting one half (Hanley & McNeil, "The meaning and use of the area under a
// receiver operating characteristic (ROC) curve", Radiology 1982). Exact ties are grouped, so a
// constant scorer gets exactly 0.5. These run offline (training, tests) and may allocate.

import { hashString } from "./feature-hash.ts";

/** AUC of `scores` against `labels` (1 positive, 0 negative); null when a class is empty. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number> | null = null): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let negBelow = 0, area = 0, pos = 0, neg = 0;
  for (let i = 0; i < n;) {
    // One group of tied scores: its positives beat every negative below and tie with its own.
    let j = i, gPos = 0, gNeg = 0;
    while (j < n && scores[order[j]!] === scores[order[i]!]) {
      const r = order[j]!, w = weights === null ? 1 : weights[r]!;
      if (labels[r] === 1) gPos += w; else gNeg += w;
      j++;
    }
    area += gPos * (negBelow + gNeg / 2);
    negBelow += gNeg;
    pos += gPos;
    neg += gNeg;
    i = j;
  }
  return pos > 0 && neg > 0 ? area / (pos * neg) : null;
}

/** Mean negative log likelihood, probabilities clipped to [1e-15, 1 - 1e-15]; null when empty. */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number> | null = null): number | null {
  let sum = 0, total = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = Math.min(Math.max(probabilities[i]!, 1e-15), 1 - 1e-15);
    const w = weights === null ? 1 : weights[i]!;
    sum -= w * (labels[i] === 1 ? Math.log(p) : Math.log(1 - p));
    total += w;
  }
  return total > 0 ? sum / total : null;
}

/**
 * Whether the row keyed `key` (a bid id) is in the holdout: a hash of the key, so a row stays on
 * the same side across retrains and machines, whatever order the rows come in.
 */
export function inHoldout(key: string, fraction: number, seed: number): boolean {
  return hashString(key, seed) < fraction * 4294967296;
}
