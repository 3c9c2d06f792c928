// What `npx caracal train` runs once the training query's rows are in hand: build the CTR and CVR
// datasets, fit each model (L-BFGS, model-train.ts), measure it on the holdout, and say what it did
// in lines the CLI prints. A model whose training rows lack a class is not fitted (null, with the
// reason): a constant model would price every impression the same.

import type { FeatureSpace } from "./bid-features.ts";
import { modelToFile, type ModelFile, type ModelTarget } from "./ctr-model.ts";
import { fitModel, type FitResult } from "./model-train.ts";
import { buildTrainingSets, type LabelledSet, type TrainingRow } from "./training-set.ts";

export interface TrainModelsOptions {
  readonly ctrName: string;
  readonly cvrName: string;
  readonly version: string;
  readonly nowMs: number;
  readonly holdoutFraction?: number;
  readonly splitSeed?: number;
  readonly negativeRate?: number;
  readonly l2?: number;
  readonly maxIterations?: number;
}

export interface TrainedModel {
  readonly fit: FitResult;
  readonly file: ModelFile;
}

export interface TrainReport {
  readonly ctr: TrainedModel | null;
  readonly cvr: TrainedModel | null;
  readonly otherSpace: number;
  readonly undecodable: number;
  readonly lines: readonly string[];
}

export function trainModels(rows: Iterable<TrainingRow>, space: FeatureSpace, o: TrainModelsOptions): TrainReport {
  const sets = buildTrainingSets(rows, space, {
    holdoutFraction: o.holdoutFraction ?? 0.2, splitSeed: o.splitSeed ?? 1, negativeRate: o.negativeRate ?? 1,
  });
  const lines: string[] = [];
  if (sets.otherSpace > 0) lines.push(`skipped ${sets.otherSpace} bids logged under another feature space (this one is ${space.fingerprint})`);
  if (sets.undecodable > 0) lines.push(`skipped ${sets.undecodable} bids whose feature log did not decode`);
  const fit = (target: ModelTarget, name: string, set: LabelledSet): TrainedModel | null => {
    const n = set.data.rows, label = target === "ctr" ? "clicks among won bids" : "conversions among clicks";
    let trainPos = 0, trainAll = 0;
    for (let r = 0; r < n; r++) if (set.holdout[r] === 0) { trainAll++; trainPos += set.data.labels[r]!; }
    if (trainPos === 0 || trainPos === trainAll) {
      lines.push(`${target}: not fitted, ${trainPos} ${label} in ${trainAll} training rows (needs both outcomes)`);
      return null;
    }
    const result = fitModel({
      name, version: o.version, target, space, data: set.data, holdout: set.holdout, nowMs: o.nowMs, l2: o.l2, maxIterations: o.maxIterations,
    });
    const m = result.model.metrics;
    lines.push(`${target}: ${result.trainRows} training rows (${trainPos} ${label}), holdout ${m.n}: ` +
      `AUC ${m.auc === null ? "n/a" : m.auc.toFixed(4)}, log loss ${m.logloss === null ? "n/a" : m.logloss.toFixed(5)}; ` +
      `${result.train.iterations} L-BFGS iterations${result.train.converged ? "" : " (iteration cap reached)"}`);
    return { fit: result, file: modelToFile(result.model, space) };
  };
  return { ctr: fit("ctr", o.ctrName, sets.ctr), cvr: fit("cvr", o.cvrName, sets.cvr), otherSpace: sets.otherSpace, undecodable: sets.undecodable, lines };
}
