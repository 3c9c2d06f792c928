// The models the bid path scores with, by name, swappable while serving (PUT /v1/models/<name>).
// A swap replaces one map entry: a request that already read the old model finishes with it, the
// next one sees the new model; nothing is locked or copied. Models are validated (ctr-model.ts)
// before they get here, against the one feature space the server computes.

import { EngineError } from "../core/errors.ts";
import type { FeatureSpace } from "./bid-features.ts";
import { parseModel, type LogisticModel } from "./ctr-model.ts";

export class ModelRegistry {
  private readonly models = new Map<string, LogisticModel>();

  constructor(readonly space: FeatureSpace) {}

  get(name: string): LogisticModel | null {
    return this.models.get(name) ?? null;
  }

  /** Validates a parsed model file and serves it under `name` (which the file must carry). */
  put(name: string, json: unknown): LogisticModel {
    const model = parseModel(json, this.space);
    if (model.name !== name) throw new EngineError("bad_request", `model file: name "${model.name}" does not match the URL's "${name}"`, { field: "name" });
    this.models.set(name, model);
    return model;
  }

  delete(name: string): boolean {
    return this.models.delete(name);
  }

  list(): LogisticModel[] {
    return [...this.models.values()];
  }
}
